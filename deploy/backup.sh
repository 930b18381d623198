#!/usr/bin/env bash
# Nightly backup (docs/DEPLOYMENT.md "Backups"): a pg_dump in custom format of the whole database and
# a copy of the blob store, named by UTC time; old backups are pruned after KEEP_DAYS. The dump is
# taken first: every blob a dumped row names was written before its row committed (file.service.ts),
# so copying the blobs afterwards always includes them. test/faults/backup-restore.test.ts does the
# same steps and checks the restore.
#   DATABASE_URL=postgres://… BLOB_DIR=/var/lib/vanthu/blobs BACKUP_DIR=/backups deploy/backup.sh
# With MinIO/S3 instead of BLOB_DIR: set S3_ALIAS (an `mc` alias) and S3_BUCKET; the bucket is mirrored.
set -euo pipefail
: "${DATABASE_URL:?}" "${BACKUP_DIR:?}"
KEEP_DAYS="${KEEP_DAYS:-35}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dir="$BACKUP_DIR/$stamp"
mkdir -p "$dir"
pg_dump --format=custom --no-owner --compress=6 --file "$dir/vanthu.dump" "$DATABASE_URL"
pg_restore --list "$dir/vanthu.dump" > /dev/null            # the archive is readable
if [ -n "${S3_ALIAS:-}" ]; then
  mc mirror --overwrite "$S3_ALIAS/${S3_BUCKET:?}" "$dir/blobs"
else
  # Content-addressed files never change: hard links to the previous backup cost no space.
  prev="$(ls -1d "$BACKUP_DIR"/*/ 2>/dev/null | grep -v "$stamp" | tail -1 || true)"
  if [ -n "$prev" ] && [ -d "$prev/blobs" ]; then
    rsync -a --link-dest="$prev/blobs" "${BLOB_DIR:?}/" "$dir/blobs/"
  else
    cp -a "${BLOB_DIR:?}/." "$dir/blobs/"
  fi
fi
sha256sum "$dir/vanthu.dump" > "$dir/SHA256SUMS"
echo "backup $stamp: $(du -sh "$dir" | cut -f1)"
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +
