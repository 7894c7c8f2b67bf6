"""Touchpoints: one LinkedIn action each, with typed inputs, results and error codes."""
