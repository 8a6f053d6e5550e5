#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty upload
# folder (docs/operations.md). Usage:
#
#   DATABASE_URL=postgres://.../portal_restored MEDIA_ROOT=/data/uploads-restored \
#       scripts/restore.sh /backups/2026-12-02
#
# Checks the backup's SHA256SUMS first; stops at the first error.
set -euo pipefail

src=${1:?Usage: scripts/restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?Set DATABASE_URL to the empty database to restore into (postgres://...)}"
media=${MEDIA_ROOT:-${PORTAL_VAR_DIR:-$(dirname "$0")/../var}/uploads}

(cd "$src" && sha256sum --check --quiet SHA256SUMS)
pg_restore --no-owner --exit-on-error --dbname "$DATABASE_URL" "$src/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$src/uploads.tar.gz"
echo "Restored $src into the database and $media"
