package io.brguard.cli.check;

import io.brguard.policy.Policy;
import io.brguard.policy.PolicyConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code brguard check}: the webhook's policy over YAML files, for pull requests before Argo CD or Flux syncs. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Check Backup, BackupSchedule and Restore manifests offline with the same policy as the admission webhook.",
                "Exit codes: 0 clean (warnings allowed), 1 an object would be denied (with --fail-on: also warned or "
                        + "not checked), 2 usage or input error (a path that does not exist, an unreadable file, a --base "
                        + "ref the clone lacks, nothing to check found without --allow-empty)."})
public final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "YAML/JSON files or folders (multi-document; "
            + "a folder with a kustomization is read through its resources list); - reads standard input "
            + "(e.g. kustomize build overlays/prod | brguard check -)")
    List<Path> paths = new ArrayList<>();

    private java.io.InputStream stdin = System.in;

    /** What {@code -} reads instead of System.in (tests, and a caller that embeds the command). */
    public void readStdinFrom(java.io.InputStream in) {
        this.stdin = in;
    }

    @Option(names = "--base", paramLabel = "GIT-REF", description = "compare each object with the same kind, namespace and name "
            + "at this git ref (e.g. origin/main) and apply the UPDATE rules")
    String base;

    @Option(names = "--old", paramLabel = "PATH", description = "compare with the objects in these files or folders instead")
    List<Path> old = new ArrayList<>();

    @Option(names = "--live", paramLabel = "FILE", description = "a live snapshot (kubectl get backups,backupschedules,restores -A "
            + "-o yaml): the real old objects with their status, and every Backup of the cluster (a Restore's sources and "
            + "PITR window are checked against them); wins over --base/--old for the objects it holds")
    List<Path> live = new ArrayList<>();

    @Option(names = "--objects", paramLabel = "PATH", description = "the cluster's other objects: Secrets, "
            + "SealedSecrets, ExternalSecrets, Clusters (core.pingcap.com), Backups. Without it, Secret presence is not checked")
    List<Path> objects = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "namespace for objects that name none, as kubectl's -n. Without it, such an object takes the "
                    + "namespace of the Argo CD Application (destination.namespace) or Flux Kustomization (targetNamespace) "
                    + "among the inputs that syncs its folder; with neither, the rules that need a namespace are reported "
                    + "as not checked")
    String namespace;

    @Option(names = "--kustomize", description = "render folders with a kustomization through `kubectl kustomize`, so "
            + "that patches apply; findings still name the file and line that declare the object or write the field")
    boolean kustomize;

    @Option(names = "--pitr-guard", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "deny a logTruncateUntil past the newest Complete snapshot (default: ${DEFAULT-VALUE})")
    boolean pitrGuard;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table, json, junit or sarif (SARIF 2.1.0, for code scanning) (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--color", defaultValue = "auto", paramLabel = "WHEN",
            description = "auto, always or never (default: ${DEFAULT-VALUE})")
    String color;

    @Option(names = "--config", paramLabel = "FILE", description = "the webhook's policy configuration (enforcement "
            + "modes, exemptions; the ConfigMap's policy.yaml): the same verdicts as the webhook with it. The break-glass "
            + "annotation is not honoured offline (no user)")
    Path config;

    @Option(names = "--fail-on", split = ",", paramLabel = "WHAT", description = "exit 1 also on warning (any warning, "
            + "including a Warn-mode would-deny) or unchecked (a rule that could not be checked); repeatable or "
            + "comma-separated. By default only a denial exits 1")
    List<String> failOn = new ArrayList<>();

    @Option(names = "--summary", description = "print only what fails the check (denials, and what --fail-on names), "
            + "input problems and the counts per kind; with -o json, only the failing results and the counts")
    boolean summary;

    @Option(names = "--progress", negatable = true, description = "a progress line on stderr while the inputs are read and "
            + "decided (never on stdout). Default: on when stderr is a terminal (as the ./brguard launcher tells)")
    Boolean progress;

    @Option(names = "--allow-empty", description = "exit 0 when the paths hold no Backup, BackupSchedule or Restore (by default that is exit 2: "
            + "a check that found nothing to check must not pass silently)")
    boolean allowEmpty;

    private static final List<String> COLORS = List.of("auto", "always", "never");

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Reporters.Format format;
        try {
            format = Reporters.Format.valueOf(output.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("brguard check: --output must be table, json, junit or sarif, not " + output);
            return 2;
        }
        if (namespace != null && !Namespaces.isName(namespace)) {
            err.println("brguard check: -n must be a namespace name (a DNS-1123 label), not '" + namespace + "'");
            return 2;
        }
        if (!COLORS.contains(color)) {
            err.println("brguard check: --color must be auto, always or never, not " + color);
            return 2;
        }
        if (base != null && !old.isEmpty()) {
            err.println("brguard check: give --base or --old, not both");
            return 2;
        }
        java.util.Set<Checker.FailOn> failing = java.util.EnumSet.noneOf(Checker.FailOn.class);
        for (String f : failOn) {
            switch (f.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "warning", "warnings" -> failing.add(Checker.FailOn.WARNING);
                case "unchecked", "not-checked" -> failing.add(Checker.FailOn.UNCHECKED);
                default -> {
                    err.println("brguard check: --fail-on takes warning or unchecked, not " + f);
                    return 2;
                }
            }
        }
        boolean fromStdin = paths.stream().anyMatch(p -> p.toString().equals(Inputs.STDIN));
        if (base != null && fromStdin) {
            err.println("brguard check: --base reads the checked paths at a git ref; standard input (-) has no path "
                    + "there: give the old objects with --old or --live");
            return 2;
        }
        if (summary && (format == Reporters.Format.JUNIT || format == Reporters.Format.SARIF)) {
            err.println("brguard check: --summary shortens -o table and -o json; junit and sarif are written whole");
            return 2;
        }
        boolean showProgress = progress != null ? progress : STDERR_IS_TERMINAL;
        try (Progress p = showProgress ? Progress.to(err, STDERR_IS_TERMINAL) : Progress.none()) {
            return check(format, failing, fromStdin, p, out, err);
        }
    }

    /** Whether stderr is a terminal: the ./brguard launcher says so ({@code [ -t 2 ]}); Java 17 cannot tell. */
    static final boolean STDERR_IS_TERMINAL = Boolean.getBoolean("brguard.stderrIsTerminal");

    private int check(Reporters.Format format, java.util.Set<Checker.FailOn> failing, boolean fromStdin, Progress progress,
                      PrintWriter out, PrintWriter err) throws IOException {
        // A path that is not there is named first and stops the run: a missing --objects folder would otherwise
        // turn into secret.missing denials, a missing --old folder into CREATEs.
        List<String> missing = new ArrayList<>();
        missing(paths.stream().filter(p -> !p.toString().equals(Inputs.STDIN)).toList(), "", missing);
        missing(old, "--old ", missing);
        missing(live, "--live ", missing);
        missing(objects, "--objects ", missing);
        if (config != null) {
            missing(List.of(config), "--config ", missing);
        }
        if (!missing.isEmpty()) {
            return stop(missing.stream().map(m -> m + ": no such file or folder").toList(), format, out, err);
        }
        io.brguard.policy.rollout.RolloutConfig rollout = io.brguard.policy.rollout.RolloutConfig.DEFAULT;
        if (config != null) {
            try {
                rollout = io.brguard.policy.rollout.RolloutConfig.parse(config.toString(), java.nio.file.Files.readString(config));
            } catch (io.brguard.policy.rollout.RolloutConfig.Invalid | IOException e) {
                return stop(List.of("--config " + e.getMessage()), format, out, err);
            }
        }
        // Input errors that would make every verdict wrong stop the check before anything is decided: a --base
        // ref the clone lacks would turn every UPDATE into a CREATE, an unreadable --objects or --live file into
        // missing Secrets or assumed phases. (A broken file among the checked paths, or at the base ref, is listed
        // with the findings: the other objects are judged all the same.)
        if (base != null) {
            java.util.Optional<String> wrong = GitHistory.verify(base, paths);
            if (wrong.isPresent()) {
                return stop(List.of(wrong.get()), format, out, err);
            }
        }
        progress.reading();
        Source objectSource = new Inputs(false).counting(progress.files).read(objects);
        Source liveSource = new Inputs(false).counting(progress.files).read(live);
        List<String> contextErrors = new ArrayList<>();
        objectSource.problems().forEach(p -> contextErrors.add("--objects " + p));
        liveSource.problems().forEach(p -> contextErrors.add("--live " + p));
        if (!contextErrors.isEmpty()) {
            progress.close();
            return stop(contextErrors, format, out, err);
        }
        // Standard input is read once: the paths may be read twice (GitOps targets found among them).
        byte[] input = fromStdin ? stdin.readAllBytes() : new byte[0];
        Source current = new Inputs(kustomize).withStdin(new java.io.ByteArrayInputStream(input)).counting(progress.files).read(paths);
        // The Argo CD Applications and Flux Kustomizations among the inputs name the namespace of the folders they
        // sync; when there are any, the paths are read again with them (objects that name no namespace take it).
        List<io.brguard.policy.Manifests.Document> all = new ArrayList<>(current.documents());
        all.addAll(objectSource.documents());
        GitOpsTargets targets = GitOpsTargets.find(all);
        if (!targets.isEmpty()) {
            current = new Inputs(kustomize, targets, GitHistory::repositoryRoot).withStdin(new java.io.ByteArrayInputStream(input))
                    .counting(progress.files).read(paths);
        }
        Source oldSource = base != null ? GitHistory.read(base, paths, kustomize, targets)
                : new Inputs(kustomize).counting(progress.files).read(old);
        String oldLabel = base != null ? "git " + base : old.isEmpty() ? null : String.join(", ", old.stream().map(Path::toString).toList());
        Checker.Report report = new Checker(config == null ? new Policy(new PolicyConfig(pitrGuard)) : new Policy(rollout.policy()),
                namespace, rollout).reporting(progress)
                .run(current, new Checker.History(oldSource, liveSource, !live.isEmpty()), objectSource, !objects.isEmpty())
                .failingOn(failing);
        if (report.results().isEmpty() && report.problems().isEmpty() && !allowEmpty) {
            report = report.withProblem(new io.brguard.policy.Manifests.Problem(String.join(" ", paths.stream().map(Path::toString).toList()),
                    0, 1, "no br.pingcap.com/v1alpha1 Backup, BackupSchedule or Restore found (only *.yaml, *.yml and *.json files are read); "
                    + "pass --allow-empty if none is expected"));
        }
        boolean useColor = switch (color) {
            case "always" -> true;
            case "never" -> false;
            default -> System.console() != null && System.getenv("NO_COLOR") == null;
        };
        progress.close(); // the progress line is gone before the report is written
        Reporters.write(report, format, useColor, header(oldLabel), summary, out);
        return report.exitCode();
    }

    /**
     * An input error before any verdict: each on stderr, exit 2. The machine formats also write a report that
     * holds only these problems and no result, so that what reads stdout gets a valid document.
     */
    private static int stop(List<String> errors, Reporters.Format format, PrintWriter out, PrintWriter err) {
        errors.forEach(e -> err.println("brguard check: " + e));
        err.flush();
        if (format != Reporters.Format.TABLE) {
            Checker.Report report = new Checker.Report(List.of(), errors.stream()
                    .map(e -> new io.brguard.policy.Manifests.Problem("brguard check", 0, 1, e)).toList(), List.of());
            Reporters.write(report, format, false, "", false, out);
        }
        return 2;
    }

    private static void missing(List<Path> given, String option, List<String> out) {
        for (Path p : given) {
            if (!java.nio.file.Files.exists(p)) {
                out.add(option + p);
            }
        }
    }

    private String header(String oldLabel) {
        List<String> parts = new ArrayList<>();
        parts.add(String.join(" ", paths.stream().map(Path::toString).toList()));
        parts.add(oldLabel == null && live.isEmpty() ? "no old versions (every Backup is a CREATE; use --base, --old or --live)"
                : "old versions from " + (oldLabel == null ? "" : oldLabel) + (live.isEmpty() ? ""
                : (oldLabel == null ? "" : " and ") + "live " + String.join(", ", live.stream().map(Path::toString).toList())));
        parts.add(objects.isEmpty() ? "Secrets not known (use --objects)" : "known objects from "
                + String.join(", ", objects.stream().map(Path::toString).toList()));
        return String.join("; ", parts);
    }
}
