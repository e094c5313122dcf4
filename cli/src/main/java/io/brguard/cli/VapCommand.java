package io.brguard.cli;

import io.brguard.policy.vap.AdmissionPolicies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code brguard vap}: the ValidatingAdmissionPolicies and bindings generated from brguard's policy, printed as one
 * YAML stream or written one object per file (manifests/components/vap is this command's output).
 */
@Command(name = "vap", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        usageHelpAutoWidth = true,
        description = {"Print the ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, Kubernetes 1.30 and later)",
                "that hold brguard's single-object rules in the API server itself, generated from this brguard's policy,",
                "with their bindings. docs/rules.md lists the rules they cover; docs/operations.md, \"A fallback that",
                "does not depend on brguard's pods\", when to install them."})
public final class VapCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--action", defaultValue = "Warn", paramLabel = "Warn|Deny",
            description = "what the bindings do with a failed validation, besides Audit (default: ${DEFAULT-VALUE})")
    String action;

    @Option(names = {"-n", "--namespace"}, defaultValue = "brguard",
            description = "brguard's namespace, left out of the bindings as the webhook leaves it out (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--exclude-namespace", paramLabel = "NS",
            description = "another namespace the bindings leave out, e.g. one the policy exempts (repeatable)")
    List<String> excluded = new ArrayList<>();

    @Option(names = "--write", paramLabel = "DIR", description = "write one file per object into DIR instead of printing them")
    Path write;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdmissionPolicies.Action act;
        try {
            act = AdmissionPolicies.Action.of(action);
        } catch (IllegalArgumentException e) {
            err.println("brguard vap: " + e.getMessage());
            return 2;
        }
        if (write == null) {
            out.print(AdmissionPolicies.stream(act, namespace, excluded));
            out.flush();
            return 0;
        }
        if (!Files.isDirectory(write)) {
            err.println("brguard vap: " + write + " is not a directory");
            return 2;
        }
        for (Map.Entry<String, String> f : AdmissionPolicies.files(act, namespace, excluded).entrySet()) {
            Files.writeString(write.resolve(f.getKey()), f.getValue());
            out.println("wrote " + write.resolve(f.getKey()));
        }
        out.flush();
        return 0;
    }
}
