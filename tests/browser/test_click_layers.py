"""Layers laid over the page (no close control, cookie bar, messaging bubble, a late layer,
a layer with a same-named decoy) never stop a touchpoint from clicking its own target, and
nothing on the layer is ever clicked: asserted on what the simulator recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from loguru import logger
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin.touchpoints.editor import click
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.social import JANE_POSTS
from linkedin_sim.state import ClickBlocker
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

KINDS: list[ClickBlocker] = [
    "interop_no_close",
    "cookie_bar",
    "chat_bubble",
    "late_layer",
    "decoy_layer",
]
CONNECT = '[aria-label="Invite Jane Doe to connect"]'


@pytest.fixture
def logs() -> Iterator[list[str]]:
    """Messages loguru emits during the test."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(message.record["message"]), level="INFO")
    yield lines
    logger.remove(sink)


def neutralised(logs: list[str]) -> list[str]:
    return [line for line in logs if line.startswith("neutralised click-intercepting")]


async def run(page: Page, sim: SimServer, ctx: TouchpointContext, data: dict[str, object]) -> None:
    await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)


@pytest.mark.parametrize("kind", KINDS)
async def test_layer_trap_is_live(page: Page, sim: SimServer, kind: ClickBlocker) -> None:
    # Each layer really stands in the way of a plain click on Connect.
    sim.state.upsert_profile("jane-doe", click_blocker=kind)
    await page.goto(sim.profile_url("jane-doe"))
    if kind == "late_layer":
        # It arrives only after the page loaded: a moment later, or after a first click.
        await page.locator("main h1").click()
        await page.locator("[data-sim-layer]").wait_for(state="attached")
    with pytest.raises(PlaywrightTimeoutError, match="intercepts pointer events"):
        await page.locator(f"main {CONNECT}").click(timeout=1_000)
    await page.keyboard.press("Escape")  # no layer goes away on Escape
    assert await page.locator("[data-sim-layer]").count() == 1
    assert sim.invitations() == []


async def test_decoy_clicks_are_recorded(page: Page, sim: SimServer) -> None:
    # Proves the "nothing on the layer was clicked" assertions below could fail.
    sim.state.upsert_profile("jane-doe", click_blocker="decoy_layer")
    await page.goto(sim.profile_url("jane-doe"))
    async with page.expect_response(lambda r: r.url.endswith("/__sim/layer_clicks")):
        await page.locator(f"[data-sim-layer] {CONNECT}").click()
    clicks = sim.state.layer_clicks()
    assert [(c["account"], c["kind"], c["control"]) for c in clicks] == [
        (DEMO_USER, "decoy_layer", "Invite Jane Doe to connect")
    ]
    assert sim.invitations() == []


@pytest.mark.parametrize("kind", KINDS)
async def test_connect_clicks_through(
    page: Page, sim: SimServer, tctx: TouchpointContext, kind: ClickBlocker, logs: list[str]
) -> None:
    sim.state.upsert_profile("jane-doe", click_blocker=kind)
    data = {"type": "connect", "profile_url": sim.profile_url("jane-doe"), "note": "Hi Jane"}
    await run(page, sim, tctx, data)
    # Exactly one invitation, to the right person, with the note; nothing on the layer (or
    # the sidebar) was clicked.
    assert [(i["account"], i["public_id"], i["note"]) for i in sim.invitations()] == [
        (DEMO_USER, "jane-doe", "Hi Jane")
    ]
    assert sim.state.layer_clicks() == []
    # The layer is still there: it was let through, not removed.
    assert await page.locator("[data-sim-layer]").count() == 1
    assert neutralised(logs), logs


async def test_named_variant_is_logged_by_name(
    page: Page, sim: SimServer, tctx: TouchpointContext, logs: list[str]
) -> None:
    sim.state.upsert_profile("jane-doe", click_blocker="interop_no_close")
    await run(page, sim, tctx, {"type": "connect", "profile_url": sim.profile_url("jane-doe")})
    assert [i["public_id"] for i in sim.invitations()] == ["jane-doe"]
    assert "neutralised click-intercepting div#interop-outlet over Connect" in logs


async def test_react_through_the_messaging_bubble(
    page: Page, sim: SimServer, tctx: TouchpointContext, logs: list[str]
) -> None:
    # The bubble covers the post's action bar: the hover and the click both go through it.
    sim.state.upsert_profile("jane-doe", click_blocker="chat_bubble")
    urn = f"urn:li:activity:{JANE_POSTS[0]}"
    data = {"type": "react", "post_url": sim.url(f"/feed/update/{urn}/"), "reaction": "CELEBRATE"}
    await run(page, sim, tctx, data)
    assert [(r["account"], r["target"], r["reaction"]) for r in sim.state.social.reactions()] == [
        (DEMO_USER, urn, "CELEBRATE")
    ]
    assert sim.state.layer_clicks() == []
    assert any("over the React button" in line for line in neutralised(logs)), logs


@pytest.mark.parametrize("kind", ["cookie_bar", "decoy_layer"])
async def test_message_through_layers(
    page: Page, sim: SimServer, tctx: TouchpointContext, kind: ClickBlocker, logs: list[str]
) -> None:
    sim.state.upsert_profile("carl-connected", click_blocker=kind)
    text = "Hi Carl,\nthanks!"
    data = {"type": "message", "profile_url": sim.profile_url("carl-connected"), "text": text}
    await run(page, sim, tctx, data)
    assert [(m["account"], m["target"], m["text"]) for m in sim.state.social.messages()] == [
        (DEMO_USER, "carl-connected", text)
    ]
    assert sim.state.layer_clicks() == []
    assert neutralised(logs), logs


LAYERED = """<body style="margin:0;height:2000px">
<button id="under" style="position:absolute;top:100px;left:100px"
  onclick="window.clicks.push('under')">Under</button>
<div id="outlet"></div>
<script>
  window.clicks = [];
  // Like LinkedIn's #interop-outlet: a shadow host whose fixed, full-page layer swallows
  // clicks, and where LinkedIn later renders its dialogs.
  const root = document.getElementById('outlet').attachShadow({mode: 'open'});
  root.innerHTML = '<div id="layer" style="position:fixed;inset:0;z-index:10"></div>';
  window.openDialog = () => {
    root.getElementById('layer').innerHTML = '<button id="inside" '
      + 'style="position:absolute;top:300px;left:300px">Inside</button>';
    root.getElementById('inside').onclick = () => window.clicks.push('inside');
  };
</script></body>"""


async def test_a_layer_let_through_gets_its_events_back_for_its_own_dialog(
    page: Page, logs: list[str]
) -> None:
    await page.set_content(LAYERED)
    await click(page.locator("#under"), "Under")
    assert await page.evaluate("window.clicks") == ["under"]
    assert "neutralised click-intercepting div#layer over Under" in logs
    # The dialog opens inside the layer that was let through: it is clickable again.
    await page.evaluate("window.openDialog()")
    await click(page.locator("#inside"), "Inside")
    assert await page.evaluate("window.clicks") == ["under", "inside"]
    layer_events = await page.evaluate(
        "getComputedStyle(document.getElementById('outlet').shadowRoot"
        ".getElementById('layer')).pointerEvents"
    )
    assert layer_events == "auto"
