#!/usr/bin/env bash
# Back up the portal: its PostgreSQL database and its uploaded files, together
# (docs/operations.md). Usage:
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/data/uploads scripts/backup.sh /backups/2026-12-02
#
# Writes database.dump (pg_dump's custom format: every table, sequence — the ticket numbers
# of each year — trigger and index), uploads.tar.gz (every stored file) and SHA256SUMS. The
# database is dumped first, then the files: a file stored after the dump is only an extra
# file on restore, never a row without its file (files are added far more than removed).
set -euo pipefail

dest=${1:?Usage: scripts/backup.sh DESTINATION_FOLDER}
: "${DATABASE_URL:?Set DATABASE_URL to the PostgreSQL database of the portal (postgres://...)}"
media=${MEDIA_ROOT:-${PORTAL_VAR_DIR:-$(dirname "$0")/../var}/uploads}

mkdir -p "$dest"
pg_dump --format=custom --no-owner --file "$dest/database.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$dest/uploads.tar.gz" .
else
  tar -czf "$dest/uploads.tar.gz" --files-from /dev/null
fi
(cd "$dest" && sha256sum database.dump uploads.tar.gz > SHA256SUMS)
date -u +"%Y-%m-%dT%H:%M:%SZ" > "$dest/TAKEN_AT"
echo "Backup written to $dest"
