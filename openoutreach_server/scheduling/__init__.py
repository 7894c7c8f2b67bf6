"""Schedules: cron arithmetic (cron.py, pure) and the poller that fires them (poller.py)."""
