#!/usr/bin/env bash
# Lints every model in bpmn/ and tests/fixtures/bpmn/, checks that every worker is used and
# runs the plugin's own tests. Runs every step even after a failure, so one run shows all
# problems; exits non-zero if any step failed. Idempotent: npm ci only when the lock changed.
set -uo pipefail
LINT_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$LINT_DIR/../.." && pwd)"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
cd "$LINT_DIR"

failed=()

# npm writes node_modules/.package-lock.json last, so its absence means an unfinished install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "bpmn lint: npm ci failed"; exit 1; }
fi

echo "=== registry.json up to date"
if [ -x "$PYTHON" ]; then
  (cd "$REPO" && "$PYTHON" -m workers.registry_export --check) || failed+=("registry")
else
  echo "no Python at $PYTHON (run make deps, or set PYTHON)"
  failed+=("registry")
fi

shopt -s nullglob
models=("$REPO"/bpmn/*.bpmn "$REPO"/tests/fixtures/bpmn/*.bpmn)
shopt -u nullglob
echo "=== bpmnlint: ${#models[@]} models"
if [ ${#models[@]} -eq 0 ]; then
  echo "no models found under bpmn/ or tests/fixtures/bpmn/"
  failed+=("bpmnlint")
else
  # From bpmn/lint: bpmnlint reads ./.bpmnlintrc and resolves plugins and moddle extensions
  # relative to the working directory.
  npx --no -- bpmnlint "${models[@]}" || failed+=("bpmnlint")
fi

echo "=== unused workers"
node unused-workers.js || failed+=("unused-workers")

echo "=== plugin tests"
node --test test/*.test.js || failed+=("plugin-tests")

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "bpmn lint: ok (${#models[@]} models; registry, bpmnlint, unused workers, plugin tests)"
else
  echo "bpmn lint: FAILED (${failed[*]})"
  exit 1
fi
