# The two commands a new user needs: `make run` and `make test`.
.PHONY: setup setup-dev run test lint format sim bench

PORT ?= 8765

setup:
	@scripts/setup.sh runtime

setup-dev:
	@scripts/setup.sh dev

run: setup
	.venv/bin/openoutreach-server serve

test: setup-dev lint
	# Two processes, a test file each: most of the suite waits on browsers and servers.
	.venv/bin/pytest -n 2 --dist loadfile

lint: setup-dev
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports

format: setup-dev
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

sim: setup
	.venv/bin/openoutreach-server sim --port $(PORT)

bench: setup-dev
	.venv/bin/python -m bench.run_all
