#!/bin/sh
# The one-shot `migrate` service of docker-compose.yml: copies the repository (mounted read-only at
# /src) into the `app` volume that the API containers mount read-only at /app, installs the
# dependencies there when package-lock.json changed (platform-specific binaries such as esbuild's
# must be built for Linux, so the host's node_modules is never used), then migrates and seeds.
set -eu

SRC=${SRC:-/src}
APP=${APP:-/app}

echo "prepare: copying the source into $APP"
find "$APP" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
tar -C "$SRC" \
  --exclude=./node_modules --exclude=./.data --exclude=./.git --exclude=./.env \
  --exclude=./scripts/elasticsearch/target --exclude='*.log' \
  -cf - . | tar -C "$APP" -xf -

cd "$APP"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.package-lock.sha256 2>/dev/null || true)" != "$lock_sum" ]; then
  echo "prepare: npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.package-lock.sha256
else
  echo "prepare: dependencies up to date"
fi
# The services run as the unprivileged `node` user and only read.
chmod -R a+rX "$APP"

echo "prepare: migrating"
npx tsx scripts/migrate.ts
echo "prepare: seeding demo data"
npx tsx scripts/seed.ts
echo "prepare: done"
