"""Artifact retention on a real data dir and database."""

from __future__ import annotations

import json
import os
import time

from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from tests.support.store import add_accounts, add_run


def test_prune_deletes_old_artifacts_and_unlists_them(settings: Settings, database: Store) -> None:
    db = database
    add_accounts(db, ["a"])
    old, recent = add_run(db, "a"), add_run(db, "a")
    store = ArtifactStore(settings.artifacts_dir)
    with db.db.write() as conn:
        for run_id in (old, recent):
            store.write(run_id, "page.html", b"<html></html>")
            conn.execute(
                "UPDATE runs SET artifacts = ? WHERE id = ?", (json.dumps(["page.html"]), run_id)
            )
    month_ago = time.time() - 30 * 86400
    os.utime(settings.artifacts_dir / str(old), (month_ago, month_ago))

    pruned = store.prune(older_than_days=14)
    assert pruned == [old]
    db.runs.forget_artifacts(pruned)  # what the executor's pruner does next

    assert not (settings.artifacts_dir / str(old)).exists()
    assert (settings.artifacts_dir / str(recent) / "page.html").exists()
    with db.db.read() as conn:
        listed = {r["id"]: r["artifacts"] for r in conn.execute("SELECT id, artifacts FROM runs")}
    assert json.loads(listed[old]) == []
    assert json.loads(listed[recent]) == ["page.html"]


def test_error_summary_keeps_the_first_line_and_only_url_paths() -> None:
    from linkedin.browser.diagnostics import error_summary

    raw = (
        "Page.goto: net::ERR_CONNECTION_REFUSED at https://www.linkedin.com/in/x/?csrf=s3cr3t#f\n"
        "Call log:\n  - navigating to https://proxy-user:pw@proxy/?token=abc"
    )
    summary = error_summary(Exception(raw))
    assert summary == "Page.goto: net::ERR_CONNECTION_REFUSED at https://www.linkedin.com/in/x/"
    assert "s3cr3t" not in summary and "pw@" not in summary
