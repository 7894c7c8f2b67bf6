"""Thin HTTP routers; the work happens in queue, accounts and executor."""
