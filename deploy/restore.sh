#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and blob folder, then check the audit
# chain. Stop the web and worker processes first (or point them at the restored database after).
#   deploy/restore.sh /backups/20261128T183000Z postgres://…/vanthu_restored /var/lib/vanthu/blobs-restored
set -euo pipefail
src="${1:?backup folder}"; target_db="${2:?target DATABASE_URL}"; target_blobs="${3:?target blob folder}"
(cd "$src" && sha256sum --check SHA256SUMS)
pg_restore --no-owner --exit-on-error --dbname "$target_db" "$src/vanthu.dump"
mkdir -p "$target_blobs"
cp -a "$src/blobs/." "$target_blobs/"
DATABASE_URL="$target_db" npx vanthu audit verify
echo "restored $src into $target_db and $target_blobs"
