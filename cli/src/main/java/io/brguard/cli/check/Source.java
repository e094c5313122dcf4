package io.brguard.cli.check;

import io.brguard.policy.Manifests;

import java.util.ArrayList;
import java.util.List;

/** Everything read from the command line's paths (or a git ref): objects, and problems that stop a clean check. */
public record Source(List<Manifests.Document> documents, List<Manifests.Problem> problems) {

    public Source {
        documents = List.copyOf(documents);
        problems = List.copyOf(problems);
    }

    public static Source empty() {
        return new Source(List.of(), List.of());
    }

    public static Source of(Manifests.Parsed parsed) {
        return new Source(parsed.documents(), parsed.problems());
    }

    /** Collects many sources without copying the lists at every step (a tree may hold thousands of files). */
    public static final class Builder {
        private final List<Manifests.Document> documents = new ArrayList<>();
        private final List<Manifests.Problem> problems = new ArrayList<>();

        public Builder add(Source s) {
            documents.addAll(s.documents);
            problems.addAll(s.problems);
            return this;
        }

        public Source build() {
            return new Source(documents, problems);
        }
    }

    public static Source problem(String where, String message) {
        return new Source(List.of(), List.of(new Manifests.Problem(where, 0, 1, message)));
    }
}
