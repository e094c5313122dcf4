package io.brguard.cli.check;

import io.brguard.policy.Manifests;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The namespaces that the Argo CD Applications and Flux Kustomizations among the checked files give the folders they
 * sync, so that a Backup without {@code metadata.namespace} is checked where it will live:
 * <ul>
 * <li>Argo CD: {@code spec.destination.namespace} is set only on namespaced objects that name no namespace
 * (argoproj/argo-cd pkg/apis/application/v1alpha1/types.go, ApplicationDestination.Namespace). A plain directory
 * source reads the files at the root of {@code spec.source.path} only, unless {@code directory.recurse: true}
 * (docs/user-guide/directory.md); a folder with a kustomization is rendered as a whole. Multi-source Applications
 * ({@code spec.sources}) give every source path the same destination.</li>
 * <li>Flux: {@code spec.targetNamespace} of a kustomize.toolkit.fluxcd.io Kustomization sets or overrides the
 * namespace of every object it applies, and a folder without a kustomization.yaml is read as the whole tree under
 * {@code spec.path} (fluxcd/kustomize-controller docs/spec/v1/kustomizations.md, "Target namespace" and
 * "Generating a kustomization.yaml file"). A Kustomization without targetNamespace gives no namespace.</li>
 * </ul>
 * Paths are relative to the root of the repository that holds the checked folder (its git top level, else the
 * current directory); {@code spec.source.repoURL} and {@code sourceRef} are not compared: brguard cannot tell which
 * clone is which. Two of them that sync one folder to different namespaces give it none (and say so).
 */
final class GitOpsTargets {

    /** What one Application or Kustomization does to the objects of the folder it syncs. */
    record Target(String folder, String namespace, boolean overrides, boolean recurse, String by) {

        /** The objects of this folder as the tool would apply them; an ambiguous folder keeps them and says so. */
        Source apply(Source s) {
            if (namespace == null) {
                return s.withNote(by);
            }
            return overrides ? Namespaces.override(s, namespace) : Namespaces.fill(s, namespace);
        }
    }

    static final GitOpsTargets NONE = new GitOpsTargets(Map.of());

    private final Map<String, Target> byFolder;

    private GitOpsTargets(Map<String, Target> byFolder) {
        this.byFolder = byFolder;
    }

    boolean isEmpty() {
        return byFolder.isEmpty();
    }

    /** The Applications and Kustomizations among these documents that give a namespace. */
    static GitOpsTargets find(List<Manifests.Document> docs) {
        Map<String, List<Target>> found = new LinkedHashMap<>();
        for (Manifests.Document d : docs) {
            String group = d.apiVersion().contains("/") ? d.apiVersion().substring(0, d.apiVersion().indexOf('/')) : "";
            if (d.kind().equals("Application") && group.equals("argoproj.io")) {
                JsonNode spec = d.tree().path("spec");
                String ns = spec.path("destination").path("namespace").asString("");
                if (ns.isEmpty()) {
                    continue;
                }
                List<JsonNode> sources = new ArrayList<>();
                if (spec.path("source").isObject()) {
                    sources.add(spec.path("source"));
                }
                spec.path("sources").forEach(sources::add);
                for (JsonNode src : sources) {
                    if (!src.path("path").isString()) {
                        continue; // a Helm chart from a chart repository: no folder here
                    }
                    String folder = folder(src.path("path").asString());
                    boolean recurse = src.path("directory").path("recurse").asBoolean(false);
                    found.computeIfAbsent(folder, f -> new ArrayList<>()).add(new Target(folder, ns, false, recurse,
                            "Argo CD Application " + d.name() + " (" + d.where() + ")"));
                }
            } else if (d.kind().equals("Kustomization") && group.equals("kustomize.toolkit.fluxcd.io")) {
                JsonNode spec = d.tree().path("spec");
                String ns = spec.path("targetNamespace").asString("");
                if (ns.isEmpty()) {
                    continue;
                }
                String folder = folder(spec.path("path").asString(""));
                found.computeIfAbsent(folder, f -> new ArrayList<>()).add(new Target(folder, ns, true, true,
                        "Flux Kustomization " + d.name() + " (" + d.where() + ")"));
            }
        }
        Map<String, Target> byFolder = new LinkedHashMap<>();
        found.forEach((folder, targets) -> {
            Target first = targets.get(0);
            boolean agree = targets.stream().allMatch(t -> t.namespace().equals(first.namespace()) && t.overrides() == first.overrides());
            if (agree) {
                byFolder.put(folder, new Target(folder, first.namespace(), first.overrides(),
                        targets.stream().anyMatch(Target::recurse), first.by()));
            } else {
                List<String> who = targets.stream().map(t -> t.by() + " to " + t.namespace()).toList();
                byFolder.put(folder, new Target(folder, null, false, true, "folder " + (folder.isEmpty() ? "." : folder)
                        + " is synced to different namespaces by " + String.join(" and ", who)
                        + ": its objects without a namespace are checked in none (pass -n)"));
            }
        });
        return new GitOpsTargets(byFolder);
    }

    /** A source path as written ({@code ./backups/test1/}) as a folder relative to the repository root. */
    static String folder(String path) {
        String p = path.replace('\\', '/');
        String normalized = Path.of(p.isEmpty() ? "." : p).normalize().toString().replace('\\', '/');
        while (normalized.startsWith("/")) {
            normalized = normalized.substring(1);
        }
        return normalized.equals(".") ? "" : normalized;
    }

    /** The target of this folder itself. */
    Optional<Target> at(Path root, Path folder) {
        return relative(root, folder).map(byFolder::get);
    }

    /**
     * The target a path given on the command line lies under: its folder's, for a file, or the nearest enclosing
     * folder's that reads its whole tree.
     */
    Optional<Target> enclosing(Path root, Path path, boolean isFile) {
        Optional<String> rel = relative(root, path);
        if (rel.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(rel.get().isEmpty() ? "." : rel.get()).getParent();
        boolean direct = isFile;
        while (true) {
            String key = p == null ? "" : p.toString().replace('\\', '/');
            Target t = byFolder.get(key);
            if (t != null && (direct || t.recurse())) {
                return Optional.of(t);
            }
            if (p == null || rel.get().isEmpty()) {
                return Optional.empty();
            }
            p = p.getParent();
            direct = false;
        }
    }

    /** git names its top level by its real path; a path given through a symbolic link is compared as that. */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static Optional<String> relative(Path root, Path path) {
        if (root == null) {
            return Optional.empty();
        }
        Path abs = real(path);
        Path r = real(root);
        if (!abs.startsWith(r)) {
            return Optional.empty();
        }
        return Optional.of(r.relativize(abs).toString().replace('\\', '/'));
    }
}
