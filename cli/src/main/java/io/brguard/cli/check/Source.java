package io.brguard.cli.check;

import io.brguard.policy.Manifests;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything read from the command line's paths (or a git ref): objects, problems that stop a clean check, and
 * notes that qualify the result without stopping it (a folder whose namespace is ambiguous, a rendered object that
 * could not be traced to its file).
 */
public record Source(List<Manifests.Document> documents, List<Manifests.Problem> problems, List<String> notes) {

    public Source {
        documents = List.copyOf(documents);
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
    }

    public Source(List<Manifests.Document> documents, List<Manifests.Problem> problems) {
        this(documents, problems, List.of());
    }

    public static Source empty() {
        return new Source(List.of(), List.of());
    }

    public static Source of(Manifests.Parsed parsed) {
        return new Source(parsed.documents(), parsed.problems());
    }

    /** The same objects with other documents (a namespace filled in), problems and notes kept. */
    public Source withDocuments(List<Manifests.Document> docs) {
        return new Source(docs, problems, notes);
    }

    /** The same source with one more note. */
    public Source withNote(String note) {
        List<String> all = new ArrayList<>(notes);
        all.add(note);
        return new Source(documents, problems, all);
    }

    /** Collects many sources without copying the lists at every step (a tree may hold thousands of files). */
    public static final class Builder {
        private final List<Manifests.Document> documents = new ArrayList<>();
        private final List<Manifests.Problem> problems = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        public Builder add(Source s) {
            documents.addAll(s.documents);
            problems.addAll(s.problems);
            s.notes.stream().filter(n -> !notes.contains(n)).forEach(notes::add);
            return this;
        }

        public Source build() {
            return new Source(documents, problems, notes);
        }
    }

    public static Source problem(String where, String message) {
        return new Source(List.of(), List.of(new Manifests.Problem(where, 0, 1, message)));
    }
}
