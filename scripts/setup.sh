#!/usr/bin/env bash
# Create .venv, install the project, and make sure a Chromium is available.
# Idempotent: re-running it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: Python 3.11+ is required (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi

# `runtime` (make run) installs what the server needs; `dev` (make test) adds the dev tools.
# Reinstall only when pyproject.toml changed since the last install of that kind; a dev
# install also satisfies a runtime one.
kind=${1:-dev}
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f ".venv/.installed-dev-$digest" ] && { [ "$kind" = dev ] || [ ! -f ".venv/.installed-runtime-$digest" ]; }; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "$kind" = dev ]; then
    echo "setup: installing the project and its dev tools"
    .venv/bin/python -m pip install --quiet -e '.[dev]'
  else
    echo "setup: installing the project (runtime only)"
    .venv/bin/python -m pip install --quiet -e .
  fi
  rm -f .venv/.installed-*
  touch ".venv/.installed-$kind-$digest"
fi

have_chromium() {
  [ -n "${OO_CHROMIUM_PATH:-}" ] && [ "${OO_CHROMIUM_PATH}" != auto ] && [ -x "${OO_CHROMIUM_PATH}" ] && return 0
  command -v chromium >/dev/null 2>&1 && return 0
  command -v chromium-browser >/dev/null 2>&1 && return 0
  ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-* >/dev/null 2>&1 && return 0
  return 1
}

if ! have_chromium; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: installing Playwright's Chromium"
    .venv/bin/python -m playwright install chromium
  fi
fi

# The tests run every storage guarantee on PostgreSQL as well: they start a throwaway
# cluster from Debian's server binaries (no service is enabled or started here).
if [ "$kind" = dev ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's postgresql (server binaries for the tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    # The package may start a cluster of its own: the tests do not use it.
    if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
  else
    echo "setup: PostgreSQL server binaries are missing; the tests need them:" >&2
    echo "       sudo apt-get install postgresql   (Debian/Ubuntu)" >&2
    exit 1
  fi
fi
