"""Reading the inbox for reply detection: exactly the conversations whose last message
came from the member are flagged, with "You:" prefixes or sender pictures only; a
conversation read message by message; blockers raise their codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, Request, Route

from linkedin.browser.login import import_li_at
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.inbox import read_conversations, read_thread
from linkedin.touchpoints.models import InboxResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import InboxSender
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

VARIANTS: list[InboxSender] = ["prefix", "avatar"]
CONVERSATIONS_API = "/voyager/api/voyagerMessagingDashMessengerConversations"
MEMBERS = {
    "mia-member": "Mia Member",
    "noah-north": "Noah North",
    "olga-ost": "Olga Ost",
    "pete-pike": "Pete Pike",
    "ruth-rowe": "Ruth Rowe",
}
REPLIED = {"mia-member", "olga-ost", "ruth-rowe"}


async def seed_inbox(sim: SimServer) -> dict[str, str]:
    """Six conversations of the demo account, three ending with a reply from the member.
    Returns thread ids by member."""
    social = sim.state.social
    for public_id, name in MEMBERS.items():
        sim.state.upsert_profile(public_id, name=name, default_relationship="connected")
    # Carl's seeded thread ("Hey, good to connect!") now ends with the account's answer.
    social.record_message(DEMO_USER, "carl-connected", "Thanks Carl!")
    social.record_message(DEMO_USER, "mia-member", "Hi Mia")
    social.record_message(DEMO_USER, "noah-north", "Hi Noah")
    social.record_message(DEMO_USER, "olga-ost", "Hi Olga")
    social.record_message(DEMO_USER, "pete-pike", "Hi Pete: quick question")
    social.record_message(DEMO_USER, "ruth-rowe", "Hello Ruth")
    social.record_message(DEMO_USER, "ruth-rowe", "Are you around?")
    replies = [
        ("olga-ost", "Sounds good: let's talk"),
        ("mia-member", "Thanks, Mia here!"),
        ("ruth-rowe", "Who is this?"),
        ("ruth-rowe", "Ah, I remember you"),
    ]
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        for public_id, text in replies:
            body = {"account": DEMO_USER, "from_public_id": public_id, "text": text}
            answer = await client.post("/__sim/messages/reply", json=body)
            assert answer.status_code == 200, answer.text
        unknown = {"account": DEMO_USER, "from_public_id": "nobody-here", "text": "x"}
        assert (await client.post("/__sim/messages/reply", json=unknown)).status_code == 404
    # The account answers Noah's silence again, so its own message is the newest of all.
    social.record_message(DEMO_USER, "noah-north", "Following up")
    return {t.public_id: t.thread_id for t in social.threads_of(DEMO_USER)}


@contextmanager
def loads(page: Page) -> Iterator[list[str]]:
    """Every document, XHR and fetch request the page makes meanwhile ("type path")."""
    seen: list[str] = []

    def on_request(request: Request) -> None:
        if request.resource_type in ("document", "xhr", "fetch"):
            seen.append(
                f"{request.resource_type} /{request.url.split('//', 1)[1].split('/', 1)[1]}"
            )

    page.on("request", on_request)
    try:
        yield seen
    finally:
        page.remove_listener("request", on_request)


@pytest.mark.parametrize("page_size", [20, 4])
@pytest.mark.parametrize("variant", VARIANTS)
async def test_exactly_the_replies_are_last_from_them(
    page: Page, sim: SimServer, variant: InboxSender, page_size: int
) -> None:
    threads = await seed_inbox(sim)
    sim.state.upsert_account(DEMO_USER, inbox_sender=variant, inbox_page_size=page_size)
    with loads(page) as requests:
        result = await read_conversations(page, sim.base_url)
    order = list(threads)  # newest first, as the simulator holds them
    assert order[0] == "noah-north"
    assert [c.thread_id for c in result.conversations] == [threads[p] for p in order]
    assert result.complete
    by_id = {c.thread_id: c for c in result.conversations}
    them = {p for p in order if by_id[threads[p]].last_from == "them"}
    mine = {p for p in order if by_id[threads[p]].last_from == "self"}
    assert them == REPLIED
    assert mine == set(order) - REPLIED
    assert {p for p in order if by_id[threads[p]].unread} == REPLIED
    olga, pete = by_id[threads["olga-ost"]], by_id[threads["pete-pike"]]
    assert (olga.name, olga.snippet) == ("Olga Ost", "Sounds good: let's talk")
    assert pete.snippet == "Hi Pete: quick question"  # "You: " taken off, the rest kept
    assert olga.thread_url == sim.url(f"/messaging/thread/{threads['olga-ost']}/")
    assert olga.time_text
    if variant == "prefix":
        assert {c.last_from_basis for c in result.conversations} == {"prefix", "no_prefix"}
        assert {c.public_identifier for c in result.conversations} == {None}
    else:
        assert {c.last_from_basis for c in result.conversations} == {"sender"}
        assert [c.public_identifier for c in result.conversations] == order
    documents = [r for r in requests if r.startswith("document")]
    xhrs = [r for r in requests if not r.startswith("document")]
    print(f"\ninbox {variant}/{page_size}: {len(documents)} documents + {len(xhrs)} XHR")
    assert documents == ["document /messaging/"]
    assert xhrs == ([] if page_size == 20 else [f"fetch {CONVERSATIONS_API}?start=4"])
    # Reading the list opened nothing: the replies are still unread.
    assert all(sim.state.social.thread(threads[p]).unread for p in REPLIED)  # type: ignore[union-attr]


async def test_limit_stops_early_and_is_incomplete(page: Page, sim: SimServer) -> None:
    threads = await seed_inbox(sim)
    sim.state.upsert_account(DEMO_USER, inbox_page_size=4)
    result = await read_conversations(page, sim.base_url, limit=3)
    assert [c.thread_id for c in result.conversations] == list(threads.values())[:3]
    assert not result.complete


@pytest.mark.parametrize("variant", VARIANTS)
async def test_read_thread_gives_each_sender(
    page: Page, sim: SimServer, variant: InboxSender
) -> None:
    threads = await seed_inbox(sim)
    sim.state.upsert_account(DEMO_USER, inbox_sender=variant)
    url = sim.url(f"/messaging/thread/{threads['ruth-rowe']}/")
    ruth = await read_thread(page, sim.base_url, url)
    assert [(m.sender, m.text) for m in ruth.messages] == [
        ("self", "Hello Ruth"),
        ("self", "Are you around?"),
        ("them", "Who is this?"),
        ("them", "Ah, I remember you"),
    ]
    assert (ruth.name, ruth.public_identifier, ruth.last_from) == ("Ruth Rowe", "ruth-rowe", "them")
    assert ruth.messages[0].sender_name == "Demo User"
    assert ruth.messages[2].sender_name == "Ruth Rowe"
    assert (ruth.thread_id, ruth.since_found) == (threads["ruth-rowe"], None)
    # Only what came after the account's last message.
    since = await read_thread(page, sim.base_url, url, since_text="Are you around?")
    assert [(m.sender, m.text) for m in since.messages] == [
        ("them", "Who is this?"),
        ("them", "Ah, I remember you"),
    ]
    assert since.since_found is True
    carl = await read_thread(
        page,
        sim.base_url,
        sim.url(f"/messaging/thread/{threads['carl-connected']}/"),
        since_text="Never sent",
    )
    assert [(m.sender, m.text) for m in carl.messages] == [
        ("them", "Hey, good to connect!"),
        ("self", "Thanks Carl!"),
    ]
    assert (carl.last_from, carl.since_found) == ("self", False)
    # Opening a conversation reads it, like a person opening it.
    assert sim.state.social.thread(threads["ruth-rowe"]).unread == 0  # type: ignore[union-attr]
    assert sim.state.social.thread(threads["mia-member"]).unread == 1  # type: ignore[union-attr]


async def test_inbox_touchpoint_reads_list_and_threads(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    threads = await seed_inbox(sim)
    mia = sim.url(f"/messaging/thread/{threads['mia-member']}/")
    data = parse_touchpoint({"type": "inbox", "limit": 5, "thread_urls": [mia]}, sim.base_url)
    result = await run_touchpoint(page, data, tctx)
    assert isinstance(result, InboxResult)
    assert [c.thread_id for c in result.conversations] == list(threads.values())[:5]
    assert not result.complete
    assert [t.thread_url for t in result.threads] == [mia]
    assert [(m.sender, m.text) for m in result.threads[0].messages] == [
        ("self", "Hi Mia"),
        ("them", "Thanks, Mia here!"),
    ]
    # Nothing sent by reading.
    assert [m["text"] for m in sim.state.social.messages()][-1] == "Following up"


@pytest_asyncio.fixture(loop_scope="session")
async def second_page(context: BrowserContext, sim: SimServer) -> Page:
    """A page signed in as the seed's second account (no conversations)."""
    await import_li_at(context, sim.base_url, "sim-li-at-second")
    return await context.new_page()


async def test_empty_inbox_is_an_answer(second_page: Page, sim: SimServer) -> None:
    result = await read_conversations(second_page, sim.base_url)
    assert (result.conversations, result.complete) == ([], True)


async def test_inbox_without_list_is_ui_changed(page: Page, sim: SimServer) -> None:
    async def redesigned(route: Route) -> None:
        await route.fulfill(
            content_type="text/html",
            body="<html><body><main><h1>Messaging</h1><p>Something new</p></main></body></html>",
        )

    await page.route(sim.url("/messaging/"), redesigned)
    with pytest.raises(TouchpointError) as err:
        await read_conversations(page, sim.base_url)
    assert err.value.code == ErrorCode.UI_CHANGED


@pytest.mark.parametrize(
    ("prefix", "action", "code"),
    [
        (CONVERSATIONS_API, "rate_limit", ErrorCode.RATE_LIMITED),
        ("/messaging/", "checkpoint", ErrorCode.CHECKPOINT),
        ("/messaging/", "session_expired", ErrorCode.SESSION_EXPIRED),
        ("/messaging/", "soft_error", ErrorCode.LINKEDIN_UNAVAILABLE),
    ],
)
async def test_blockers_raise(
    page: Page, sim: SimServer, prefix: str, action: str, code: ErrorCode
) -> None:
    await seed_inbox(sim)
    sim.state.upsert_account(DEMO_USER, inbox_page_size=4)
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        fault = {"path_prefix": prefix, "action": action}
        assert (await client.post("/__sim/faults", json=fault)).status_code == 200
    with pytest.raises(TouchpointError) as err:
        await read_conversations(page, sim.base_url)
    assert err.value.code == code


async def test_unknown_thread_is_not_available(page: Page, sim: SimServer) -> None:
    with pytest.raises(TouchpointError) as err:
        await read_thread(page, sim.base_url, sim.url("/messaging/thread/2-nope/"))
    assert err.value.code == ErrorCode.NOT_AVAILABLE
    with pytest.raises(TouchpointError) as bad:
        await read_thread(page, sim.base_url, sim.url("/in/jane-doe/"))
    assert bad.value.code == ErrorCode.INVALID_INPUT
