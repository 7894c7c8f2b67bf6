// The simulated profile page's behaviour: menus, dialogs, a React-like controlled note
// field and the invitation XHR. Dependency-free so the simulator works offline.
(function () {
  const SIM = JSON.parse(document.getElementById('sim-config').textContent);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)JSESSIONID=("?)([^;"]*)\1/);
    return m ? m[2] : '';
  };
  let menuEl = null;
  let sending = false;

  function closeMenu() {
    if (menuEl) { menuEl.remove(); menuEl = null; }
    const trigger = document.querySelector('[data-sim-more]');
    if (trigger) trigger.setAttribute('aria-expanded', 'false');
  }

  function openMenu(trigger) {
    closeMenu();
    // Rendered as a portal at the end of <body>, outside the top card, like LinkedIn's.
    menuEl = document.createElement('div');
    menuEl.className = 'artdeco-dropdown__content artdeco-dropdown--is-open';
    menuEl.setAttribute('role', 'menu');
    menuEl.innerHTML = '<ul>' + SIM.menu.map((item, i) =>
      '<li><div role="menuitem" tabindex="0" class="artdeco-dropdown__item" data-index="' + i +
      '" aria-label="' + esc(item.label) + '"><span>' + esc(item.text) + '</span></div></li>'
    ).join('') + '</ul>';
    const r = trigger.getBoundingClientRect();
    menuEl.style.left = (window.scrollX + r.left) + 'px';
    menuEl.style.top = (window.scrollY + r.bottom + 4) + 'px';
    document.body.appendChild(menuEl);
    trigger.setAttribute('aria-expanded', 'true');
    menuEl.addEventListener('click', (ev) => {
      const item = ev.target.closest('[role=menuitem]');
      if (!item) return;
      const entry = SIM.menu[Number(item.dataset.index)];
      closeMenu();
      if (entry.kind === 'connect') startInvite();
    });
  }

  function toast(kind, text) {
    const box = document.querySelector('.artdeco-toasts_toasts');
    const el = document.createElement('div');
    el.className = 'artdeco-toast-item';
    el.setAttribute('data-test-artdeco-toast-item-type', kind);
    el.setAttribute('role', 'alert');
    el.textContent = text;
    box.appendChild(el);
    setTimeout(() => el.remove(), 8000);
  }

  function closeModals() {
    document.querySelectorAll('.artdeco-modal-overlay').forEach((el) => el.remove());
  }

  function modal(inner, opts) {
    const wrap = document.createElement('div');
    wrap.className = 'artdeco-modal-overlay artdeco-modal-overlay--is-top-layer';
    const role = (opts && opts.role) || 'dialog';
    const cls = (opts && opts.cls) || '';
    wrap.innerHTML = '<div role="' + role + '" aria-modal="true" aria-labelledby="sim-modal-h" ' +
      'class="artdeco-modal ' + cls + '">' +
      '<button class="artdeco-modal__dismiss" aria-label="Dismiss" data-sim-dismiss>&times;</button>' +
      inner + '</div>';
    document.body.appendChild(wrap);
    wrap.querySelectorAll('[data-sim-dismiss]').forEach((b) => b.addEventListener('click', closeModals));
    return wrap;
  }

  function markPending() {
    const label = 'Pending, click to withdraw invitation sent to ' + SIM.name;
    const connect = document.querySelector('[data-sim-connect]');
    if (connect) {
      connect.removeAttribute('data-sim-connect');
      connect.setAttribute('data-sim-pending', '');
      connect.setAttribute('aria-label', label);
      connect.textContent = 'Pending';
    }
    SIM.menu.forEach((item) => {
      if (item.kind === 'connect') { item.kind = 'pending'; item.label = label; item.text = 'Pending'; }
    });
  }

  function weeklyLimit() {
    closeModals();
    modal('<h2 id="sim-modal-h">You\u2019ve reached the weekly invitation limit</h2>' +
      '<p>You\u2019ve reached the weekly limit for connection requests. Please try again next week.</p>' +
      '<div class="artdeco-modal__actionbar"><button class="artdeco-button artdeco-button--primary" ' +
      'data-sim-dismiss>Got it</button></div>', {role: 'alertdialog', cls: 'ip-fuse-limit-alert'});
    document.querySelectorAll('.ip-fuse-limit-alert [data-sim-dismiss]').forEach((b) => b.addEventListener('click', closeModals));
  }

  async function send(note, button) {
    if (sending) return;
    sending = true;
    if (button) button.disabled = true;
    const body = {invitee: {inviteeUnion: {memberProfile: SIM.urn}}};
    if (note !== null) body.customMessage = note;
    let res;
    try {
      res = await fetch('/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2', {
        method: 'POST', credentials: 'include',
        headers: {'content-type': 'application/json', 'csrf-token': csrf(),
                  'x-restli-protocol-version': '2.0.0'},
        body: JSON.stringify(body),
      });
    } finally { sending = false; }
    // Like LinkedIn's web client: signed out, or redirected to a page (checkpoint,
    // restriction notice, login), the whole tab goes there.
    if (res.status === 401) {
      location.assign('/login?session_redirect=' + encodeURIComponent(location.pathname));
      return;
    }
    if (res.redirected && !new URL(res.url).pathname.startsWith('/voyager/')) {
      location.assign(res.url);
      return;
    }
    if (res.status === 429) { weeklyLimit(); return; }
    closeModals();
    if (!res.ok) { toast('error', 'Your invitation could not be sent. Please try again.'); return; }
    markPending();
    toast('success', 'Your invitation to ' + SIM.name + ' was sent.');
  }

  function noteDialog(fresh) {
    // A controlled field: the note sent is the component state, updated only by input events.
    let value = '';
    const inner = '<h2 id="sim-modal-h">Add a note to your invitation</h2>' +
      '<div class="artdeco-modal__content"><label for="custom-message">Personalize your invitation to ' +
      esc(SIM.name) + '</label><textarea name="message" id="custom-message" maxlength="300" ' +
      'class="connect-button-send-invite__custom-message" placeholder="Ex: We know each other from\u2026"></textarea>' +
      '<div class="t-14" data-sim-counter>0/300</div></div>' +
      '<div class="artdeco-modal__actionbar"><button class="artdeco-button" data-sim-dismiss>Cancel</button>' +
      '<button class="artdeco-button artdeco-button--primary" aria-label="Send invitation" data-sim-send>' +
      'Send</button></div>';
    const wrap = fresh ? modal(inner) : null;
    return {inner, bind(root) {
      const ta = root.querySelector('#custom-message');
      const btn = root.querySelector('[data-sim-send]');
      const counter = root.querySelector('[data-sim-counter]');
      btn.disabled = SIM.flow === 'gate';
      ta.addEventListener('input', () => {
        value = ta.value;
        counter.textContent = value.length + '/300';
        if (SIM.flow === 'gate') btn.disabled = value.length === 0;
      });
      btn.addEventListener('click', () => send(value, btn));
      root.querySelectorAll('[data-sim-dismiss]').forEach((b) => b.addEventListener('click', closeModals));
      return root;
    }, wrap};
  }

  function classicDialog() {
    const wrap = modal('<h2 id="sim-modal-h">Invite ' + esc(SIM.name) + ' to connect</h2>' +
      '<div class="artdeco-modal__content"><p>You can add a note to personalize your invitation to ' +
      esc(SIM.name) + '.</p></div><div class="artdeco-modal__actionbar">' +
      '<button class="artdeco-button" aria-label="Add a note" data-sim-add-note>Add a note</button>' +
      '<button class="artdeco-button artdeco-button--primary" aria-label="Send without a note" ' +
      'data-sim-send-bare>Send without a note</button></div>');
    wrap.querySelector('[data-sim-send-bare]').addEventListener('click', (ev) => send(null, ev.currentTarget));
    wrap.querySelector('[data-sim-add-note]').addEventListener('click', () => {
      // Same dialog, new content, like LinkedIn's in-place re-render.
      const dialog = wrap.querySelector('[role=dialog]');
      const nd = noteDialog(false);
      dialog.innerHTML = '<button class="artdeco-modal__dismiss" aria-label="Dismiss" data-sim-dismiss>&times;</button>' + nd.inner;
      nd.bind(dialog);
    });
  }

  function gateDialog() {
    const wrap = modal('<h2 id="sim-modal-h">Add a note to your invitation?</h2>' +
      '<div class="artdeco-modal__content"><p>Personalize your invitation to ' + esc(SIM.name) +
      ' by adding a note. LinkedIn members are more likely to accept invitations that include a note.</p></div>' +
      '<div class="artdeco-modal__actionbar">' +
      '<button class="artdeco-button" aria-label="Add a note" data-sim-add-note>Add a note</button>' +
      '<button class="artdeco-button artdeco-button--primary" aria-label="Send without a note" ' +
      'data-sim-send-bare>Send without a note</button></div>');
    wrap.querySelector('[data-sim-send-bare]').addEventListener('click', (ev) => send(null, ev.currentTarget));
    wrap.querySelector('[data-sim-add-note]').addEventListener('click', () => {
      // The gate closes and a second, separate dialog opens a moment later.
      closeModals();
      setTimeout(() => { const nd = noteDialog(true); nd.bind(nd.wrap); }, 150);
    });
  }

  function emailDialog() {
    const wrap = modal('<h2 id="sim-modal-h">Invite ' + esc(SIM.name) + ' to connect</h2>' +
      '<div class="artdeco-modal__content"><p>To verify this member knows you, please enter their email to connect.</p>' +
      '<label for="email">Email</label><input type="email" id="email" name="email" autocomplete="off"></div>' +
      '<div class="artdeco-modal__actionbar"><button class="artdeco-button" data-sim-dismiss>Cancel</button>' +
      '<button class="artdeco-button artdeco-button--primary" aria-label="Send invitation" disabled>Send</button></div>');
    return wrap;
  }

  function startInvite() {
    if (SIM.weeklyLimit) { weeklyLimit(); return; }
    if (SIM.emailRequired) { emailDialog(); return; }
    if (SIM.flow === 'instant') { send(null, null); return; }
    if (SIM.flow === 'gate') { gateDialog(); return; }
    classicDialog();
  }

  document.addEventListener('click', (ev) => {
    const t = ev.target.closest('button, a, [role=menuitem]');
    if (menuEl && !(t && (menuEl.contains(t) || t.hasAttribute('data-sim-more')))) closeMenu();
    if (!t) return;
    if (t.hasAttribute('data-sim-connect')) startInvite();
    else if (t.hasAttribute('data-sim-more')) { menuEl ? closeMenu() : openMenu(t); }
    else if (t.hasAttribute('data-sim-sidebar-invite')) {
      // Sidebar buttons invite *another* member at once: automation must never click them.
      const urn = t.getAttribute('data-sim-sidebar-invite');
      fetch('/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2', {
        method: 'POST', credentials: 'include',
        headers: {'content-type': 'application/json', 'csrf-token': csrf()},
        body: JSON.stringify({invitee: {inviteeUnion: {memberProfile: urn}}}),
      }).then((r) => { if (r.ok) { t.textContent = 'Pending'; t.setAttribute('aria-label', 'Pending'); } });
    }
  });

  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    const outlet = document.getElementById('interop-outlet');
    if (outlet && !outlet.hasAttribute('data-sim-sticky')) { outlet.remove(); return; }
    if (menuEl) { closeMenu(); return; }
    closeModals();
  });

  if (SIM.overlay) {
    // A notification overlay present from page load that swallows every click on the
    // page until dismissed (its "Not now" button, aria-label Dismiss, or Escape).
    const outlet = document.createElement('div');
    outlet.id = 'interop-outlet';
    outlet.setAttribute('data-testid', 'interop-shadowdom');
    outlet.innerHTML = '<div class="interop-panel" role="region" aria-label="Notifications">' +
      '<p>Turn on notifications to stay up to date.</p>' +
      '<button class="artdeco-button" aria-label="Dismiss" data-sim-outlet-dismiss>Not now</button></div>';
    outlet.querySelector('[data-sim-outlet-dismiss]').addEventListener('click', (ev) => {
      ev.stopPropagation();
      outlet.remove();
    });
    document.body.appendChild(outlet);
  }
})();
