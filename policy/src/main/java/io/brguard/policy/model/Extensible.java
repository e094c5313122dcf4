package io.brguard.policy.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.LinkedHashMap;
import java.util.Map;

/** Base of every model object: keeps fields this version does not know, so a read-modify-write loses nothing. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class Extensible {

    private final Map<String, Object> additionalProperties = new LinkedHashMap<>();

    @JsonAnyGetter
    public Map<String, Object> getAdditionalProperties() {
        return additionalProperties;
    }

    @JsonAnySetter
    public void setAdditionalProperty(String name, Object value) {
        additionalProperties.put(name, value);
    }

    @JsonIgnore
    public boolean hasUnknownFields() {
        return !additionalProperties.isEmpty();
    }
}
