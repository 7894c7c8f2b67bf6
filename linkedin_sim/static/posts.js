// Posts on the post page and the recent-activity page: a hover-only reactions menu,
// reaction state in aria-pressed, the comment box, and lazy loading on scroll.
(function () {
  const CFG = JSON.parse(document.getElementById('sim-posts').textContent);
  const LABELS = {LIKE: 'Like', CELEBRATE: 'Celebrate', SUPPORT: 'Support', LOVE: 'Love',
                  INSIGHTFUL: 'Insightful', FUNNY: 'Funny'};
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)JSESSIONID=("?)([^;"]*)\1/);
    return m ? m[2] : '';
  };
  // Like LinkedIn's web client: an API call answered signed out, or redirected to a page
  // (checkpoint, restriction notice, login), takes the whole tab there.
  function followedBlocker(res) {
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
  const api = (method, url, body) => fetch(url, {
    method, credentials: 'include',
    headers: {'content-type': 'application/json', 'csrf-token': csrf()},
    body: body ? JSON.stringify(body) : undefined,
  });

  function setupReactions(post, urn) {
    const wrap = post.querySelector('.reactions-react-button');
    const trigger = wrap.querySelector('.react-button__trigger');
    let current = CFG.reactions[urn] || null;
    let menu = null;
    let openTimer = null;
    let closeTimer = null;

    function paint() {
      const label = LABELS[current || 'LIKE'];
      trigger.setAttribute('aria-pressed', current ? 'true' : 'false');
      trigger.setAttribute('aria-label', 'React ' + label);
      trigger.querySelector('.react-button__text').textContent = label;
      trigger.classList.toggle('react-button--active', !!current);
    }
    async function react(type) {
      const url = '/voyager/api/voyagerSocialDashReactions?threadUrn=' + encodeURIComponent(urn);
      const res = type ? await api('POST', url, {reactionType: type}) : await api('DELETE', url);
      if (followedBlocker(res)) return;
      if (res.ok) { current = type; paint(); }
    }
    function closeMenu() {
      if (menu) { menu.remove(); menu = null; }
    }
    function openMenu() {
      if (menu) return;
      menu = document.createElement('span');
      menu.className = 'reactions-menu reactions-menu--active reactions-menu--humor-enabled';
      menu.setAttribute('role', 'toolbar');
      menu.setAttribute('aria-label', 'Reactions menu');
      menu.innerHTML = Object.keys(LABELS).map((type) =>
        '<button type="button" class="reactions-menu__reaction-index reactions-menu__reaction" ' +
        'aria-label="' + LABELS[type] + '" data-sim-reaction="' + type + '">' +
        '<span class="reactions-menu__reaction-description">' + LABELS[type] + '</span></button>'
      ).join('');
      menu.addEventListener('click', (ev) => {
        const button = ev.target.closest('[data-sim-reaction]');
        if (!button) return;
        ev.stopPropagation();
        closeMenu();
        react(button.getAttribute('data-sim-reaction'));
      });
      wrap.appendChild(menu);
    }
    // The menu opens only after the pointer rests on the button (or the menu), like
    // LinkedIn's; a click alone never opens it.
    wrap.addEventListener('mouseenter', () => {
      clearTimeout(closeTimer);
      if (!menu) openTimer = setTimeout(openMenu, 150);
    });
    wrap.addEventListener('mouseleave', () => {
      clearTimeout(openTimer);
      closeTimer = setTimeout(closeMenu, 300);
    });
    // A plain click toggles Like (and removes any current reaction), as on LinkedIn.
    trigger.addEventListener('click', () => {
      clearTimeout(openTimer);
      closeMenu();
      react(current ? null : 'LIKE');
    });
    paint();
  }

  function setupComments(post, urn) {
    const box = post.querySelector('.comments-comment-box');
    const form = post.querySelector('.comments-comment-box__form');
    const submit = post.querySelector('.comments-comment-box__submit-button');
    const list = post.querySelector('.comments-comments-list');
    const editor = window.SimEditor(post.querySelector('.ql-editor'), {
      onChange: (text) => { submit.disabled = text.trim() === ''; },
    });
    post.querySelector('[data-sim-comment]').addEventListener('click', () => {
      box.hidden = false;
      post.querySelector('.ql-editor').focus();
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = editor.value();
      if (text.trim() === '' || submit.disabled) return;
      submit.disabled = true;
      const res = await api('POST', '/voyager/api/voyagerSocialDashNormComments',
        {threadUrn: urn, commentary: {text}});
      if (followedBlocker(res)) return;
      if (!res.ok) {
        submit.disabled = false;
        const el = document.createElement('div');
        el.className = 'artdeco-toast-item';
        el.setAttribute('data-test-artdeco-toast-item-type', 'error');
        el.setAttribute('role', 'alert');
        el.textContent = 'Your comment couldn\u2019t be posted. Please try again.';
        document.body.appendChild(el);
        return;
      }
      const item = document.createElement('article');
      item.className = 'comments-comment-entity comments-comment-item';
      item.innerHTML = '<span class="comments-comment-meta__description-title">' + esc(CFG.me) +
        '</span><div class="comments-comment-item__main-content update-components-text" dir="ltr">' +
        '<span class="sim-pre"></span></div>';
      item.querySelector('.sim-pre').textContent = text;
      list.appendChild(item);
      editor.clear();
    });
  }

  function setup(post) {
    const urn = post.getAttribute('data-urn');
    if (!post.querySelector('.reactions-react-button')) return;
    setupReactions(post, urn);
    setupComments(post, urn);
  }

  document.querySelectorAll('.feed-shared-update-v2[data-urn]').forEach(setup);

  // The recent-activity page shows a first batch and appends more near the bottom.
  const deferred = CFG.deferred || [];
  const feed = document.querySelector('[data-sim-feed]');
  function loadMore() {
    if (!deferred.length || !feed) return;
    if (window.innerHeight + window.scrollY < document.body.scrollHeight - 400) return;
    deferred.splice(0, CFG.batch || 5).forEach((html) => {
      const holder = document.createElement('div');
      holder.innerHTML = html;
      const post = holder.firstElementChild;
      feed.appendChild(post);
      setup(post);
    });
  }
  window.addEventListener('scroll', loadMore, {passive: true});
})();
