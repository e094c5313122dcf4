#!/usr/bin/env bash
# Writes N Backup manifests (default 1000) into DIR: a realistic GitOps tree of 250 namespaces, each with one
# log backup and three snapshot backups in their own prefixes, plus the Secrets they need (for --objects).
set -euo pipefail
dir=${1:?usage: generate.sh DIR [N]}
n=${2:-1000}
mkdir -p "$dir/backups" "$dir/objects"
for ((i = 0; i < n; i++)); do
  ns="team-$((i / 4))"
  if ((i % 4 == 0)); then
    cat > "$dir/backups/b$i.yaml" <<YAML
apiVersion: br.pingcap.com/v1alpha1
kind: Backup
metadata:
  name: log-$i
  namespace: $ns
spec:
  backupMode: log
  logSubcommand: log-start
  tableFilter: ["db$i.*", "!db$i.tmp_*"]
  br:
    cluster: tidb-$((i / 4))
    sendCredToTikv: true
  azblob:
    secretName: azblob-secret
    container: backups
    prefix: $ns/log
YAML
    cat > "$dir/objects/$ns.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata: {name: azblob-secret, namespace: $ns}
stringData: {AZURE_STORAGE_ACCOUNT: acct, AZURE_STORAGE_KEY: placeholder}
YAML
  else
    cat > "$dir/backups/b$i.yaml" <<YAML
apiVersion: br.pingcap.com/v1alpha1
kind: Backup
metadata:
  name: full-$i
  namespace: $ns
spec:
  backupType: full
  br:
    cluster: tidb-$((i / 4))
    options: ["--lastbackupts=436979621972148225"]
  azblob:
    secretName: azblob-secret
    container: backups
    prefix: $ns/full-$i
    accessTier: Cool
YAML
  fi
done
echo "wrote $n Backups to $dir/backups and their Secrets to $dir/objects"
