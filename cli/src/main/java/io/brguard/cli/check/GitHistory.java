package io.brguard.cli.check;

import io.brguard.policy.Manifests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The same paths as they were at a git ref. The ref's tree for those paths is extracted with {@code git archive}
 * into a temporary folder and read by {@link Inputs}, so kustomizations are followed exactly as in the working
 * tree. Sources are named {@code <ref>:<path in repo>}. The temporary folder is removed afterwards.
 */
public final class GitHistory {

    private GitHistory() {
    }

    /**
     * Why the paths cannot be read at the ref, or empty when they can: not in a git repository, a ref the clone does
     * not have, a path outside the repository. Cheap (two git calls), so it runs before anything is read or decided.
     */
    static java.util.Optional<String> verify(String ref, List<Path> paths) {
        if (paths.isEmpty()) {
            return java.util.Optional.empty();
        }
        Path first = paths.get(0).toAbsolutePath().normalize();
        Path start = Files.isDirectory(first) ? first : first.getParent();
        Run top = git(start, "rev-parse", "--show-toplevel");
        if (top.code != 0) {
            return java.util.Optional.of(first + ": --base needs a git repository: " + firstLine(top.err));
        }
        Path root = Path.of(top.out.strip());
        Run verify = git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        if (verify.code != 0) {
            return java.util.Optional.of("--base " + ref + ": unknown git ref " + ref + " in " + root
                    + " (a shallow clone may lack it: fetch it, e.g. git fetch origin main)");
        }
        for (Path p : paths) {
            if (!p.toAbsolutePath().normalize().startsWith(root)) {
                return java.util.Optional.of(p + ": is outside the git repository " + root + " that --base reads");
            }
        }
        return java.util.Optional.empty();
    }

    /** The GitOps targets' folders are taken relative to the repository's root at the ref. */
    static Source read(String ref, List<Path> paths, boolean render, GitOpsTargets targets) {
        if (paths.isEmpty()) {
            return Source.empty();
        }
        java.util.Optional<String> wrong = verify(ref, paths);
        if (wrong.isPresent()) {
            return Source.problem("--base " + ref, wrong.get());
        }
        Path first = paths.get(0).toAbsolutePath().normalize();
        Path start = Files.isDirectory(first) ? first : first.getParent();
        Path root = Path.of(git(start, "rev-parse", "--show-toplevel").out.strip());
        List<String> rels = new ArrayList<>();
        for (Path p : paths) {
            rels.add(root.relativize(p.toAbsolutePath().normalize()).toString().replace('\\', '/'));
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("brguard-base-");
            List<String> present = new ArrayList<>();
            for (String rel : rels) {
                // A path that did not exist at the ref simply has no old objects (every Backup in it is a CREATE).
                if (rel.isEmpty() || git(root, "cat-file", "-e", ref + ":" + rel).code == 0) {
                    present.add(rel.isEmpty() ? "." : rel);
                }
            }
            if (present.isEmpty()) {
                return Source.empty();
            }
            List<String> archive = new ArrayList<>(List.of("git", "-C", root.toString(), "archive", "--format=tar", ref, "--"));
            archive.addAll(present);
            List<Process> pipe = ProcessBuilder.startPipeline(List.of(
                    new ProcessBuilder(archive).redirectError(ProcessBuilder.Redirect.DISCARD),
                    new ProcessBuilder("tar", "-x", "-C", tmp.toString()).redirectError(ProcessBuilder.Redirect.DISCARD)));
            for (Process proc : pipe) {
                proc.getOutputStream().close();
                if (!proc.waitFor(120, TimeUnit.SECONDS) || proc.exitValue() != 0) {
                    return Source.problem("--base " + ref, "git archive of " + String.join(" ", present) + " failed");
                }
            }
            List<Path> extracted = new ArrayList<>();
            for (String rel : present) {
                extracted.add(tmp.resolve(rel));
            }
            Path extractedRoot = tmp;
            return rename(new Inputs(render, targets, p -> extractedRoot).read(extracted), tmp.toString(), ref + ":");
        } catch (IOException e) {
            return Source.problem("--base " + ref, "cannot read the ref: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Source.problem("--base " + ref, "interrupted");
        } finally {
            delete(tmp);
        }
    }

    /** The top level of the git work tree holding this path, or the current directory outside git. */
    static Path repositoryRoot(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path dir = java.nio.file.Files.isDirectory(abs) ? abs : abs.getParent();
        Run top = dir == null ? new Run(1, "", "") : git(dir, "rev-parse", "--show-toplevel");
        return top.code == 0 && !top.out.isBlank() ? Path.of(top.out.strip()) : Path.of("").toAbsolutePath();
    }

    private static Source rename(Source s, String prefix, String replacement) {
        List<Manifests.Document> docs = s.documents().stream()
                .map(d -> d.renamed(name -> rename(name, prefix, replacement))).toList();
        List<Manifests.Problem> problems = s.problems().stream().map(p -> new Manifests.Problem(
                rename(p.source(), prefix, replacement), p.index(), p.line(), p.message())).toList();
        return new Source(docs, problems, s.notes().stream().map(n -> n.replace(prefix + "/", replacement)).toList());
    }

    private static String rename(String source, String prefix, String replacement) {
        if (!source.startsWith(prefix)) {
            return source;
        }
        String rest = source.substring(prefix.length());
        return replacement + (rest.startsWith("/") ? rest.substring(1) : rest);
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp folder is harmless
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    private static Run git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(60, TimeUnit.SECONDS);
            return new Run(p.exitValue(), out, err);
        } catch (IOException e) {
            return new Run(127, "", "git is not available: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(130, "", "interrupted");
        }
    }
}
