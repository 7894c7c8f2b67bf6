"""A send or post button that stays disabled once the text is in is a state to diagnose,
never a click to retry: the page says why, in words or in its form fields.

Read in the compose / dialog / comment box (the typed text and the conversation history
left out), in this order:
- no credits ("no InMail credits", "0 credits", "used all your InMail credits") -> NO_CREDITS;
- a length counter over its limit ("1,312/1,250"), or "too long" / "character limit" ->
  INVALID_INPUT;
- a required field left empty (`required` / `aria-required`, `aria-invalid`, or "Subject is
  required") -> INVALID_INPUT naming the field;
- otherwise UI_CHANGED "<Send> stayed disabled after the text was entered: <visible hint>".
A disabled button is never clicked, so nothing is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loguru import logger
from playwright.async_api import Locator
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin.touchpoints.credits import says_no_credits
from linkedin.touchpoints.editor import normalise
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

# How long a button may take to enable after the last keystroke (React renders async).
ENABLE_TIMEOUT_MS = 3_000
_HINT_MAX = 200

_ENABLED_JS = """(el) => !(el.disabled || el.getAttribute('aria-disabled') === 'true'
  || el.closest('[aria-disabled="true"], fieldset[disabled]')
  || el.classList.contains('artdeco-button--disabled'))"""

# Never read as a hint: what was typed, and what others wrote (conversation, comments).
_NOT_HINTS = (
    '[contenteditable="true"], textarea, input, select, .msg-s-message-list-content, '
    ".msg-s-message-list, .comments-comments-list, .msg-s-event-listitem__body"
)
_HINT_CSS = (
    '[role="alert"], [role="status"], [aria-live], [class*="error"], [class*="feedback"], '
    '[class*="hint"], [class*="counter"], [class*="char-count"], [class*="warning"]'
)

_READ_JS = """(scope, [skip, hintCss]) => {
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const parts = [];
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !shown(parent)) continue;
    const text = norm(node.textContent);
    if (text) parts.push(text);
  }
  const hints = Array.from(scope.querySelectorAll(hintCss))
    .filter((el) => shown(el) && !el.closest(skip))
    .map((el) => norm(el.innerText)).filter(Boolean);
  const controls = 'input:not([type="hidden"]), textarea, select, [contenteditable="true"]';
  const fields = Array.from(scope.querySelectorAll(controls)).filter(shown).map((el) => {
    const byFor = el.id ? document.querySelector('label[for="' + CSS.escape(el.id) + '"]') : null;
    const value = el.isContentEditable ? el.innerText : (el.value || '');
    return {
      label: norm(el.getAttribute('aria-label') || el.getAttribute('placeholder')
        || (byFor && byFor.innerText) || el.getAttribute('name') || el.tagName.toLowerCase()),
      required: el.required === true || el.getAttribute('aria-required') === 'true',
      invalid: el.getAttribute('aria-invalid') === 'true',
      empty: norm(value) === '',
    };
  });
  return {text: parts.join(' '), hints: Array.from(new Set(hints)), fields};
}"""

_COUNTER = re.compile(r"(\d[\d,]*)\s*/\s*(\d[\d,]*)")
_TOO_LONG = re.compile(
    r"too long|character limit|exceed(?:s|ed)?\s+the\s+(?:maximum|limit)"
    r"|over\s+the\s+(?:character\s+)?limit|maximum\s+(?:of\s+)?\d[\d,]*\s+characters",
    re.IGNORECASE,
)
_REQUIRED = re.compile(r"\b([A-Za-z][\w ]{0,40}?)\s+(?:is|are)\s+required\b", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    """A form control near the disabled button, as the page shows it."""

    label: str
    required: bool = False
    invalid: bool = False
    empty: bool = False


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def diagnose(what: str, text: str, hints: list[str], fields: list[Field]) -> TouchpointError:
    """Why `what` (e.g. "Send") stays disabled, from the visible text, hints and fields."""
    hint = normalise(" ".join(hints))[:_HINT_MAX]
    said = f"{text} {' '.join(hints)}"
    if says_no_credits(said):
        return TouchpointError(
            ErrorCode.NO_CREDITS,
            f"no InMail credits left ({hint or 'LinkedIn says so'})",
            retryable=False,
        )
    for match in _COUNTER.finditer(said):
        used, limit = _number(match.group(1)), _number(match.group(2))
        if 0 < limit < used:
            return TouchpointError(
                ErrorCode.INVALID_INPUT,
                f"the text is longer than LinkedIn allows here ({match.group(0)} characters)",
                retryable=False,
            )
    if _TOO_LONG.search(said):
        return TouchpointError(
            ErrorCode.INVALID_INPUT, f"LinkedIn says the text is too long: {hint}", retryable=False
        )
    for field in fields:
        if field.empty and (field.required or field.invalid):
            return TouchpointError(
                ErrorCode.INVALID_INPUT,
                f"{field.label} is required (LinkedIn keeps {what} disabled while it is empty)",
                retryable=False,
            )
    required = _REQUIRED.search(said)
    if required:
        return TouchpointError(
            ErrorCode.INVALID_INPUT, f"LinkedIn says: {required.group(0)}", retryable=False
        )
    for field in fields:
        if field.invalid:
            return TouchpointError(
                ErrorCode.INVALID_INPUT, f"LinkedIn marks {field.label} as invalid", retryable=False
            )
    message = f"{what} stayed disabled after the text was entered"
    return TouchpointError(ErrorCode.UI_CHANGED, f"{message}: {hint}" if hint else message)


async def _scope_of(button: Locator) -> Locator:
    for xpath in ("ancestor::form[1]", "ancestor::*[@role='dialog'][1]", "parent::*"):
        candidate = button.locator(f"xpath={xpath}")
        if await candidate.count() > 0:
            return candidate.first
    return button


async def require_enabled(button: Locator, what: str, *, scope: Locator | None = None) -> None:
    """Return once `button` is enabled; if it stays disabled, raise what the page says why.

    `scope` is where to read the reasons (default: the button's form, else its dialog).
    """
    handle = await button.element_handle()
    if handle is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"{what} vanished before it could be clicked")
    try:
        await button.page.wait_for_function(_ENABLED_JS, arg=handle, timeout=ENABLE_TIMEOUT_MS)
        return
    except PlaywrightTimeoutError:
        pass
    where = scope if scope is not None else await _scope_of(button)
    found = await where.evaluate(_READ_JS, [_NOT_HINTS, _HINT_CSS])
    fields = [Field(**field) for field in found["fields"]]
    error = diagnose(what, str(found["text"]), list(found["hints"]), fields)
    logger.info("{} stays disabled: {} {}", what, error.code, error.message)
    raise error
