// Layers that swallow clicks over the page, like LinkedIn's (README "Click-intercepting
// layers"): none can be closed by automation that only means to click its own target.
// Every click that reaches a layer (or a control inside it) is recorded at
// /__sim/layer_clicks, so tests can prove nothing clicked it. Dependency-free.
(function () {
  const config = document.getElementById('sim-blocker');
  if (!config) return;
  const CFG = JSON.parse(config.textContent);
  const anchor = () => document.querySelector(CFG.anchor);

  function record(layer, ev) {
    // Clicks on a layer never reach the page below it, as on LinkedIn.
    ev.preventDefault();
    ev.stopPropagation();
    const control = ev.target.closest('button, a');
    const name = control ? (control.getAttribute('aria-label') || control.textContent.trim()) : '';
    fetch('/__sim/layer_clicks', {
      method: 'POST', credentials: 'include', headers: {'content-type': 'application/json'},
      body: JSON.stringify({kind: CFG.kind, control: name, path: location.pathname}),
    });
  }

  function mount(layer) {
    layer.setAttribute('data-sim-layer', CFG.kind);
    layer.addEventListener('click', (ev) => record(layer, ev), true);
    document.body.appendChild(layer);
    return layer;
  }

  function fullPage(id, cls) {
    const layer = document.createElement('div');
    if (id) layer.id = id;
    if (cls) layer.className = cls;
    // Transparent: nothing shows, yet it receives every pointer event.
    layer.style.cssText = 'position:fixed;inset:0;z-index:5000;background:transparent';
    return layer;
  }

  // The named variant: #interop-outlet with no close control; Escape does nothing.
  function interopNoClose() {
    const layer = fullPage('interop-outlet', '');
    layer.setAttribute('data-testid', 'interop-shadowdom');
    layer.setAttribute('data-sim-sticky', '');
    mount(layer);
  }

  // A consent bar fixed at the bottom that locks scrolling while it shows (as consent
  // managers do); the page is laid out so the target sits under it.
  function cookieBar() {
    const box = document.createElement('div');
    box.id = 'artdeco-global-alert-container';
    box.innerHTML = '<section class="artdeco-global-alert artdeco-global-alert--COOKIE_CONSENT" ' +
      'role="region" aria-label="Cookie consent">' +
      '<p>LinkedIn and 3rd parties use essential and non-essential cookies to provide, secure, ' +
      'analyze and improve our Services. Learn more in our Cookie Policy.</p>' +
      '<button class="artdeco-global-alert-action artdeco-button" aria-label="Accept cookies">Accept</button>' +
      '<button class="artdeco-global-alert-action artdeco-button" aria-label="Reject cookies">Reject</button>' +
      '</section>';
    box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;height:120px;z-index:6000;' +
      'background:#fff;border-top:1px solid #ccc;padding:12px 24px;box-sizing:border-box';
    mount(box);
    const target = anchor();
    if (!target) return;
    const r = target.getBoundingClientRect();
    const shift = window.innerHeight - 60 - (r.top + r.height / 2);
    if (shift > 0) document.body.style.paddingTop = shift + 'px';
    document.body.style.position = 'fixed';
    document.body.style.inset = '0';
  }

  // The messaging bubble, popped out over the target's row (anchored to it).
  function chatBubble() {
    const aside = document.createElement('aside');
    aside.id = 'msg-overlay';
    aside.className = 'msg-overlay-container';
    aside.innerHTML = '<div class="msg-overlay-list-bubble">' +
      '<header class="msg-overlay-bubble-header"><h2>Messaging</h2>' +
      '<button class="msg-overlay-bubble-header__control" aria-label="Compose message">New</button>' +
      '<button class="msg-overlay-bubble-header__control" aria-label="Minimize messaging">–</button>' +
      '</header><ul class="msg-overlay-list-bubble__conversations"><li>No new messages</li></ul></div>';
    mount(aside);
    const place = () => {
      const target = anchor();
      if (!target) return;
      const r = target.getBoundingClientRect();
      // In page coordinates: it scrolls with the row it covers.
      const left = window.scrollX + r.left - 16, top = window.scrollY + r.top - 48;
      aside.style.cssText = 'position:absolute;z-index:6000;background:#fff;border:1px solid #ccc;' +
        'border-radius:8px;box-shadow:0 4px 12px rgba(0,0,0,.2);' +
        'left:' + Math.max(0, left) + 'px;top:' + Math.max(0, top) + 'px;' +
        'width:' + Math.max(r.width + 32, 288) + 'px;height:' + (r.height + 96) + 'px';
    };
    place();
    window.addEventListener('resize', place);
  }

  // Slides in a moment after the page loaded: after 1.5 s, or right after the first click.
  function lateLayer() {
    let shown = false;
    const show = () => {
      if (shown) return;
      shown = true;
      mount(fullPage('', 'promo-layer artdeco-hoverable-content'));
    };
    setTimeout(show, 1500);
    document.addEventListener('click', () => setTimeout(show, 0), {capture: true, once: true});
  }

  // A promo layer holding a button named exactly like the target, right over it.
  function decoyLayer() {
    const layer = fullPage('', 'pymk-promo-layer');
    layer.style.background = 'rgba(0,0,0,.04)';
    layer.innerHTML = '<section class="pymk-promo" aria-label="People you may know">' +
      '<h2 style="position:absolute;left:24px;bottom:24px">People you may know</h2></section>';
    mount(layer);
    const original = anchor() && anchor().querySelector('button, a');
    if (!original) return;
    const decoy = document.createElement('button');
    decoy.className = original.className;
    decoy.setAttribute('aria-label', original.getAttribute('aria-label') || '');
    decoy.textContent = original.textContent;
    layer.querySelector('section').appendChild(decoy);
    const place = () => {
      const r = original.getBoundingClientRect();
      decoy.style.cssText = 'position:absolute;margin:0;left:' + r.left + 'px;top:' + r.top +
        'px;width:' + r.width + 'px;height:' + r.height + 'px';
    };
    place();
    window.addEventListener('scroll', place, {passive: true});
    window.addEventListener('resize', place);
  }

  const kinds = {
    interop_no_close: interopNoClose,
    cookie_bar: cookieBar,
    chat_bubble: chatBubble,
    late_layer: lateLayer,
    decoy_layer: decoyLayer,
  };
  (kinds[CFG.kind] || (() => {}))();
})();
