#!/usr/bin/env bash
# Build the citizen web app (app/) into dispatch/web/app/ when its source exists.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f app/package.json ] || exit 0
command -v npm >/dev/null 2>&1 || scripts/ensure-system-packages.sh npm=npm
# Vite 8 needs Node.js 20.19+ or 22.12+ (app/package.json "engines");
# Debian 12's own nodejs package is 18.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old to build the citizen app: install Node.js 20.19+ or 22.12+ (for example the nodejs package of NodeSource or of Debian 13)" >&2
    exit 1
fi
if [ ! -d app/node_modules ] || [ app/package-lock.json -nt app/node_modules ]; then
    (cd app && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd app && npm run --silent build)
