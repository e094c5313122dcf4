package io.brguard.policy.vap;

import io.brguard.policy.rules.FieldRules;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.brguard.policy.vap.Cel.and;
import static io.brguard.policy.vap.Cel.any;
import static io.brguard.policy.vap.Cel.opt;
import static io.brguard.policy.vap.Cel.or;
import static io.brguard.policy.vap.Cel.strings;

/**
 * A Backup spec the checks judge: a Backup's own spec, or a BackupSchedule's template (the spec of the Backups it
 * creates, judged as a new Backup). {@code spec} and {@code old} are the spec maps ({} when there is none), named
 * by the policy's variables; {@code path} is where a denial names the field ({@code spec}, {@code
 * spec.backupTemplate}); {@code name} prefixes the scope's own variables ({@code variables.backupTemplateCmd}).
 */
record Scope(String path, String spec, String old, String present, boolean backup, String name) {

    /** The Backup's own spec. */
    static final Scope BACKUP = new Scope("spec", "variables.spec", "variables.oldSpec", "true", true, "");

    /** A BackupSchedule's template. */
    static Scope template(String template) {
        String old = "old" + Character.toUpperCase(template.charAt(0)) + template.substring(1);
        return new Scope("spec." + template, "variables." + template, "variables." + old,
                "'" + template + "' in variables.spec", false, template);
    }

    private String var(String what) {
        return "variables." + (name.isEmpty() ? what : name + Character.toUpperCase(what.charAt(0)) + what.substring(1));
    }

    private String oldVar(String what) {
        String n = name.isEmpty() ? what : name + Character.toUpperCase(what.charAt(0)) + what.substring(1);
        return "variables.old" + Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    private static String bare(String variable) {
        return variable.substring("variables.".length());
    }

    /**
     * The variables every policy starts with: whether the request creates the object, the spec and the old spec as
     * maps ({} when there is none), and the request's namespace (which the API server sets on the object too).
     */
    static Map<String, String> common() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("create", "oldObject == null");
        v.put("spec", "object.?spec.orValue({})");
        v.put("oldSpec", "oldObject == null ? {} : oldObject.?spec.orValue({})");
        v.put("namespace", "request.namespace");
        return v;
    }

    /**
     * The scope's variables, in order: for a template its spec and old spec as maps; then the log command, log mode,
     * storage providers and br.options, new and old.
     */
    Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        if (!backup) {
            v.put(bare(spec), "variables.spec.?" + name + ".orValue({})");
            v.put(bare(old), "variables.oldSpec.?" + name + ".orValue({})");
        }
        v.put(bare(cmd()), command(spec));
        v.put(bare(oldCmd()), command(old));
        v.put(bare(log()), Cel.str(spec, "backupMode") + " == 'log'");
        v.put(bare(oldLog()), Cel.str(old, "backupMode") + " == 'log'");
        v.put(bare(providers()), strings(FieldRules.PROVIDERS) + ".filter(p, p in " + spec + ")");
        v.put(bare(oldProviders()), strings(FieldRules.PROVIDERS) + ".filter(p, p in " + old + ")");
        v.put(bare(options()), Cel.list(spec, "br.options"));
        v.put(bare(oldOptions()), Cel.list(old, "br.options"));
        v.put(bare(encryptionScopes()), SpecChecks.encryptionOptions(options(), FieldRules.ENCRYPTION_SCOPE));
        v.put(bare(encryptionKeys()), SpecChecks.encryptionOptions(options(), FieldRules.ENCRYPTION_KEY));
        return v;
    }

    String field(String dotted) {
        return path + "." + dotted;
    }

    String str(String dotted) {
        return Cel.str(spec, dotted);
    }

    String oldStr(String dotted) {
        return Cel.str(old, dotted);
    }

    String list(String dotted) {
        return Cel.list(spec, dotted);
    }

    String has(String dotted) {
        return Cel.has(spec, dotted);
    }

    /** Whether the spec is a log backup's. */
    String log() {
        return var("log");
    }

    String oldLog() {
        return oldVar("log");
    }

    /** The log command the spec asks for: logSubcommand, or log-stop for the deprecated logStop: true, or ''. */
    String cmd() {
        return var("cmd");
    }

    String oldCmd() {
        return oldVar("cmd");
    }

    /** The storage providers set, in the order TiDB Operator picks the first. */
    String providers() {
        return var("providers");
    }

    String oldProviders() {
        return oldVar("providers");
    }

    String options() {
        return var("options");
    }

    String oldOptions() {
        return oldVar("options");
    }

    /** The options that set an encryption scope, and those that set a customer key (FieldRules.azblobEncryption). */
    String encryptionScopes() {
        return var("encryptionScopes");
    }

    String encryptionKeys() {
        return var("encryptionKeys");
    }

    static String command(String root) {
        return "(" + Cel.str(root, "logSubcommand") + " != '' ? " + Cel.str(root, "logSubcommand") + " : ("
                + opt(root, "logStop") + ".orValue(false) == true ? 'log-stop' : ''))";
    }

    /**
     * The field is judged: the object is new, or the update changes the field's value. brguard ratchets a field
     * rule's finding on a field an update leaves alone (KindPolicy.ratchet), and so does the policy, reading unset
     * and '' as one value as brguard does.
     */
    String enforced(String dotted, Kind kind) {
        String changed = switch (kind) {
            case STRING -> oldStr(dotted) + " != " + str(dotted);
            case LIST -> Cel.list(old, dotted) + " != " + list(dotted);
            case VALUE -> any(old, dotted) + " != " + any(spec, dotted);
            case COMMAND -> oldCmd() + " != " + cmd();
            case MODE -> BackupChecks.mode(old) + " != " + BackupChecks.mode(spec);
        };
        return or("variables.create", changed);
    }

    /** How a field's old and new values are compared. */
    enum Kind { STRING, LIST, VALUE, COMMAND, MODE }

    /** The guard every check of this scope starts with, and the given conditions. */
    String when(String... parts) {
        String[] all = new String[parts.length + 1];
        all[0] = present;
        System.arraycopy(parts, 0, all, 1, parts.length);
        return and(all);
    }
}
