#!/usr/bin/env bash
# Writes N Backup manifests (default 1000) into DIR, one per file, and the Secrets they need (for --objects).
# distinct (default): a GitOps tree of N/4 namespaces, each with one TiDB cluster, one log backup and three
# snapshot backups in their own prefixes. one: the same Backups all in one namespace for one cluster, as
# BackupSchedules leave them, so every log backup after the first meets the one-log-per-cluster rule.
set -euo pipefail
dir=${1:?usage: generate.sh DIR [N] [distinct|one]}
n=${2:-1000}
clusters=${3:-distinct}
mkdir -p "$dir/backups" "$dir/objects"
awk -v n="$n" -v dir="$dir" -v clusters="$clusters" 'BEGIN {
  for (i = 0; i < n; i++) {
    g = clusters == "one" ? 0 : int(i / 4)
    ns = "team-" g
    f = dir "/backups/b" i ".yaml"
    if (i % 4 == 0) {
      printf "apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nmetadata:\n  name: log-%d\n  namespace: %s\n", i, ns > f
      printf "spec:\n  backupMode: log\n  logSubcommand: log-start\n  tableFilter: [\"db%d.*\", \"!db%d.tmp_*\"]\n", i, i > f
      printf "  br:\n    cluster: tidb-%d\n    sendCredToTikv: true\n", g > f
      printf "  azblob:\n    secretName: azblob-secret\n    container: backups\n    prefix: %s/log-%d\n", ns, i > f
      if (!(ns in secrets)) {
        secrets[ns] = 1
        s = dir "/objects/" ns ".yaml"
        printf "apiVersion: v1\nkind: Secret\nmetadata: {name: azblob-secret, namespace: %s}\n", ns > s
        printf "stringData: {AZURE_STORAGE_ACCOUNT: acct, AZURE_STORAGE_KEY: placeholder}\n" > s
        close(s)
      }
    } else {
      printf "apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nmetadata:\n  name: full-%d\n  namespace: %s\n", i, ns > f
      printf "spec:\n  backupType: full\n  br:\n    cluster: tidb-%d\n    options: [\"--lastbackupts=436979621972148225\"]\n", g > f
      printf "  azblob:\n    secretName: azblob-secret\n    container: backups\n    prefix: %s/full-%d\n    accessTier: Cool\n", ns, i > f
    }
    close(f)
  }
}'
echo "wrote $n Backups ($clusters clusters) to $dir/backups and their Secrets to $dir/objects"
