# The backup service of compose.yaml: PostgreSQL's client tools (same major version as the server)
# with MinIO's `mc` to mirror the file bucket, and rsync for the folder store. deploy/backup.sh runs in it.
FROM minio/mc:latest AS mc
FROM postgres:15
COPY --from=mc /usr/bin/mc /usr/bin/mc
RUN apt-get update && apt-get install -y --no-install-recommends rsync && rm -rf /var/lib/apt/lists/*
