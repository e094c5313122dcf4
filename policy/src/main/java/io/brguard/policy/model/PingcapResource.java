package io.brguard.policy.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.Objects;

/**
 * A br.pingcap.com/v1alpha1 custom resource: apiVersion, kind, metadata, spec and status, and (as every model
 * object) the fields this version does not know, kept so a read-modify-write loses nothing.
 *
 * <p>A plain {@link HasMetadata} rather than fabric8's {@code CustomResource}: that base class reads a dozen
 * annotations reflectively in its constructor, on every instance, and binding an AdmissionReview's two objects
 * spent a fifth of the policy's time there. The fabric8 client needs only the annotations on the subclasses.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public abstract class PingcapResource<S, T> extends Extensible implements HasMetadata, Namespaced {
    public static final String GROUP = "br.pingcap.com";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private String apiVersion = API_VERSION;
    private String kind;
    private ObjectMeta metadata = new ObjectMeta();
    private S spec;
    private T status;

    protected PingcapResource(String kind) {
        this.kind = kind;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @JsonProperty("spec")
    public S getSpec() {
        return spec;
    }

    public void setSpec(S spec) {
        this.spec = spec;
    }

    @JsonProperty("status")
    public T getStatus() {
        return status;
    }

    public void setStatus(T status) {
        this.status = status;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && o instanceof PingcapResource<?, ?> b
                && Objects.equals(apiVersion, b.apiVersion) && Objects.equals(kind, b.kind)
                && Objects.equals(metadata, b.metadata) && Objects.equals(spec, b.spec)
                && Objects.equals(status, b.status) && getAdditionalProperties().equals(b.getAdditionalProperties());
    }

    @Override
    public int hashCode() {
        return Objects.hash(apiVersion, kind, metadata, spec, status, getAdditionalProperties());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{apiVersion=" + apiVersion + ", metadata=" + metadata + ", spec=" + spec
                + ", status=" + status + "}";
    }
}
