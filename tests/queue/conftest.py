"""Executor tests use the shared store helpers (tests/support/store.py)."""
