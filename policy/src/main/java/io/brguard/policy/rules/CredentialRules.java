package io.brguard.policy.rules;

import io.brguard.policy.Context;
import io.brguard.policy.Findings;
import io.brguard.policy.Lookup;
import io.brguard.policy.SecretKeys;
import io.brguard.policy.Specs;
import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.BackupSpec;

import java.util.List;

/**
 * Azure credentials, following TiDB Operator's GenerateStorageCertEnv: the Secret lives in the Backup's namespace;
 * the account comes from spec.azblob.storageAccount or the Secret; then a SAS token, all three AAD keys, or a
 * shared key. Only key names are looked at, never values.
 */
public final class CredentialRules implements RuleFamily<Context> {
    public static final String ACCOUNT = "AZURE_STORAGE_ACCOUNT";
    public static final String KEY = "AZURE_STORAGE_KEY";
    public static final List<String> AAD = List.of("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID");
    public static final String NO_CREDENTIALS = "secret.no-credentials";
    public static final String NO_CREDENTIALS_PROBLEM = "no Secret and no storageAccount with sasToken";
    public static final String NO_CREDENTIALS_FIX = "set secretName to a Secret with " + ACCOUNT + " and " + KEY;

    @Override
    public void check(Context ctx, Findings out) {
        BackupSpec spec = ctx.spec();
        AzblobStorageProvider az = spec.getAzblob();
        if (az == null) {
            return;
        }
        boolean sas = !Specs.isBlank(az.getSasToken());
        boolean specAccount = !Specs.isBlank(az.getStorageAccount());
        if (sas) {
            out.warn("warn.sas-token", "spec.azblob.sasToken", "stored in plain text in the CR and in backup-manager logs");
        }
        String secretName = az.getSecretName();
        if (Specs.isBlank(secretName)) {
            // Without a Secret TiDB Operator dereferences a nil Secret unless the account and a SAS token are in the spec.
            if (!(specAccount && sas)) {
                out.deny(NO_CREDENTIALS, "spec.azblob.secretName", NO_CREDENTIALS_PROBLEM, null, NO_CREDENTIALS_FIX);
            }
            return;
        }
        Lookup<SecretKeys> found = ctx.lookups().secret(ctx.namespace(), secretName);
        if (found instanceof Lookup.Missing<SecretKeys>) {
            out.deny("secret.missing", "spec.azblob.secretName", "Secret not found in namespace " + ctx.namespace(),
                    secretName, "create it first (kubectl create secret generic " + secretName + " ...)");
            return;
        }
        if (found instanceof Lookup.Unknown<SecretKeys> u) {
            out.unchecked("secret.missing", "spec.azblob.secretName", u.reason());
            return;
        }
        SecretKeys secret = ((Lookup.Found<SecretKeys>) found).value();
        if (!specAccount && !secret.has(ACCOUNT)) {
            out.deny("secret.keys", "spec.azblob.secretName", "Secret has no " + ACCOUNT + " key", secretName,
                    "add " + ACCOUNT + " to the Secret or set spec.azblob.storageAccount");
        }
        if (sas) {
            return;
        }
        List<String> aadMissing = AAD.stream().filter(k -> !secret.has(k)).toList();
        boolean aadComplete = aadMissing.isEmpty();
        boolean aadPartial = !aadComplete && aadMissing.size() < AAD.size();
        if (aadComplete) {
            out.warn("warn.aad-tikv", "spec.azblob.secretName", "AAD: put it in the TiKVGroup's overlay envFrom too; BR sends TiKV only the account");
        } else if (secret.has(KEY)) {
            if (aadPartial) {
                out.warn("warn.aad-incomplete", "spec.azblob.secretName", "AAD keys incomplete (no " + aadMissing.get(0) + "); the shared key is used");
            }
            Boolean send = spec.getBr() == null ? null : spec.getBr().getSendCredToTikv();
            if (Boolean.FALSE.equals(send)) {
                out.warn("warn.send-cred-off", "spec.br.sendCredToTikv", "false: TiKV needs AZURE_STORAGE_KEY in its own env");
            }
        } else if (aadPartial) {
            out.deny("secret.keys", "spec.azblob.secretName", "Secret has only part of the AAD keys, missing "
                    + String.join(", ", aadMissing), secretName, "add the missing keys, or add " + KEY);
        } else {
            out.deny("secret.keys", "spec.azblob.secretName", "Secret has neither " + KEY + " nor the AAD keys "
                    + String.join("/", AAD), secretName, "add " + KEY + ", or all three AAD keys");
        }
    }
}
