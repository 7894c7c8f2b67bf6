"""Persistence: ORM models and the SQLite engine."""
