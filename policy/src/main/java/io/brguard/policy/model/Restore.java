package io.brguard.policy.model;

import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/** The TiDB Operator {@code Restore} custom resource ({@code br.pingcap.com/v1alpha1}). */
@Group(PingcapResource.GROUP)
@Version(PingcapResource.VERSION)
@Kind(Restore.KIND)
@Plural("restores")
@Singular("restore")
@ShortNames("rt")
@JsonDeserialize(using = ValueDeserializer.None.class)
public class Restore extends PingcapResource<RestoreSpec, RestoreStatus> {
    public static final String KIND = "Restore";

    public Restore() {
        super(KIND);
    }
}
