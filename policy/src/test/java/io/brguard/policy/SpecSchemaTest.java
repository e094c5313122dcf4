package io.brguard.policy;

import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecSchemaTest {

    static List<String> seedExamples() {
        return Fixtures.yamlFiles("examples/seed");
    }

    @ParameterizedTest
    @MethodSource("seedExamples")
    void acceptsEverySeedExample(String file) {
        assertEquals(List.of(), SpecSchema.validate(Fixtures.object(file).get("spec")));
    }

    @Test
    void reportsEveryErrorInOnePassEachWithItsFieldPath() {
        var spec = Fixtures.yaml("""
                backupMode: incremental
                logSubcommand: log-start/log-pause/log-stop
                logSubCommand: log-stop
                tableFilter: ["db1.*", 7]
                br: {concurrency: -1, sendCredToTikv: "yes"}
                azblob: {container: c, prefx: p}
                cleanPolicy: Never
                """);
        List<Violation> errors = SpecSchema.validate(spec);
        List<String> paths = errors.stream().map(Violation::path).sorted().toList();
        assertEquals(List.of("spec.azblob.prefx", "spec.backupMode", "spec.br.cluster", "spec.br.concurrency",
                "spec.br.sendCredToTikv", "spec.cleanPolicy", "spec.logSubCommand", "spec.logSubcommand",
                "spec.tableFilter[1]"), paths, errors.toString());
        errors.forEach(v -> assertEquals("schema.invalid", v.ruleId()));
    }

    @Test
    void namesTheAllowedValuesOfAnEnum() {
        var errors = SpecSchema.validate(Fixtures.yaml("{br: {cluster: c}, cleanPolicy: Never}"));
        assertEquals(1, errors.size());
        String m = errors.get(0).message();
        assertTrue(m.startsWith("schema.invalid spec.cleanPolicy: "), m);
        assertTrue(m.contains("Retain") && m.contains("OnFailure") && m.contains("Delete"), m);
    }

    @Test
    void explainsThatAnUnknownFieldWouldBeDroppedByTheApiServer() {
        var errors = SpecSchema.validate(Fixtures.yaml("{br: {cluster: c}, logSubCommand: log-stop}"));
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).message().contains("unknown field"), errors.get(0).message());
        assertEquals("spec.logSubCommand", errors.get(0).path());
    }

    @Test
    void requiresBrAndItsCluster() {
        assertEquals(List.of("spec.br"), SpecSchema.validate(Fixtures.yaml("{azblob: {container: c}}"))
                .stream().map(Violation::path).toList());
        assertEquals(List.of("spec.br.cluster"), SpecSchema.validate(Fixtures.yaml("{br: {}}"))
                .stream().map(Violation::path).toList());
    }
}
