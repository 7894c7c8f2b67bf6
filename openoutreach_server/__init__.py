"""openoutreach-server: queue, executor, schedules and HTTP API around the `linkedin` package."""

__version__ = "0.1.0"
