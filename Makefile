# The two commands a new user needs: `make run` and `make test`.
.PHONY: setup run test lint format sim bench

setup:
	@scripts/setup.sh

run: setup
	.venv/bin/openoutreach-server serve

test: setup lint
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

sim: setup
	.venv/bin/openoutreach-server sim

bench: setup
	.venv/bin/python -m bench.run_all
