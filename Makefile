# Two commands for a newcomer: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8

.PHONY: run stop reset test lint typecheck unit platform clock bench burden fetch deps system rebuild forms-report audit-verify

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	touch $@

deps: $(VENV)/.installed

system:
	bash infra/system-packages.sh

fetch: deps
	bash infra/fetch.sh
	bash infra/frontend.sh

## Start PostgreSQL, Redis, the broker, workers, projector and API on loopback; print the URL.
run: system fetch
	$(PY) -m infra.launcher start

stop: deps
	$(PY) -m infra.launcher stop

## Wipe broker data, Redis and PostgreSQL together (never one alone).
reset: deps
	$(PY) -m infra.launcher reset

## Replay the raw record table into fresh read-model projections.
rebuild: deps
	$(PY) -m infra.launcher rebuild

## Walk every audit hash chain; exit non-zero and name case, link and row if one was tampered with.
audit-verify: deps
	$(PY) -m infra.launcher audit-verify

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy

## Every suite, with timings; "no tests collected" fails.
test: system fetch
	bash infra/test.sh

bench: system fetch
	$(PY) -m tests.bench.baseline
	$(PY) -m tests.bench.underretning
	$(PY) -m tests.bench.monitor
	$(PY) -m tests.bench.budget
	$(PY) -m tests.bench.pages

## The caseworker's standard journey in Chromium on a stack of its own: typed fields and clicks
## per step against the targets (60 and 120), the child's CPR typed once; non-zero if broken.
burden: system fetch
	$(PY) -m tests.browser.burden

## The required fields per form (a form may require at most 15).
forms-report: deps
	$(PY) -m api.forms.report
