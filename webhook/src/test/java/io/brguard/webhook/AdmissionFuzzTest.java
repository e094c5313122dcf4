package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded, bounded fuzz run against a real webhook over TLS (ReviewFuzzer): every answer arrives, none is a 5xx
 * or names a Java class, and every decision has its audit line. -Dbrguard.fuzz.seed picks another seed (the
 * failure message names the one used); bench/webhook/fuzz.sh is the long run.
 */
class AdmissionFuzzTest {

    @Test
    void answersEveryGeneratedRequestWithoutA5xxOrAHangAndAuditsEveryDecision() throws Exception {
        long seed = Long.getLong("brguard.fuzz.seed", 20261201L);
        WebhookHardeningTest.certificates();
        WebhookHardeningTest.audit.reset();
        try (WebhookServer s = WebhookHardeningTest.server(WebhookServer.MAX_CONNECTIONS)) {
            ReviewFuzzer fuzzer = new ReviewFuzzer(seed, Fixtures.root(), "localhost");
            List<ReviewFuzzer.Case> cases = fuzzer.cases(1, 160);
            ReviewFuzzer.Report r = ReviewFuzzer.send(cases, () -> WebhookHardeningTest.trust, "localhost", s.tlsPort(),
                    4, 10_000);
            java.nio.file.Files.write(java.nio.file.Path.of("target", "fuzz-problems.txt"), r.problems());
            assertTrue(r.problems().isEmpty(), "seed " + seed + ": " + r + " (all in target/fuzz-problems.txt)");
            assertEquals(cases.size(), r.answers().size());

            // Every answered decision (a 200) and every review answered "invalid" has its audit line, by uid.
            Set<String> audited = new HashSet<>();
            for (String line : WebhookHardeningTest.auditLines().split("\n")) {
                if (!line.isBlank()) {
                    JsonNode n = Json.JSON.readTree(line);
                    audited.add(n.path("uid").asString());
                }
            }
            long decisions = 0;
            for (ReviewFuzzer.Answer a : r.answers()) {
                if (a.status() == 200) {
                    decisions++;
                    String uid = Json.JSON.readTree(a.body()).path("response").path("uid").asString();
                    assertTrue(audited.contains(uid), "seed " + seed + ": no audit line for the decision on " + a.c().what());
                }
            }
            assertTrue(decisions > cases.size() / 3, "most type swaps still make a review: " + r);
            assertTrue(r.byStatus().getOrDefault(400, 0) > 0, r.toString());
        }
    }
}
