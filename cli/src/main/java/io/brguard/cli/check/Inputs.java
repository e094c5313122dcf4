package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads the files and folders given to {@code brguard check}. A folder is read recursively (*.yaml, *.yml,
 * *.json), except that a folder holding a kustomization is read the way kustomize reads it: only the entries of its
 * {@code resources:} list, so strategic-merge patch files are not mistaken for whole objects. With
 * {@code render}, such a folder is rendered by {@code kubectl kustomize} instead, so patches are applied.
 */
public final class Inputs {
    private static final List<String> KUSTOMIZATION = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

    private final boolean render;
    private final GitOpsTargets targets;
    private final Function<Path, Path> rootOf;
    private final Set<Path> visited = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private java.io.InputStream stdin = System.in;
    private java.util.concurrent.atomic.AtomicLong filesRead = new java.util.concurrent.atomic.AtomicLong();

    /** The path {@code -} stands for standard input, as for kubectl apply -f -. */
    static final String STDIN = "-";

    /** How documents read from standard input are named in messages. */
    static final String STDIN_NAME = "(stdin)";

    public Inputs(boolean render) {
        this(render, GitOpsTargets.NONE, p -> null);
    }

    /**
     * @param targets the folders Argo CD Applications or Flux Kustomizations sync, with the namespace they give
     * @param rootOf  the repository root a path given to {@link #read(List)} lies in, which those folders are relative to
     */
    Inputs(boolean render, GitOpsTargets targets, Function<Path, Path> rootOf) {
        this.render = render;
        this.targets = targets;
        this.rootOf = rootOf;
    }

    /** Counts the files read (and folders rendered) on this counter, for a progress line. */
    Inputs counting(java.util.concurrent.atomic.AtomicLong files) {
        this.filesRead = files;
        return this;
    }

    /** Reads {@code -} from this stream instead of System.in. */
    Inputs withStdin(java.io.InputStream in) {
        this.stdin = in;
        return this;
    }

    public Source read(List<Path> paths) {
        Source.Builder out = new Source.Builder();
        boolean stdinRead = false;
        for (Path p : paths) {
            if (p.toString().equals(STDIN)) {
                if (!stdinRead) {
                    out.add(stdin());
                    stdinRead = true;
                }
                continue;
            }
            Path root = targets.isEmpty() ? null : rootOf.apply(p);
            GitOpsTargets.Target around = root == null ? null
                    : targets.enclosing(root, p, Files.isRegularFile(p)).orElse(null);
            out.add(read(p, root, around));
        }
        return out.build();
    }

    /**
     * One path; {@code inherited} is the GitOps target of the folder this path is read through, if that target
     * covers it (Flux reads a whole tree, Argo CD's plain directory only its top files unless recurse is set).
     */
    private Source read(Path p, Path root, GitOpsTargets.Target inherited) {
        Path real = p.toAbsolutePath().normalize();
        if (!visited.add(real)) {
            return Source.empty();
        }
        if (!Files.exists(p)) {
            return Source.problem(p.toString(), "no such file or folder");
        }
        if (Files.isRegularFile(p)) {
            filesRead.incrementAndGet();
            Source s = file(p);
            return inherited == null ? s : inherited.apply(s);
        }
        GitOpsTargets.Target own = root == null ? null : targets.at(root, p).orElse(null);
        GitOpsTargets.Target target = own != null ? own : inherited;
        Path kustomization = kustomization(p);
        if (kustomization != null) {
            // Everything a kustomization renders belongs to the folder's target, after its own namespace: field.
            if (render) {
                filesRead.incrementAndGet();
            }
            Source s = render ? rendered(p) : kustomize(p, kustomization, root);
            return target == null ? s : target.apply(s);
        }
        GitOpsTargets.Target below = target != null && target.recurse() ? target : null;
        try (Stream<Path> s = Files.list(p)) {
            Source.Builder out = new Source.Builder();
            // Files are parsed in parallel; toList() keeps them in sorted order for stable output.
            s.sorted().filter(c -> Files.isDirectory(c) ? !c.getFileName().toString().startsWith(".") : isManifest(c))
                    .toList().parallelStream().map(c -> read(c, root, Files.isDirectory(c) ? below : target))
                    .toList().forEach(out::add);
            return out.build();
        } catch (IOException e) {
            return Source.problem(p.toString(), "cannot list the folder: " + e.getMessage());
        }
    }

    /** Standard input, read to its end, as one multi-document stream. */
    private Source stdin() {
        byte[] bytes;
        try {
            bytes = stdin.readAllBytes();
        } catch (IOException e) {
            return Source.problem(STDIN_NAME, "cannot read: " + e.getMessage());
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return Source.of(Manifests.parse(STDIN_NAME, text));
        } catch (java.nio.charset.CharacterCodingException e) {
            return Source.problem(STDIN_NAME, "not UTF-8 text");
        }
    }

    /** *.yaml, *.yml and *.json, in any case (Backup.YAML is read too). */
    static boolean isManifest(Path f) {
        String n = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
    }

    private static Path kustomization(Path dir) {
        return KUSTOMIZATION.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Reads one file; {@code where} names it in messages. */
    public static Source file(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            return Source.problem(f.toString(), "not UTF-8 text");
        } catch (IOException e) {
            return Source.problem(f.toString(), "cannot read: " + e.getMessage());
        }
        return Source.of(Manifests.parse(f.toString(), text));
    }

    private Source kustomize(Path dir, Path kustomization, Path root) {
        JsonNode k;
        try {
            k = Json.YAML.readTree(Files.readString(kustomization));
        } catch (IOException | JacksonException e) {
            return Source.problem(kustomization.toString(), "not a readable kustomization: " + e.getMessage());
        }
        Source.Builder b = new Source.Builder();
        for (String key : List.of("resources", "bases", "components")) {
            for (JsonNode r : k.path(key)) {
                String entry = r.asString("");
                if (entry.contains("://") || entry.startsWith("github.com/") || entry.startsWith("git@")) {
                    b.add(Source.problem(kustomization.toString(),
                            "remote resource " + entry + " is not fetched; check it where it lives, or use --kustomize"));
                    continue;
                }
                b.add(read(dir.resolve(entry).normalize(), root, null));
            }
        }
        Source out = b.build();
        // kustomize's namespace: transformer sets the namespace of every namespaced object beneath it.
        String namespace = k.path("namespace").asString("");
        return namespace.isEmpty() ? out : Namespaces.override(out, namespace);
    }

    private static Source rendered(Path dir) {
        try {
            Process proc = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
            proc.getOutputStream().close();
            byte[] out = proc.getInputStream().readAllBytes();
            String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!proc.waitFor(120, TimeUnit.SECONDS) || proc.exitValue() != 0) {
                return Source.problem(dir.toString(), "kubectl kustomize failed: " + firstLine(err));
            }
            return KustomizeTrace.trace(dir, Manifests.parse(dir + " (kustomize)", new String(out, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Source.problem(dir.toString(), "--kustomize needs kubectl on PATH: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Source.problem(dir.toString(), "interrupted while rendering");
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
