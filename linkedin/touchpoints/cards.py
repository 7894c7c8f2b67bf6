"""Lists of cards read in one round trip (sent invitations, conversations, messages).

Each list's card selector has variants; the first variant that matches anything is used
(variants never mix), and of its matches only the innermost ones (a card holds no other
card), so a variant that also matches a wrapper never counts it as a card.
"""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

# JS function source: (variants) => the innermost matches of the first matching variant.
PICK_CARDS_JS = """(variants) => {
  for (const css of variants) {
    let all;
    try { all = Array.from(document.querySelectorAll(css)); } catch (e) { continue; }
    const cards = all.filter((el) => !all.some((o) => o !== el && el.contains(o)));
    if (cards.length) return cards;
  }
  return [];
}"""
# JS function source: (el, variants) => the first element inside `el` matching a variant.
FIRST_IN_JS = """(el, variants) => {
  for (const css of variants) {
    let found = null;
    try { found = el.querySelector(css); } catch (e) { continue; }
    if (found) return found;
  }
  return null;
}"""
# JS function source: (el, variants) => whether `el` itself or anything in it matches.
HAS_JS = """(el, variants) => variants.some((css) => {
  try { return el.matches(css) || el.querySelector(css) !== null; } catch (e) { return false; }
})"""
# JS function source: visible text of an element ('' for none).
TEXT_JS = """(node) => node ? (node.innerText || node.textContent || '').trim() : ''"""


class CardList:
    """One list of cards: its selector variants and how a card is told apart (`key_js`, a
    JS function of a card returning a string), to notice when the list changes."""

    def __init__(self, variants: Sequence[str], key_js: str) -> None:
        self.variants = list(variants)
        self._keys_js = f"(variants) => ({PICK_CARDS_JS})(variants).map({key_js})"
        # True once the cards differ from `before` (another page, or a batch appended).
        self._changed_js = f"""([variants, before]) => {{
  const keys = ({self._keys_js})(variants);
  return keys.length > 0 && keys.join('\\n') !== before.join('\\n');
}}"""

    async def keys(self, page: Page) -> list[str]:
        """The keys of the cards shown now, in order."""
        keys: list[str] = await page.evaluate(self._keys_js, self.variants)
        return keys

    async def changed(self, page: Page, before: list[str], timeout_ms: float) -> str | None:
        """ "changed" once the cards differ from `before`; None if they did not in time."""
        try:
            await page.wait_for_function(
                self._changed_js, arg=[self.variants, before], timeout=timeout_ms
            )
        except PlaywrightTimeoutError:
            return None
        return "changed"
