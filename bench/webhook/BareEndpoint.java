import io.brguard.webhook.AdmissionHandler;
import io.brguard.webhook.TlsReloader;
import io.javalin.Javalin;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;

import tools.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The baseline for bench/webhook: a bare Javalin endpoint over the same TLS setup as the webhook (the same
 * TlsReloader: protocols, cipher order, certificate; Javalin's default thread pool) that reads the body and returns
 * a canned AdmissionReview response.
 * With a third argument {@code parse} it also parses the body with brguard's reader ({@code AdmissionHandler.WIRE})
 * and drops the tree: a yardstick for how much of the gap is JSON parsing alone. With {@code tokens} it only runs
 * Jackson's tokenizer over the body, building nothing: the least any reader of the review built on Jackson does.
 * Run with the brguard jar on the class path: java -cp cli/target/brguard.jar bench/webhook/BareEndpoint.java DIR PORT [parse|tokens]
 */
public class BareEndpoint {
    public static void main(String[] args) throws Exception {
        TlsReloader tls = new TlsReloader(Path.of(args[0]), Clock.systemUTC());
        int port = Integer.parseInt(args[1]);
        ObjectMapper reader = args.length > 2 && args[2].equals("parse") ? AdmissionHandler.WIRE : null;
        boolean tokens = args.length > 2 && args[2].equals("tokens");
        byte[] canned = ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":"
                + "{\"uid\":\"00000000-0000-0000-0000-000000000000\",\"allowed\":true}}").getBytes(StandardCharsets.UTF_8);
        Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.addConnector((server, httpConfig) -> {
                HttpConfiguration https = new HttpConfiguration(httpConfig);
                SecureRequestCustomizer secure = new SecureRequestCustomizer();
                secure.setSniHostCheck(false);
                https.addCustomizer(secure);
                ServerConnector c = new ServerConnector(server, new SslConnectionFactory(tls.factory(), "http/1.1"),
                        new HttpConnectionFactory(https));
                c.setHost("127.0.0.1");
                c.setPort(port);
                c.setIdleTimeout(30_000);
                return c;
            });
            cfg.routes.post("/validate", ctx -> {
                byte[] body = ctx.req().getInputStream().readNBytes(3 * 1024 * 1024 + 1);
                if (tokens) {
                    int n = 0;
                    try (tools.jackson.core.JsonParser p = AdmissionHandler.WIRE.createParser(body)) {
                        while (p.nextToken() != null) {
                            n++;
                        }
                    }
                    if (n < 2) {
                        throw new IllegalStateException("not a JSON object");
                    }
                }
                if (reader != null && !reader.readTree(body).isObject()) {
                    throw new IllegalStateException("not a JSON object");
                }
                ctx.contentType("application/json").result(canned);
            });
        }).start();
        System.err.println((reader != null ? "parse-only" : tokens ? "tokens-only" : "bare") + " endpoint on https://127.0.0.1:" + port + "/validate");
        Thread.currentThread().join();
    }
}
