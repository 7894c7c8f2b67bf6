"""Click (or hover) the element we mean, whatever layer LinkedIn lays over it.

LinkedIn puts layers over the page that swallow pointer events: `#interop-outlet` (often
transparent, with no close control, deaf to Escape), cookie-consent bars, the messaging
bubble, promos that slide in a moment after the page loaded, some holding buttons named
like ours. Playwright refuses to click when another element would receive the click ("...
intercepts pointer events") and retries until its timeout.

While a click or hover is pending, the element at the target's centre
(`document.elementFromPoint`) is checked; if it is neither the target nor inside it, the
interceptor's outermost fixed / absolute / sticky ancestor that does not contain the target
gets `pointer-events: none` (its descendants too), and Playwright's own retry then lands
on the target. The target and its ancestors are never touched, and nothing else is ever
clicked (a decoy button inside the layer included). Each neutralised layer is logged.
A layer neutralised earlier gets its pointer events back when a later target lies inside
it (LinkedIn renders some dialogs inside `#interop-outlet`).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Literal

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

# How often a pending click looks for an interceptor (it may arrive late).
CHECK_INTERVAL_S = 0.25
_CHECK_TIMEOUT_MS = 1_000
MARK = "data-oo-click-through"

# Returns descriptions of what it neutralised ([] when nothing covers the target).
_NEUTRALISE_JS = """(target, mark) => {
  const describe = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    const classes = Array.from(el.classList).slice(0, 2);
    if (classes.length) text += '.' + classes.join('.');
    return text;
  };
  // The composed parent: a shadow root's host stands for the shadow root.
  const up = (node) => {
    const parent = node.parentNode;
    return parent && parent.nodeType === 11 ? parent.host : parent;
  };
  const contains = (outer, inner) => {
    for (let node = inner; node; node = up(node)) {
      if (node === outer) return true;
    }
    return false;
  };
  const deepest = (x, y) => {
    let hit = document.elementFromPoint(x, y);
    while (hit && hit.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  };
  if (!document.getElementById('oo-click-through-style')) {
    const style = document.createElement('style');
    style.id = 'oo-click-through-style';
    style.textContent = '[' + mark + '], [' + mark + '] * { pointer-events: none !important; }';
    (document.head || document.documentElement).appendChild(style);
  }
  // A layer let through earlier may hold this target (LinkedIn renders dialogs inside
  // #interop-outlet): give it its pointer events back first.
  for (let node = target; node; node = up(node)) {
    if (node.nodeType === 1 && node.hasAttribute(mark)) {
      const [value, priority] = node.getAttribute(mark).split('|');
      node.removeAttribute(mark);
      node.style.removeProperty('pointer-events');
      if (value) node.style.setProperty('pointer-events', value, priority || '');
    }
  }
  const done = [];
  for (let round = 0; round < 5; round++) {
    const r = target.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return done;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return done;
    const hit = deepest(x, y);
    if (!hit || contains(target, hit) || contains(hit, target)) return done;
    // The outermost positioned ancestor of the interceptor that is not also the target's.
    let root = hit;
    for (let node = hit; node && node.nodeType === 1; node = up(node)) {
      if (node === document.body || node === document.documentElement) break;
      if (contains(node, target)) break;
      const position = getComputedStyle(node).position;
      if (position === 'fixed' || position === 'absolute' || position === 'sticky') root = node;
    }
    if (root.hasAttribute(mark)) {
      // A descendant insists on pointer-events (inline !important, or inside a shadow root).
      root = hit;
      if (root.hasAttribute(mark)) return done;
    }
    // The mark keeps the element's own inline pointer-events, to restore it later.
    const own = root.style.getPropertyValue('pointer-events');
    root.setAttribute(mark, own + '|' + root.style.getPropertyPriority('pointer-events'));
    root.style.setProperty('pointer-events', 'none', 'important');
    done.push(describe(root));
  }
  return done;
}"""


async def neutralise_interceptors(target: Locator, what: str) -> list[str]:
    """Let pointer events through whatever covers `target`'s centre; log what was done.

    Returns the neutralised elements' descriptions (tag#id.class); [] when nothing covers
    the target, or when it cannot be checked now (not attached, off screen, navigating).
    """
    try:
        done: list[str] = await target.evaluate(_NEUTRALISE_JS, MARK, timeout=_CHECK_TIMEOUT_MS)
    except PlaywrightError:
        return []
    for element in done:
        logger.info("neutralised click-intercepting {} over {}", element, what)
    return done


async def act_through(
    target: Locator, what: str, *, action: Literal["click", "hover"], timeout_ms: int
) -> None:
    """Click or hover `target` (Playwright's actionability checks and timeout apply),
    neutralising any layer that intercepts pointer events over it meanwhile.

    Raises Playwright's TimeoutError when the target never becomes actionable.
    """
    if action == "click":
        task = asyncio.ensure_future(target.click(timeout=timeout_ms))
    else:
        task = asyncio.ensure_future(target.hover(timeout=timeout_ms))
    try:
        while not task.done():
            await neutralise_interceptors(target, what)
            await asyncio.wait({task}, timeout=CHECK_INTERVAL_S)
        task.result()
    finally:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError, PlaywrightError):
                await task
