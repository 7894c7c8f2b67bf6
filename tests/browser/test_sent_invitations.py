"""Reading the sent-invitations list for detection: every page, exactly what the simulator
holds as pending, complete only when it is, blockers mid-read raise their codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.async_api import Page, Request, Route

from linkedin.touchpoints import sent_invitations as sent_module
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import SentInvitationsResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin.touchpoints.sent_invitations import read_sent_invitations
from linkedin_sim import SimServer
from linkedin_sim.state import SentPaging
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGINGS: list[SentPaging] = ["pages", "show_more", "scroll"]
SENT = "/mynetwork/invitation-manager/sent/"
LATE_API = "/voyager/api/relationships/sentInvitationViewsV2"


def lead(i: int) -> str:
    return f"lead-{i:02d}"


def seed_sent(sim: SimServer, count: int) -> list[str]:
    """`count` pending invitations of the demo account, lead-00 newest; nothing else pending."""
    sim.state.set_relationship(DEMO_USER, "paul-pending", "not_connected")
    sim.state.set_relationship(DEMO_USER, "hank-hidden", "not_connected")
    for i in range(count):
        sim.state.add_sent_invitation(
            DEMO_USER, lead(i), days_ago=i * 1.5 + 0.1, name=f"Lead {i:02d}", headline="CTO"
        )
    return [lead(i) for i in range(count)]


@contextmanager
def loads(page: Page) -> Iterator[list[str]]:
    """Every document, XHR and fetch request the page makes meanwhile ("type path")."""
    seen: list[str] = []

    def on_request(request: Request) -> None:
        if request.resource_type in ("document", "xhr", "fetch"):
            seen.append(f"{request.resource_type} {request.url.split('//', 1)[1].split('/', 1)[1]}")

    page.on("request", on_request)
    try:
        yield seen
    finally:
        page.remove_listener("request", on_request)


def ids(result: SentInvitationsResult) -> list[str | None]:
    return [row.public_identifier for row in result.invitations]


@pytest.mark.parametrize("paging", PAGINGS)
async def test_25_pending_are_read_across_pages(
    page: Page, sim: SimServer, tctx: TouchpointContext, paging: SentPaging
) -> None:
    expected = seed_sent(sim, 25)
    sim.state.upsert_account(DEMO_USER, sent_paging=paging)
    data = parse_touchpoint({"type": "sent_invitations"}, sim.base_url)
    with loads(page) as requests:
        result = await run_touchpoint(page, data, tctx)
    assert isinstance(result, SentInvitationsResult)
    assert ids(result) == expected
    assert (result.complete, result.total, result.pages) == (True, 25, 3)
    first, last = result.invitations[0], result.invitations[-1]
    assert (first.name, first.sent_text, first.sent_days_ago) == ("Lead 00", "Sent today", 0.0)
    assert first.profile_url == sim.profile_url(lead(0))
    assert (last.sent_text, last.sent_days_ago) == ("Sent 1 month ago", 30.0)
    documents = [r for r in requests if r.startswith("document")]
    xhrs = [r for r in requests if not r.startswith("document")]
    print(f"\n{paging}: {len(documents)} documents + {len(xhrs)} XHR: {requests}")
    if paging == "pages":
        assert documents == [
            f"document {SENT[1:]}",
            *(f"document {SENT[1:]}?page={n}" for n in (2, 3)),
        ]
        assert xhrs == []
    else:
        assert documents == [f"document {SENT[1:]}"]
        assert xhrs == [f"fetch {LATE_API[1:]}?start={n}" for n in (10, 20)]
    # Read only: nothing withdrawn, nothing answered.
    assert sim.state.withdrawals() == []
    assert all(sim.state.relationship(DEMO_USER, pid) == "pending" for pid in expected)


@pytest.mark.parametrize("paging", PAGINGS)
async def test_accepted_and_declined_leave_exactly_the_others(
    page: Page, sim: SimServer, tctx: TouchpointContext, paging: SentPaging
) -> None:
    sent = seed_sent(sim, 25)
    sim.state.upsert_account(DEMO_USER, sent_paging=paging, sent_page_size=4)
    accepted, declined = sent[0:20:2], sent[1:10:2]  # 10 and 5, spread over the list
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        for public_id, action in [(p, "accept") for p in accepted] + [
            (p, "decline") for p in declined
        ]:
            answer = await client.post(
                "/__sim/invitations/respond",
                json={"account": DEMO_USER, "public_id": public_id, "action": action},
            )
            assert answer.status_code == 200, answer.text
        again = {"account": DEMO_USER, "public_id": accepted[0], "action": "decline"}
        assert (await client.post("/__sim/invitations/respond", json=again)).status_code == 409
        connections = (await client.get("/__sim/connections")).json()
    assert [c["public_id"] for c in connections] == accepted
    assert all(sim.state.relationship(DEMO_USER, p) == "connected" for p in accepted)
    assert all(sim.state.relationship(DEMO_USER, p) == "not_connected" for p in declined)
    remaining = [p for p in sent if p not in accepted and p not in declined]
    assert len(remaining) == 10

    result = await read_sent_invitations(page, sim.base_url, pace=tctx.pace)
    assert ids(result) == remaining
    assert (result.complete, result.total) == (True, 10)
    # 4 cards fit in the window: the infinite list fetches its second batch by itself.
    assert result.pages == (3 if paging != "scroll" else 2)


async def test_page_bound_makes_it_incomplete(page: Page, sim: SimServer) -> None:
    expected = seed_sent(sim, 25)
    result = await read_sent_invitations(page, sim.base_url, max_pages=2)
    assert ids(result) == expected[:20]
    assert (result.complete, result.total, result.pages) == (False, 25, 2)


@pytest.mark.parametrize("late_ms", [0, 1_200])
@pytest.mark.parametrize("variant", ["classic", "bare", "no_pending", "no_sent"])
async def test_empty_list_is_an_answer(
    page: Page, sim: SimServer, variant: str, late_ms: int
) -> None:
    seed_sent(sim, 0)
    sim.state.upsert_account(DEMO_USER, sent_page=variant, sent_page_late_ms=late_ms)
    result = await read_sent_invitations(page, sim.base_url)
    assert (result.invitations, result.complete) == ([], True)


async def test_late_list_is_waited_for(page: Page, sim: SimServer) -> None:
    expected = seed_sent(sim, 7)
    sim.state.upsert_account(DEMO_USER, sent_page="bare", sent_page_late_ms=1_200)
    result = await read_sent_invitations(page, sim.base_url)
    assert (ids(result), result.complete) == (expected, True)


async def test_list_that_never_renders_is_ui_changed(
    page: Page, sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page shell loads, its list request never comes back: the loader stays.
    seed_sent(sim, 3)
    sim.state.upsert_account(DEMO_USER, sent_page_late_ms=1)
    await page.route(f"{sim.base_url}{LATE_API}*", lambda route: route.abort())
    monkeypatch.setattr(sent_module, "LIST_TIMEOUT_MS", 3_000)
    with pytest.raises(TouchpointError) as err:
        await read_sent_invitations(page, sim.base_url)
    assert err.value.code == ErrorCode.UI_CHANGED


async def test_page_without_list_or_empty_state_is_ui_changed(page: Page, sim: SimServer) -> None:
    # A redesigned page: it renders and settles, but shows no list and no empty state.
    seed_sent(sim, 3)

    async def redesigned(route: Route) -> None:
        await route.fulfill(
            content_type="text/html",
            body="<html><body><main><h1>Manage invitations</h1>"
            "<div class='new-sdui-thing'>Your network at a glance</div></main></body></html>",
        )

    await page.route(f"{sim.base_url}{SENT}", redesigned)
    with pytest.raises(TouchpointError) as err:
        await read_sent_invitations(page, sim.base_url)
    assert err.value.code == ErrorCode.UI_CHANGED


@pytest.mark.parametrize(
    ("paging", "prefix", "action", "code"),
    [
        ("pages", f"{SENT}?page=2", "rate_limit", ErrorCode.RATE_LIMITED),
        ("show_more", f"{LATE_API}?start=10", "rate_limit", ErrorCode.RATE_LIMITED),
        ("scroll", f"{LATE_API}?start=10", "rate_limit", ErrorCode.RATE_LIMITED),
        ("pages", f"{SENT}?page=3", "checkpoint", ErrorCode.CHECKPOINT),
        (
            "show_more",
            f"{LATE_API}?start=20",
            "service_unavailable",
            ErrorCode.LINKEDIN_UNAVAILABLE,
        ),
    ],
)
async def test_blocker_mid_read_raises(
    page: Page,
    sim: SimServer,
    paging: SentPaging,
    prefix: str,
    action: str,
    code: ErrorCode,
) -> None:
    seed_sent(sim, 25)
    sim.state.upsert_account(DEMO_USER, sent_paging=paging)
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        fault = {"path_prefix": prefix, "action": action}
        assert (await client.post("/__sim/faults", json=fault)).status_code == 200
    with pytest.raises(TouchpointError) as err:
        await read_sent_invitations(page, sim.base_url)
    assert err.value.code == code
