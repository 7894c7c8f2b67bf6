"""The flow as written by the builder: checks that name the node, delays, templates, leads,
and the table of what a failed run means."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from campaigns import templating
from campaigns.delays import format_delay, parse_delay
from campaigns.flow import DEFAULT_ACCEPTANCE_TIMEOUT, FlowError, parse_flow
from campaigns.leads import Lead, lead_key, pack, read_leads, unpack
from campaigns.outcomes import Disposition, classify

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE: dict[str, Any] = json.loads((ROOT / "assets" / "campaign.example.json").read_text())


def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "action", "data": {"type": kind, "config": config}}


def edge(source: str, target: str, delay: str = "", **data: Any) -> dict[str, Any]:
    kind = "conditional" if "isPositive" in data else "buttonedge"
    return {"source": source, "target": target, "type": kind, "data": {"delay": delay, **data}}


def errors_of(flow: dict[str, Any]) -> list[str]:
    with pytest.raises(FlowError) as caught:
        parse_flow(flow)
    return caught.value.errors


def test_the_example_flow_compiles_to_the_seed_walk() -> None:
    flow = parse_flow(EXAMPLE)
    assert flow.start == "profile_visit-1758977229941"
    invite = flow.nodes["send_invite-1758977251730"]
    assert invite.accepted and invite.accepted.target == "send_followup-1758977263304"
    assert invite.accepted.delay == timedelta(minutes=15)
    assert invite.not_accepted and invite.not_accepted.target == "withdraw_request-1758977280456"
    assert invite.acceptance_timeout == timedelta(days=7)
    assert "addStep-1758977299999" not in flow.nodes  # the builder's "+" is not a step
    assert flow.webhook_urls() == ["https://crm.example.com/hooks/linkedin-outreach"]
    assert flow.nodes["like_post-1758977232196"].config.within_days == 15  # type: ignore[union-attr]


def test_a_missing_step_setting_is_named_with_its_node() -> None:
    flow = {
        "nodes": [node("invite-1", "send_invite"), node("followup-1", "send_followup")],
        "edges": [edge("invite-1", "followup-1", "2d")],
    }
    assert errors_of(flow) == [
        'node "followup-1": send_followup needs config.message (the message text)'
    ]
    flow["nodes"][1] = node("followup-1", "send_followup", useAI=True)
    [error] = errors_of(flow)
    assert error.startswith('node "followup-1": send_followup has useAI true')
    flow["nodes"] = [node("hook", "notify_webhook", targetUrl="ftp://x")]
    flow["edges"] = []
    [error] = errors_of(flow)
    assert error.startswith(
        'node "hook": notify_webhook config: targetUrl: Value error, must be an http'
    )


def test_start_cycles_and_reachability() -> None:
    two_starts = {"nodes": [node("a", "profile_visit"), node("b", "profile_visit")], "edges": []}
    [error] = errors_of(two_starts)
    assert error.startswith('flow has 2 start nodes (no incoming edge): "a", "b"')
    cycle = {
        "nodes": [
            node("a", "profile_visit"),
            node("b", "profile_visit"),
            node("c", "withdraw_request"),
        ],
        "edges": [edge("a", "b"), edge("b", "c"), edge("c", "b")],
    }
    [error] = errors_of(cycle)
    assert error == 'node "b": on a cycle (b -> c -> b); a flow never goes back'
    no_start = {
        "nodes": [node("a", "profile_visit"), node("b", "profile_visit")],
        "edges": [edge("a", "b"), edge("b", "a")],
    }
    assert errors_of(no_start) == [
        "flow has no start node: every node has an incoming edge (a cycle)"
    ]
    island = {
        "nodes": [
            node("a", "profile_visit"),
            node("b", "profile_visit"),
            node("c", "profile_visit"),
        ],
        "edges": [edge("b", "c"), edge("c", "b")],
    }
    # a starts; b and c form an island reached from nowhere.
    errors = errors_of(island)
    assert 'node "b": not reachable from the start node "a"' in errors
    assert 'node "c": not reachable from the start node "a"' in errors


def test_branches_need_an_accepted_path_and_leave_only_invitations() -> None:
    only_not_accepted = {
        "nodes": [node("invite-1", "send_invite"), node("w", "withdraw_request")],
        "edges": [edge("invite-1", "w", "7d", isPositive=False)],
    }
    assert errors_of(only_not_accepted) == [
        'node "invite-1": the branch has no "accepted" path'
        " (a conditional edge with isPositive true)"
    ]
    from_visit = {
        "nodes": [node("v", "profile_visit"), node("w", "withdraw_request")],
        "edges": [edge("v", "w", "1d", isPositive=True)],
    }
    [error] = errors_of(from_visit)
    assert error.startswith(
        'node "v": a conditional ("accepted") edge can only leave a send_invite'
    )
    two_next = {
        "nodes": [
            node("v", "profile_visit"),
            node("a", "withdraw_request"),
            node("b", "withdraw_request"),
        ],
        "edges": [edge("v", "a"), edge("v", "b")],
    }
    [error] = errors_of(two_next)
    assert error.startswith('node "v": 2 next steps ("a", "b")')
    zero_deadline = {
        "nodes": [
            node("i", "send_invite"),
            node("m", "send_followup", message="hi"),
            node("w", "withdraw_request"),
        ],
        "edges": [edge("i", "m", isPositive=True), edge("i", "w", "0", isPositive=False)],
    }
    [error] = errors_of(zero_deadline)
    assert error.startswith('node "i": the "not-accepted" edge\'s delay is the acceptance deadline')


def test_an_accepted_path_alone_waits_the_documented_default() -> None:
    flow = parse_flow(
        {
            "nodes": [node("i", "send_invite"), node("m", "send_followup", message="hi")],
            "edges": [edge("i", "m", "1h", isPositive=True)],
        }
    )
    assert flow.nodes["i"].acceptance_timeout == DEFAULT_ACCEPTANCE_TIMEOUT == timedelta(days=14)
    custom = parse_flow(
        {
            "nodes": [
                node("i", "send_invite", acceptanceTimeout="3d"),
                node("m", "send_followup", message="hi"),
            ],
            "edges": [edge("i", "m", isPositive=True)],
        }
    )
    assert custom.nodes["i"].acceptance_timeout == timedelta(days=3)


def test_path_type_of_the_target_tells_the_branch_when_is_positive_is_missing() -> None:
    flow = copy.deepcopy(EXAMPLE)
    for e in flow["edges"]:
        e["data"].pop("isPositive", None)
    parsed = parse_flow(flow)
    assert parsed.nodes["send_invite-1758977251730"].not_accepted is not None


def test_delays() -> None:
    assert parse_delay("15m") == timedelta(minutes=15)
    assert parse_delay("2d") == timedelta(days=2)
    assert parse_delay(" 7d ") == timedelta(days=7)
    assert parse_delay("1.5h") == timedelta(minutes=90)
    assert parse_delay("2s") == timedelta(seconds=2)
    assert parse_delay("0") == timedelta(0)
    assert parse_delay(30) == timedelta(seconds=30)
    for bad in ("2x", "d", "-1d", "1 day", ""):
        with pytest.raises(ValueError, match="not a duration"):
            parse_delay(bad)
    assert [format_delay(parse_delay(t)) for t in ("15m", "2d", "7d", "90s", "1w")] == [
        "15m",
        "2d",
        "7d",
        "90s",
        "7d",
    ]
    # delay and delayData must agree; the error names the node and the edge.
    flow = {
        "nodes": [node("a", "profile_visit"), node("b", "withdraw_request")],
        "edges": [
            {
                "id": "e1",
                "source": "a",
                "target": "b",
                "data": {"delay": "2d", "delayData": {"delay": 3, "unit": "d"}},
            }
        ],
    }
    assert errors_of(flow) == ['node "a": edge "e1" to "b": delay 2d and delayData 3d disagree']
    flow["edges"][0]["data"] = {"delay": "soon"}
    [error] = errors_of(flow)
    assert error.startswith('node "a": edge "e1" to "b": delay \'soon\' is not a duration')


def test_templating() -> None:
    fields = {"first_name": "Jane", "company": "", "topic": "logistics"}
    assert templating.render("Hi {first_name}!", fields) == "Hi Jane!"
    assert templating.render("Hi {company|there}", fields) == "Hi there"
    assert templating.render("Hi {missing|you}, {{braces}}", fields) == "Hi you, {braces}"
    assert templating.render("{first_name} at {company}", fields) == "Jane at "
    assert templating.fields_used("{a} {b|x} {a}") == ["a", "b"]
    assert templating.fields_used("{a} {b|x}", required_only=True) == ["a"]
    with pytest.raises(templating.TemplateError, match="stray brace"):
        templating.render("Hi {first name}", fields)
    # A template naming a column the leads lack is refused before the campaign starts.
    flow = parse_flow(EXAMPLE)
    assert flow.check_fields({"first_name", "topic"}) == []
    bare = parse_flow(
        {"nodes": [node("m", "send_followup", message="Hi {first_name}, {title}")], "edges": []}
    )
    assert bare.check_fields({"first_name"}) == [
        'node "m": uses {title} but the leads have no such column (columns: first_name)'
    ]
    bad = {"nodes": [node("m", "send_followup", message="Hi {first_name")], "edges": []}
    [error] = errors_of(bad)
    assert error.startswith('node "m": send_followup text: template')


def test_leads_file(tmp_path: Path) -> None:
    lead_file = read_leads(ROOT / "assets" / "leads.example.csv")
    assert [lead.key for lead in lead_file.leads] == ["jane-doe", "john-smith", "cara-creator"]
    assert lead_file.columns == {"first_name", "last_name", "company", "topic"}
    assert lead_file.leads[0].fields["first_name"] == "Jane"
    csv = tmp_path / "leads.csv"
    csv.write_text(
        "linkedin_url,first_name,account\n"
        "https://www.linkedin.com/in/Jane-Doe/,Jane,\n"
        "not a url,X,\n"
        "https://www.linkedin.com/in/jane-doe/?trk=x,Jane again,\n"
        "https://www.linkedin.com/in/sam/,Sam,second\n"
    )
    lead_file = read_leads(csv)
    assert [(lead.key, lead.account) for lead in lead_file.leads] == [
        ("jane-doe", None),
        ("sam", "second"),
    ]
    assert lead_file.duplicates == ["jane-doe"]
    assert lead_file.errors == [
        "line 3: 'not a url' is not a LinkedIn profile URL (https://<host>/in/<id>/)"
    ]
    assert lead_key("http://127.0.0.1:8765/in/lead-07/") == "lead-07"


def test_packed_leads_stay_small_for_a_large_campaign() -> None:
    leads = [
        Lead(
            profile_url=f"https://www.linkedin.com/in/member-{i:05d}-{i * 7919 % 10007}/",
            fields={
                "first_name": f"Name{i}",
                "company": f"Company {i % 300}",
                "title": "Head of Sales",
            },
        )
        for i in range(10_000)
    ]
    packed = pack(leads)
    assert unpack(packed) == leads
    assert len(packed) < 600_000  # Temporal refuses payloads over 2 MB


@pytest.mark.parametrize(
    ("code", "touchpoint", "expected"),
    [
        ("CHECKPOINT", "connect", Disposition.ACCOUNT),
        ("ACCOUNT_RESTRICTED", "message", Disposition.ACCOUNT),
        ("SESSION_EXPIRED", "visit", Disposition.ACCOUNT),
        ("AUTH_FAILED", "react", Disposition.ACCOUNT),
        ("UI_CHANGED", "connect", Disposition.TRANSIENT),
        ("NAVIGATION_TIMEOUT", "visit", Disposition.TRANSIENT),
        ("BROWSER_CRASHED", "message", Disposition.TRANSIENT),
        ("LINKEDIN_UNAVAILABLE", "comment", Disposition.TRANSIENT),
        ("RATE_LIMITED", "connect", Disposition.TRANSIENT),
        ("WEEKLY_INVITE_LIMIT", "connect", Disposition.TRANSIENT),
        ("QUOTA_EXCEEDED", "connect", Disposition.TRANSIENT),
        ("NOT_CONNECTED", "message", Disposition.PERMANENT),
        ("EMAIL_REQUIRED", "connect", Disposition.PERMANENT),
        ("NOT_AVAILABLE", "inmail", Disposition.PERMANENT),
        ("NO_CREDITS", "inmail", Disposition.PERMANENT),
        ("POST_NOT_FOUND", "react", Disposition.PERMANENT),
        ("NO_RECENT_POST", "comment", Disposition.PERMANENT),
        ("INVALID_INPUT", "connect", Disposition.PERMANENT),
        ("INTERNAL_ERROR", "visit", Disposition.PERMANENT),
        ("PROFILE_NOT_FOUND", "visit", Disposition.END),
        ("CANCELED", "connect", Disposition.END),
        ("INTERRUPTED", "connect", Disposition.TRANSIENT),  # connect looks before it acts
        ("INTERRUPTED", "message", Disposition.PERMANENT),  # a message might go twice
        (None, "visit", Disposition.PERMANENT),
    ],
)
def test_outcome_table(code: str | None, touchpoint: str, expected: Disposition) -> None:
    assert classify(code, touchpoint) == expected


def test_campaigns_never_import_the_server() -> None:
    code = (
        "import sys, campaigns.cli, campaigns.worker, campaigns.service, campaigns.devserver;"
        "bad = [m for m in sys.modules if m.startswith(('openoutreach_server', 'playwright'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
