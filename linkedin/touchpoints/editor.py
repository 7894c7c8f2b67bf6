"""Typing into LinkedIn's rich-text editors and finding the result on the page afterwards.

Messages, comments and InMail bodies live in contenteditable editors, not textareas: text
must go in without a bare Enter (with "Press Enter to send" on, Enter sends), and the
page shows it back with its whitespace collapsed, so checks compare normalised text.
"""

from __future__ import annotations

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin.browser.clicks import act_through
from linkedin.browser.host_guard import ensure_on_host
from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

CLICK_TIMEOUT_MS = 10_000

# Keys a keypress would turn into something else (Tab moves focus): inserted as text.
_INSERT_AS_TEXT = frozenset("\t")

_COUNT_JS = """([root, css, want]) => {
  const norm = (s) => s.replace(/\\s+/g, ' ').trim();
  return Array.from(root.querySelectorAll(css)).filter((e) => norm(e.innerText) === want).length;
}"""
# Ends the wait too when a failure marker (e.g. an error toast) shows anywhere on the page.
_MORE_JS = """([root, css, want, before, failCss]) => {
  const norm = (s) => s.replace(/\\s+/g, ' ').trim();
  const n = Array.from(root.querySelectorAll(css)).filter((e) => norm(e.innerText) === want);
  if (n.length > before) return true;
  return failCss !== '' && document.querySelector(failCss) !== null;
}"""


def normalise(text: str) -> str:
    """Whitespace runs collapsed to one space, ends trimmed: how the page shows text back."""
    return " ".join(text.split())


def require_visible_text(text: str, what: str) -> None:
    """LinkedIn refuses blank messages and comments: fail early, before touching anything."""
    if not text.strip():
        raise TouchpointError(
            ErrorCode.INVALID_INPUT, f"{what} has no visible characters", retryable=False
        )


def _why(exc: PlaywrightTimeoutError) -> str:
    # Playwright's call log says what stood in the way; never quoted whole (it holds URLs).
    text = str(exc)
    if "intercepts pointer events" in text:
        return " (another element still intercepts pointer events)"
    if "not enabled" in text or "disabled" in text:
        return " (it stayed disabled)"
    return ""


async def click(locator: Locator, what: str) -> None:
    """Click `locator` itself, through any layer laid over it (see browser.clicks);
    UI_CHANGED when it never becomes clickable, OFF_HOST when the click took (or tried to
    take) the page off the LinkedIn host."""
    try:
        await act_through(locator, what, action="click", timeout_ms=CLICK_TIMEOUT_MS)
    except PlaywrightTimeoutError as exc:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"could not click {what}{_why(exc)}") from exc
    await ensure_on_host(locator.page)


async def hover(locator: Locator, what: str) -> None:
    """Hover `locator` itself, through any layer laid over it; UI_CHANGED when it cannot."""
    try:
        await act_through(locator, what, action="hover", timeout_ms=CLICK_TIMEOUT_MS)
    except PlaywrightTimeoutError as exc:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"could not hover {what}{_why(exc)}") from exc


async def editor_text(editor: Locator) -> str:
    """The editor's visible text, normalised."""
    return normalise(await editor.inner_text())


async def clear_editor(editor: Locator) -> None:
    """Empty the editor (a saved draft would otherwise be sent along)."""
    await click(editor, "the editor")
    if not await editor_text(editor):
        return
    await editor.page.keyboard.press("ControlOrMeta+a")
    await editor.page.keyboard.press("Backspace")
    if await editor_text(editor):
        raise TouchpointError(ErrorCode.UI_CHANGED, "could not clear the editor")


async def type_into_editor(editor: Locator, text: str, pace: Pace) -> None:
    """Type `text` exactly; new lines are Shift+Enter, which never sends under either setting.

    Fast pace inserts each line at once; human pace types key by key with a cadence.
    Verifies the editor shows the text (whitespace-normalised) afterwards.
    """
    await clear_editor(editor)
    keyboard = editor.page.keyboard
    for index, line in enumerate(text.split("\n")):
        if index:
            await keyboard.press("Shift+Enter")
        if not line:
            continue
        if pace.fast:
            await keyboard.insert_text(line)
            continue
        for char in line:
            if char in _INSERT_AS_TEXT:
                await keyboard.insert_text(char)
            else:
                # keyboard.type inserts characters no key produces (emoji) as text.
                await keyboard.type(char)
            await pace.dwell(*pace_gap(pace, char))
    if await editor_text(editor) != normalise(text):
        raise TouchpointError(ErrorCode.UI_CHANGED, "the editor did not keep the text")


def pace_gap(pace: Pace, char: str) -> tuple[float, float]:
    """A human keystroke gap (seconds) after `char`, as a (low, high) dwell range."""
    delay = pace.rng.lognormvariate(-2.4, 0.5)
    if char in " .,!?" and pace.rng.random() < 0.15:
        delay += pace.rng.uniform(0.2, 0.8)
    delay = min(delay, 1.5)
    return delay, delay


async def count_texts(scope: Locator, css: str, text: str) -> int:
    """How many elements matching `css` inside `scope` show `text` (normalised)."""
    handle = await scope.element_handle()
    if handle is None:
        return 0
    count: int = await scope.page.evaluate(_COUNT_JS, [handle, css, normalise(text)])
    return count


async def wait_text_added(
    page: Page,
    scope: Locator,
    css: str,
    text: str,
    before: int,
    timeout_ms: int,
    *,
    fail_css: str = "",
) -> bool:
    """Wait until one more element in `scope` shows `text` than `before`.

    False on timeout, or as soon as an element matching `fail_css` appears on the page.
    """
    handle = await scope.element_handle()
    if handle is None:
        return False
    want = normalise(text)
    try:
        await page.wait_for_function(
            _MORE_JS, arg=[handle, css, want, before, fail_css], timeout=timeout_ms
        )
    except PlaywrightTimeoutError:
        return False
    return await count_texts(scope, css, text) > before
