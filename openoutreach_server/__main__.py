"""`python -m openoutreach_server` is the `openoutreach-server` command."""

from openoutreach_server.cli import app

app()
