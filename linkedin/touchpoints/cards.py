"""Lists of cards read in one round trip (sent invitations, conversations, messages).

Each list's card selector has variants; the first variant that matches anything is used
(variants never mix), and of its matches only the innermost ones (a card holds no other
card), so a variant that also matches a wrapper never counts it as a card.
"""

from __future__ import annotations

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
