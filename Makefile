PY ?= python
PIP_COMPILE ?= pip-compile
LOCK_FLAGS = -c lock-constraints.txt --generate-hashes --unsafe-package torch --strip-extras --no-emit-index-url --no-emit-find-links
.PHONY: test lint bench demo ui docs lock check-latest smoke
test:
	$(PY) -m pytest -q
lint:
	ruff check . && ruff format --check . && mypy agent tools data forecasting
bench:
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
demo:
	shoplens data demo
ui:
	shoplens ui
docs:
	$(PY) -m shoplens.agent.cli.docgen > docs/cli.md
# Refresh both locks (pip-tools: `pip install pip-tools`). torch stays out: the README installs the CPU wheel
# explicitly and GPU sites bring their CUDA build.
lock:
	$(PIP_COMPILE) -q --upgrade --extra dev --extra bench $(LOCK_FLAGS) -o requirements-dev.lock pyproject.toml
	$(PIP_COMPILE) -q $(LOCK_FLAGS) -c requirements-dev.lock -o requirements.lock pyproject.toml
# The whole suite on today's newest releases, without the lock, in a fresh venv.
check-latest:
	rm -rf .venv-latest && python3 -m venv .venv-latest && . .venv-latest/bin/activate && \
	pip install -q torch==2.13.0 -e ".[dev]" && pip list 2>/dev/null | grep -iE "^(pandas|openai|httpx2?|typer|gradio|langchain) " && \
	python -m pytest -q
# The README's first install (runtime lock only, no dev extras) and a smoke test of its commands.
smoke:
	rm -rf .venv-quickstart && python3 -m venv .venv-quickstart && . .venv-quickstart/bin/activate && \
	pip install -q torch==2.13.0 && pip install -q -r requirements.lock && pip install -q --no-deps -e . && \
	python .ci/smoke_quickstart.py
