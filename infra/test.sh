#!/usr/bin/env bash
# Runs every suite in order, prints a timing per suite and one closing summary line.
# The clock suite runs last, on its own broker, because the engine clock is global.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
total_passed=0; total_failed=0; failed_suites=()
summary=()

run_suite() {
  local name=$1; shift
  local start end rc
  start=$(date +%s)
  echo "=== suite: $name"
  "$@"
  rc=$?
  end=$(date +%s)
  summary+=("$(printf '%-10s %4ss  exit %s' "$name" "$((end - start))" "$rc")")
  if [ "$rc" -ne 0 ]; then failed_suites+=("$name"); fi
  return 0
}

pytest_suite() {
  local name=$1; shift
  local report=".runtime/test-reports/$name.txt"
  mkdir -p .runtime/test-reports
  # Exit code 5 (no tests collected) is a failure here, like any other non-zero code.
  $PY -m pytest "$@" -p no:cacheprovider | tee "$report"
  local rc=${PIPESTATUS[0]}
  local line passed failed
  line=$(grep -E '^=+ .*(passed|failed|error|no tests ran)' "$report" | tail -1)
  passed=$(grep -oE '[0-9]+ passed' <<<"$line" | awk '{s+=$1} END {print s+0}')
  failed=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{s+=$1} END {print s+0}')
  total_passed=$((total_passed + ${passed:-0}))
  total_failed=$((total_failed + ${failed:-0}))
  if [ "$rc" -eq 5 ]; then echo "suite $name collected no tests"; fi
  return "$rc"
}

run_suite lint bash -c "$PY -m ruff check . && $PY -m ruff format --check ."
run_suite types $PY -m mypy
run_suite bpmn-lint bash bpmn/lint/run.sh
run_suite unit pytest_suite unit tests/unit
run_suite adapters pytest_suite adapters tests/adapters
run_suite platform pytest_suite platform tests/platform
run_suite browser pytest_suite browser tests/browser
run_suite clock pytest_suite clock tests/clock

echo
echo "=== timings"
printf '%s\n' "${summary[@]}"
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failed suites: ${failed_suites[*]}"
  total_failed=$((total_failed > 0 ? total_failed : 1))
fi
echo "$total_passed passed, $total_failed failed"
[ ${#failed_suites[@]} -eq 0 ]
