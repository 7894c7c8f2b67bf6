"""What a failed run means for a campaign: retry it, follow the flow, or hold the account.

One table, used by the activity (to raise the right Temporal error) and by the lead
workflow (to decide what the step's failure does to the lead):

- TRANSIENT: another run may succeed. The activity raises a retryable error and Temporal
  retries with the seeds' policy (1 s, x2, at most 60 s); at most `MAX_RUNS` runs per step.
  Cool-downs (`RATE_LIMITED`, `WEEKLY_INVITE_LIMIT`) are transient too: the next run waits on
  the server until the cool-down ends (the server paces, the campaign adds no rate limiter).
- PERMANENT: the member cannot receive this step. Optional steps (visit, like, comment,
  webhook) are skipped; a failed invitation or follow-up ends the lead.
- ACCOUNT: the account itself is blocked (checkpoint, restriction, expired session). The
  account's leads hold (no retries burned) and an alert is raised until it is resumed.
- END: nothing more can be done for this lead (the profile is gone, or an operator canceled
  the run).
"""

from __future__ import annotations

from enum import StrEnum


class Disposition(StrEnum):
    """What to do about a failed run."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"
    ACCOUNT = "account"
    END = "end"


MAX_RUNS = 3  # the seeds' 3 attempts: runs queued for one step before it fails

ACCOUNT_CODES = frozenset({"CHECKPOINT", "ACCOUNT_RESTRICTED", "SESSION_EXPIRED", "AUTH_FAILED"})
TRANSIENT_CODES = frozenset(
    {
        "UI_CHANGED",
        "NAVIGATION_TIMEOUT",
        "BROWSER_CRASHED",
        "LINKEDIN_UNAVAILABLE",
        "RATE_LIMITED",
        "WEEKLY_INVITE_LIMIT",
        # Runs are queued with on_quota "wait", so this should not happen; if it does, the
        # next run waits for the cap's window on the server.
        "QUOTA_EXCEEDED",
    }
)
PERMANENT_CODES = frozenset(
    {
        "NOT_CONNECTED",
        "EMAIL_REQUIRED",
        "NOT_AVAILABLE",
        "NO_CREDITS",
        "POST_NOT_FOUND",
        "NO_RECENT_POST",
        "INVALID_INPUT",
        "OFF_HOST",
        "INTERNAL_ERROR",  # a bug in the server: retrying repeats it; the artifacts say why
    }
)
END_CODES = frozenset({"PROFILE_NOT_FOUND", "CANCELED", "UNKNOWN_ACCOUNT"})
# A run interrupted mid-action may or may not have acted. These touchpoints look before they
# act (connect sees "pending", withdraw "not pending", react the current reaction), so a new
# run is safe; a message or comment might be sent twice, so that step fails instead.
LOOK_FIRST = frozenset({"visit", "connect", "withdraw", "react", "connection_status", "enrich"})


def classify(code: str | None, touchpoint: str) -> Disposition:
    """The disposition of a run that failed with `code` (its status if it has no code)."""
    code = code or "INTERNAL_ERROR"
    if code in ACCOUNT_CODES:
        return Disposition.ACCOUNT
    if code in TRANSIENT_CODES:
        return Disposition.TRANSIENT
    if code == "INTERRUPTED":
        return Disposition.TRANSIENT if touchpoint in LOOK_FIRST else Disposition.PERMANENT
    if code in END_CODES:
        return Disposition.END
    return Disposition.PERMANENT


# Results of a completed connect that say where the lead stands.
INVITE_PENDING = frozenset({"sent", "already_pending", "would_send"})
INVITE_CONNECTED = "already_connected"
