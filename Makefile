PY ?= python
.PHONY: test lint bench demo ui docs
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
