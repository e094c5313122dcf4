package io.brguard.policy.model;

/** {@code spec.azblob}: the Azure Blob Storage location and how to authenticate to it. */
public class AzblobStorageProvider extends Extensible {
    private String container;
    private String prefix;
    private String path;
    private String accessTier;
    private String secretName;
    private String storageAccount;
    private String sasToken;

    public String getContainer() { return container; }
    public void setContainer(String v) { container = v; }
    public String getPrefix() { return prefix; }
    public void setPrefix(String v) { prefix = v; }
    public String getPath() { return path; }
    public void setPath(String v) { path = v; }
    public String getAccessTier() { return accessTier; }
    public void setAccessTier(String v) { accessTier = v; }
    public String getSecretName() { return secretName; }
    public void setSecretName(String v) { secretName = v; }
    public String getStorageAccount() { return storageAccount; }
    public void setStorageAccount(String v) { storageAccount = v; }
    public String getSasToken() { return sasToken; }
    public void setSasToken(String v) { sasToken = v; }
}
