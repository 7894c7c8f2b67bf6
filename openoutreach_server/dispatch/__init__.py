"""Dispatch: the executor loop, the one dispatch decision, running a claimed run in a browser."""
