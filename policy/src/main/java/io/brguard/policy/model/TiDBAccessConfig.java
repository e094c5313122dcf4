package io.brguard.policy.model;

/** {@code spec.from} (v1 only): TiDB access for old BR/Dumpling GC handling. */
public class TiDBAccessConfig extends Extensible {
    private String host;
    private Integer port;
    private String user;
    private String secretName;
    private String tlsClientSecretName;

    public String getHost() { return host; }
    public void setHost(String v) { host = v; }
    public Integer getPort() { return port; }
    public void setPort(Integer v) { port = v; }
    public String getUser() { return user; }
    public void setUser(String v) { user = v; }
    public String getSecretName() { return secretName; }
    public void setSecretName(String v) { secretName = v; }
    public String getTlsClientSecretName() { return tlsClientSecretName; }
    public void setTlsClientSecretName(String v) { tlsClientSecretName = v; }
}
