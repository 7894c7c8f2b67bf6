// Withdrawing invitations, on a profile (its Pending control) and on the sent-invitations
// page (a Withdraw per invitation, then a confirmation dialog). Dependency-free.
(function () {
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)JSESSIONID=("?)([^;"]*)\1/);
    return m ? m[2] : '';
  };
  const PENDING = 'Pending, click to withdraw invitation sent to ';
  const onSentPage = location.pathname.startsWith('/mynetwork/');
  const configEl = document.getElementById('sim-config');
  const SIM = configEl ? JSON.parse(configEl.textContent) : null;

  function toast(kind, text) {
    let box = document.querySelector('.artdeco-toasts_toasts');
    if (!box) {
      box = document.createElement('div');
      box.className = 'artdeco-toasts_toasts';
      document.body.appendChild(box);
    }
    const el = document.createElement('div');
    el.className = 'artdeco-toast-item';
    el.setAttribute('data-test-artdeco-toast-item-type', kind);
    el.setAttribute('role', 'alert');
    el.textContent = text;
    box.appendChild(el);
    setTimeout(() => el.remove(), 8000);
  }

  // Like LinkedIn's web client: an API call that comes back signed out or redirected to a
  // page (checkpoint, restriction notice, login) takes the whole tab there.
  function followRedirect(res) {
    if (res.status === 401) {
      location.assign('/login?session_redirect=' + encodeURIComponent(location.pathname));
      return true;
    }
    if (res.redirected && !new URL(res.url).pathname.startsWith('/voyager/')) {
      location.assign(res.url);
      return true;
    }
    return false;
  }

  function closeDialog() {
    document.querySelectorAll('[data-sim-withdraw-modal]').forEach((el) => el.remove());
  }

  function confirmDialog(name, onConfirm) {
    closeDialog();
    const wrap = document.createElement('div');
    wrap.className = 'artdeco-modal-overlay artdeco-modal-overlay--is-top-layer';
    wrap.setAttribute('data-sim-withdraw-modal', '');
    wrap.innerHTML = '<div role="dialog" aria-modal="true" aria-labelledby="sim-withdraw-h" class="artdeco-modal">' +
      '<button class="artdeco-modal__dismiss" aria-label="Dismiss" data-sim-withdraw-cancel>&times;</button>' +
      '<h2 id="sim-withdraw-h">Withdraw invitation</h2>' +
      '<div class="artdeco-modal__content"><p>If you withdraw now, you won\u2019t be able to resend to ' +
      esc(name) + ' for up to 3 weeks.</p></div>' +
      '<div class="artdeco-modal__actionbar">' +
      '<button class="artdeco-button artdeco-button--secondary" data-sim-withdraw-cancel>Cancel</button>' +
      '<button class="artdeco-button artdeco-button--primary" data-sim-withdraw-confirm>Withdraw</button>' +
      '</div></div>';
    document.body.appendChild(wrap);
    wrap.querySelectorAll('[data-sim-withdraw-cancel]').forEach((b) => b.addEventListener('click', closeDialog));
    wrap.querySelector('[data-sim-withdraw-confirm]').addEventListener('click', (ev) => {
      ev.currentTarget.disabled = true;
      onConfirm();
    });
  }

  async function withdraw(urn) {
    const res = await fetch('/voyager/api/voyagerRelationshipsDashInvitations?action=withdraw', {
      method: 'POST', credentials: 'include',
      headers: {'content-type': 'application/json', 'csrf-token': csrf(),
                'x-restli-protocol-version': '2.0.0',
                'x-li-page-instance': onSentPage ? 'urn:li:page:d_flagship3_people_invitations'
                                                 : 'urn:li:page:d_flagship3_profile_view_base'},
      body: JSON.stringify({inviteeProfileUrn: urn}),
    });
    if (followRedirect(res)) return false;
    closeDialog();
    if (!res.ok) { toast('error', 'Your invitation could not be withdrawn. Please try again.'); return false; }
    return true;
  }

  function profilePendingWithdrawn(control) {
    const invite = 'Invite ' + SIM.name + ' to connect';
    if (control.getAttribute('role') === 'menuitem') { location.reload(); return; }
    control.removeAttribute('data-sim-pending');
    control.setAttribute('data-sim-connect', '');
    control.setAttribute('aria-label', invite);
    control.textContent = 'Connect';
    toast('success', 'Invitation withdrawn');
  }

  document.addEventListener('click', (ev) => {
    const t = ev.target.closest('button, a, [role=menuitem]');
    if (!t) return;
    const label = t.getAttribute('aria-label') || '';
    if (SIM && (t.hasAttribute('data-sim-pending') || (t.getAttribute('role') === 'menuitem' && label.startsWith(PENDING)))) {
      confirmDialog(SIM.name, async () => { if (await withdraw(SIM.urn)) profilePendingWithdrawn(t); });
    } else if (t.hasAttribute('data-sim-withdraw')) {
      const card = t.closest('[data-sim-invitee]');
      confirmDialog(t.getAttribute('data-sim-name'), async () => {
        if (!(await withdraw(t.getAttribute('data-sim-withdraw')))) return;
        card.remove();
        toast('success', 'Invitation withdrawn');
      });
    }
  });

  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDialog(); });
})();
