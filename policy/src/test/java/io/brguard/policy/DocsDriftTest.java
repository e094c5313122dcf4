package io.brguard.policy;

import io.brguard.policy.state.TransitionTable;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transition table drives the README's state diagram and the table in docs/rules.md, and docs/rules.md
 * documents every rule id. Run with {@code -Dbrguard.updateDocs=true} to rewrite the generated sections.
 */
class DocsDriftTest {
    private static final boolean UPDATE = Boolean.getBoolean("brguard.updateDocs");

    @Test
    void readmeStateDiagramIsGeneratedFromTheTransitionTable() throws IOException {
        section("README.md", "transitions:mermaid", TransitionTable.mermaid());
    }

    @Test
    void rulesDocTransitionTableIsGeneratedFromTheTransitionTable() throws IOException {
        section("docs/rules.md", "transitions:table", TransitionTable.markdown());
    }

    @Test
    void rulesDocDocumentsEveryRuleIdWithWhatWhyAndFix() {
        String doc = Fixtures.read("docs/rules.md");
        Matcher m = Pattern.compile("(?m)^### `([a-z0-9.-]+)`\\n((?:(?!^### ).*\\n?)*)").matcher(doc);
        Set<String> documented = new TreeSet<>();
        while (m.find()) {
            documented.add(m.group(1));
            String body = m.group(2);
            for (String part : new String[] {"**What**", "**Why**", "**Fix**"}) {
                assertTrue(body.contains(part), m.group(1) + " lacks " + part);
            }
        }
        assertEquals(new TreeSet<>(RuleCatalog.entries().keySet()), documented,
                "docs/rules.md headings vs RuleCatalog");
    }

    private static void section(String file, String name, String generated) throws IOException {
        Path path = Fixtures.path(file);
        String text = Files.readString(path);
        String start = "<!-- " + name + ":start -->\n";
        String end = "<!-- " + name + ":end -->";
        int a = text.indexOf(start);
        int b = text.indexOf(end);
        assertTrue(a >= 0 && b > a, file + " has no " + start.trim() + " ... " + end + " section");
        String current = text.substring(a + start.length(), b);
        if (UPDATE && !current.equals(generated)) {
            Files.writeString(path, text.substring(0, a + start.length()) + generated + text.substring(b));
            return;
        }
        assertEquals(generated, current, file + " is out of date: run "
                + "mvn -pl policy test -Dtest=DocsDriftTest -Dbrguard.updateDocs=true");
    }
}
