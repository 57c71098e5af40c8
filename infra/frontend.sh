#!/usr/bin/env bash
# Builds every browser bundle: each `api/*/frontend/` folder with a package.json is an npm project
# whose `npm run build` writes into its sibling `static/dist/` (ignored by git) for FastAPI to serve.
# Idempotent: `npm ci` only when the lock changed, a build only when a source is newer than its stamp.
set -euo pipefail
cd "$(dirname "$0")/.."
# bpmn/lint's packages first: the modeler bundle compiles its lint config from them, and the API's
# deploy check runs them (api/modeler/lint.js), so `make run` needs them as much as `make test`.
if [ ! -f bpmn/lint/node_modules/.package-lock.json ] || [ bpmn/lint/package-lock.json -nt bpmn/lint/node_modules/.package-lock.json ]; then
  echo "frontend: npm ci in bpmn/lint"
  (cd bpmn/lint && npm ci --no-audit --no-fund --loglevel=error)
fi
shopt -s nullglob
for project in api/*/frontend; do
  [ -f "$project/package.json" ] || continue
  (
    cd "$project"
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      echo "frontend: npm ci in $project"
      npm ci --no-audit --no-fund --loglevel=error
    fi
    stamp=../static/dist/.built
    newer=$(find . -path ./node_modules -prune -o -type f -newer "$stamp" -print 2>/dev/null | head -1 || true)
    if [ ! -f "$stamp" ] || [ -n "$newer" ]; then
      echo "frontend: building $project"
      mkdir -p ../static/dist
      npm run --silent build
      touch "$stamp"
    fi
  )
done
