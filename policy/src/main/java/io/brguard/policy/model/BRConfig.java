package io.brguard.policy.model;

import java.util.List;

/** {@code spec.br}: where the TiDB cluster is and the BR flags to pass. */
public class BRConfig extends Extensible {
    private String cluster;
    private String clusterNamespace;
    private String db;
    private String table;
    private String logLevel;
    private String statusAddr;
    private Long concurrency;
    private Long rateLimit;
    private String timeAgo;
    private Boolean checksum;
    private Boolean checkRequirements;
    private Boolean sendCredToTikv;
    private Boolean onLine;
    private List<String> options;

    public String getCluster() { return cluster; }
    public void setCluster(String v) { cluster = v; }
    public String getClusterNamespace() { return clusterNamespace; }
    public void setClusterNamespace(String v) { clusterNamespace = v; }
    public String getDb() { return db; }
    public void setDb(String v) { db = v; }
    public String getTable() { return table; }
    public void setTable(String v) { table = v; }
    public String getLogLevel() { return logLevel; }
    public void setLogLevel(String v) { logLevel = v; }
    public String getStatusAddr() { return statusAddr; }
    public void setStatusAddr(String v) { statusAddr = v; }
    public Long getConcurrency() { return concurrency; }
    public void setConcurrency(Long v) { concurrency = v; }
    public Long getRateLimit() { return rateLimit; }
    public void setRateLimit(Long v) { rateLimit = v; }
    public String getTimeAgo() { return timeAgo; }
    public void setTimeAgo(String v) { timeAgo = v; }
    public Boolean getChecksum() { return checksum; }
    public void setChecksum(Boolean v) { checksum = v; }
    public Boolean getCheckRequirements() { return checkRequirements; }
    public void setCheckRequirements(Boolean v) { checkRequirements = v; }
    public Boolean getSendCredToTikv() { return sendCredToTikv; }
    public void setSendCredToTikv(Boolean v) { sendCredToTikv = v; }
    public Boolean getOnLine() { return onLine; }
    public void setOnLine(Boolean v) { onLine = v; }
    public List<String> getOptions() { return options; }
    public void setOptions(List<String> v) { options = v; }
}
