package io.brguard.cli.serve;

import io.brguard.certs.CaBundlePatcher;
import io.brguard.certs.CertFiles;
import io.brguard.certs.CertPolicy;
import io.brguard.certs.CertSecrets;
import io.brguard.certs.CertState;
import io.brguard.certs.CertStore;
import io.brguard.certs.Issuer;
import io.brguard.certs.Rotation;
import io.brguard.certs.Rotator;
import io.brguard.certs.ServingProbe;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code brguard certs issue|rotate}: the webhook's TLS without cert-manager. */
@Command(name = "certs", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Issue or rotate the webhook's ECDSA P-256 CA and serving certificate, into PEM files (--dir) or",
                "Kubernetes Secrets (--secret), and patch the caBundle into the webhook configurations.",
                "rotate is idempotent: run it from a CronJob. A CA rotation keeps the old CA in the caBundle until",
                "every replica serves the new certificate (--probe), so no handshake fails."})
public final class CertsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ACTION", description = "issue (only when nothing exists) or rotate")
    String action;

    @Option(names = "--service", defaultValue = "brguard-webhook", description = "webhook Service (default: ${DEFAULT-VALUE})")
    String service;

    @Option(names = {"-n", "--namespace"}, defaultValue = "brguard", description = "its namespace (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--dns", description = "extra DNS names for the serving certificate")
    List<String> dns = new ArrayList<>();

    @Option(names = "--ip", description = "IP addresses for the serving certificate (local use)")
    List<String> ips = new ArrayList<>();

    @Option(names = "--dir", paramLabel = "DIR", description = "store PEM files here (e.g. certs/)")
    Path dir;

    @Option(names = "--secret", paramLabel = "NAME", description = "store in this kubernetes.io/tls Secret (with --ca-secret)")
    String secret;

    @Option(names = "--ca-secret", defaultValue = "brguard-ca", paramLabel = "NAME", description = "the CA's Secret (default: ${DEFAULT-VALUE})")
    String caSecret;

    @Option(names = "--webhook-config", paramLabel = "NAME",
            description = "Validating and Mutating webhook configurations of this name get the caBundle")
    List<String> webhookConfigs = new ArrayList<>();

    @Option(names = "--probe", description = "ask each replica behind --service which certificate it serves")
    boolean probe;

    @Option(names = "--probe-port", defaultValue = "8443", description = "replica TLS port (default: ${DEFAULT-VALUE})")
    int probePort;

    @Option(names = "--settle", defaultValue = "30s", description = "pause between publishing a new CA and the new leaf (default: ${DEFAULT-VALUE})")
    String settle;

    @Option(names = "--ca-validity", defaultValue = "5y", description = "default: ${DEFAULT-VALUE}")
    String caValidity;

    @Option(names = "--leaf-validity", defaultValue = "1y", description = "default: ${DEFAULT-VALUE}")
    String leafValidity;

    @Option(names = "--renew-fraction", defaultValue = "0.6667", description = "renew after this share of the life (default: ${DEFAULT-VALUE})")
    double renewFraction;

    @Option(names = "--force-new-ca", description = "start over with a new CA (e.g. after the old one expired)")
    boolean forceNewCa;

    @Override
    public Integer call() {
        if (!action.equals("issue") && !action.equals("rotate")) {
            System.err.println("brguard certs: ACTION must be issue or rotate, not " + action);
            return 2;
        }
        if ((dir == null) == (secret == null)) {
            System.err.println("brguard certs: give exactly one of --dir or --secret");
            return 2;
        }
        CertPolicy policy;
        try {
            policy = new CertPolicy(CertPolicy.parse(caValidity), CertPolicy.parse(leafValidity), renewFraction);
        } catch (IllegalArgumentException e) {
            System.err.println("brguard certs: " + e.getMessage());
            return 2;
        }
        List<String> names = new ArrayList<>(Issuer.serviceNames(service, namespace));
        names.addAll(dns);
        KubernetesClient client = secret != null || !webhookConfigs.isEmpty() || probe ? new KubernetesClientBuilder().build() : null;
        try {
            CertStore store = dir != null ? new CertFiles(dir) : new CertSecrets(client, namespace, caSecret, secret);
            Consumer<List<X509Certificate>> publisher = webhookConfigs.isEmpty() ? b -> { }
                    : new CaBundlePatcher(client, webhookConfigs, webhookConfigs)::publish;
            Rotator rotator = new Rotator(store, publisher, () -> served(client), Clock.systemUTC(), policy,
                    CertPolicy.parse(settle));
            if (action.equals("issue")) {
                CertState s = rotator.issue(names, ips);
                System.out.println("issued a CA and a serving certificate into " + store.describe() + " for "
                        + String.join(", ", names) + "; serving certificate expires " + s.leaf().certificate().getNotAfter().toInstant());
            } else {
                Rotator.Result r = rotator.rotate(names, ips, forceNewCa);
                if (r.plan().isEmpty()) {
                    System.out.println("nothing due in " + store.describe() + "; serving certificate renews after "
                            + policy.renewAt(r.state().leaf().certificate()) + "; caBundle re-published");
                }
                for (int i = 0; i < r.plan().steps().size(); i++) {
                    System.out.println(r.plan().steps().get(i) + ": " + r.plan().reasons().get(i));
                }
            }
            return 0;
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    /** The certificate every ready endpoint of the Service serves; unknown without --probe or on any failure. */
    private Rotation.Served served(KubernetesClient client) {
        if (!probe) {
            return Rotation.Served.unknown();
        }
        List<InetSocketAddress> replicas = new ArrayList<>();
        for (EndpointSlice slice : client.discovery().v1().endpointSlices().inNamespace(namespace)
                .withLabel("kubernetes.io/service-name", service).list().getItems()) {
            slice.getEndpoints().stream()
                    .filter(e -> e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady()))
                    .forEach(e -> e.getAddresses().forEach(a -> replicas.add(new InetSocketAddress(a, probePort))));
        }
        List<X509Certificate> leaves = replicas.isEmpty() ? null
                : ServingProbe.leaves(replicas, service + "." + namespace + ".svc", 5000);
        return leaves == null ? Rotation.Served.unknown() : Rotation.Served.of(leaves);
    }
}
