import io.brguard.policy.DocumentLookups;
import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Mutator;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.SpecSchema;
import io.brguard.webhook.AdmissionHandler;
import java.nio.file.*;
import java.time.Clock;
/**
 * The admission handler alone (no HTTP, no TLS): AdmissionReview parsing, the policy, the response and the audit
 * line for bench/webhook/request.json, per request, then the main parts. It shows where the webhook's per-request
 * cost sits. Run from the repository root:
 *   java -XX:TieredStopAtLevel=1 -cp cli/target/brguard.jar bench/webhook/HandlerBench.java
 */
public class HandlerBench {
  public static void main(String[] a) throws Exception {
    byte[] body = Files.readAllBytes(Path.of("bench/webhook/request.json"));
    var src = io.brguard.policy.Manifests.parse("c", Files.readString(Path.of("examples/cluster/test1.yaml")));
    Lookups l = new DocumentLookups(src.documents(), true, java.util.List.of());
    AdmissionHandler h = new AdmissionHandler(new Policy(), Clock.systemUTC());
    for (int round = 0; round < 5; round++) {
      long t = System.nanoTime(); int n = 20000;
      for (int i = 0; i < n; i++) { var o = h.handle(AdmissionHandler.Endpoint.VALIDATE, body, l); if (o.status() != 200) throw new RuntimeException(o.body().toString()); AdmissionHandler.bytes(o.body()); Json.JSON.writeValueAsString(o.audit()); }
      System.out.printf("round %d: %.1f us per request%n", round, (System.nanoTime() - t) / 1e3 / n);
    }
    // parts
    var tree = Json.JSON.readTree(body);
    var obj = tree.path("request").path("object"); var old = tree.path("request").path("oldObject");
    Policy p = new Policy();
    time("readTree", () -> AdmissionHandler.WIRE.readTree(body));
    time("decide", () -> p.decide(Operation.UPDATE, old, obj, l));
    time("schema", () -> SpecSchema.validate(obj.path("spec")));
    time("toBackup x2", () -> { Json.toBackup(obj); Json.toBackup(old); });
    time("mutate x2", () -> { Mutator.mutate(obj); Mutator.mutate(old); });
  }
  static void time(String name, Runnable r) { for (int w=0;w<3;w++){ long t=System.nanoTime(); for (int i=0;i<20000;i++) r.run(); if (w==2) System.out.printf("  %-12s %.1f us%n", name, (System.nanoTime()-t)/1e3/20000);} }
}
