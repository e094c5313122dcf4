package io.brguard.policy;

import io.brguard.policy.restore.RestorePolicy;
import io.brguard.policy.schedule.SchedulePolicy;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * The one table of kinds brguard judges, each with its schema, defaulting and rule families. The webhook registers
 * exactly these kinds, {@code brguard check} reads exactly these, and a new kind joins here.
 */
public final class Kinds {
    public static final BackupPolicy BACKUP = new BackupPolicy();
    public static final SchedulePolicy BACKUP_SCHEDULE = new SchedulePolicy();
    public static final RestorePolicy RESTORE = new RestorePolicy();

    /** Every kind, in the order they are listed in docs and webhook rules. */
    public static final List<KindPolicy<?>> ALL = List.of(BACKUP, BACKUP_SCHEDULE, RESTORE);

    private Kinds() {
    }

    /** The kind of that name (br.pingcap.com/v1alpha1), if brguard judges it. */
    public static Optional<KindPolicy<?>> named(String kind) {
        for (KindPolicy<?> k : ALL) {
            if (k.kind().equals(kind)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The kind an object tree says it is; a tree without {@code kind} is judged as a Backup. */
    public static Optional<KindPolicy<?>> of(JsonNode object) {
        JsonNode kind = object == null ? null : object.get("kind");
        if (kind == null || kind.isNull()) {
            return Optional.of(BACKUP);
        }
        return kind.isString() ? named(kind.asString()) : Optional.empty();
    }

    /** The plural resource names, e.g. for webhook rules. */
    public static List<String> plurals() {
        return ALL.stream().map(KindPolicy::plural).toList();
    }
}
