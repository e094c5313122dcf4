package io.brguard.policy.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.LinkedHashMap;
import java.util.Map;

/** The TiDB Operator {@code Backup} custom resource ({@code br.pingcap.com/v1alpha1}). */
@Group(Backup.GROUP)
@Version(Backup.VERSION)
@Kind(Backup.KIND)
@Plural("backups")
@Singular("backup")
@ShortNames("bk")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public class Backup extends CustomResource<BackupSpec, BackupStatus> implements Namespaced {
    public static final String GROUP = "br.pingcap.com";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "Backup";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private final Map<String, Object> additionalProperties = new LinkedHashMap<>();

    @JsonAnyGetter
    public Map<String, Object> getAdditionalProperties() {
        return additionalProperties;
    }

    @JsonAnySetter
    public void setAdditionalProperty(String name, Object value) {
        additionalProperties.put(name, value);
    }
}
