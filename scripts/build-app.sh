#!/usr/bin/env bash
# Build the citizen web app (app/) into dispatch/web/app/ when its source exists.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f app/package.json ] || exit 0
command -v npm >/dev/null 2>&1 || scripts/ensure-system-packages.sh npm=npm
if [ ! -d app/node_modules ] || [ app/package-lock.json -nt app/node_modules ]; then
    (cd app && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd app && npm run --silent build)
