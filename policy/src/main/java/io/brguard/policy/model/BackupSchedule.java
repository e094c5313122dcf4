package io.brguard.policy.model;

import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/** The TiDB Operator {@code BackupSchedule} custom resource ({@code br.pingcap.com/v1alpha1}). */
@Group(PingcapResource.GROUP)
@Version(PingcapResource.VERSION)
@Kind(BackupSchedule.KIND)
@Plural("backupschedules")
@Singular("backupschedule")
@ShortNames("bks")
@JsonDeserialize(using = ValueDeserializer.None.class)
public class BackupSchedule extends PingcapResource<BackupScheduleSpec, BackupScheduleStatus> {
    public static final String KIND = "BackupSchedule";

    public BackupSchedule() {
        super(KIND);
    }
}
