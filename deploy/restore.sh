#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and file store, then check the audit
# chain. Stop the web and worker processes first (or point them at the restored database after).
#   deploy/restore.sh /backups/20261128T183000Z postgres://…/vanthu_restored /var/lib/vanthu/blobs-restored
# With MinIO/S3 (as in compose.yaml): set S3_ALIAS (an `mc` alias) and S3_BUCKET instead of the third
# argument: the files are mirrored back into S3_ALIAS/S3_BUCKET.
# Objects are content-addressed (their name is their SHA-256): mirroring never overwrites a different file.
set -euo pipefail
src="${1:?backup folder}"; target_db="${2:?target DATABASE_URL}"
(cd "$src" && sha256sum --check SHA256SUMS)
pg_restore --no-owner --exit-on-error --dbname "$target_db" "$src/vanthu.dump"
if [ -n "${S3_ALIAS:-}" ]; then
  target_blobs="$S3_ALIAS/${S3_BUCKET:?}"
  mc mirror "$src/blobs" "$target_blobs"
else
  target_blobs="${3:?target blob folder}"
  mkdir -p "$target_blobs"
  cp -a "$src/blobs/." "$target_blobs/"
fi
DATABASE_URL="$target_db" npx vanthu audit verify
echo "restored $src into $target_db and $target_blobs"
