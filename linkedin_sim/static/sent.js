// More sent invitations: numbered pages (each a new document), a "Show more results"
// button, or an infinite list that fetches the next batch when its end comes into view.
(function () {
  const API = '/voyager/api/relationships/sentInvitationViewsV2';
  let loading = false;

  function toast(text) {
    const el = document.createElement('div');
    el.className = 'artdeco-toast-item';
    el.setAttribute('data-test-artdeco-toast-item-type', 'error');
    el.setAttribute('role', 'alert');
    el.textContent = text;
    (document.querySelector('.artdeco-toasts_toasts') || document.body).appendChild(el);
  }

  // Append the next batch after the cards already shown; false when it failed.
  async function loadMore() {
    const list = document.querySelector('[data-sim-sent-list] ul');
    if (!list || loading) return false;
    loading = true;
    const main = document.querySelector('main');
    const loader = document.createElement('div');
    loader.className = 'artdeco-loader';
    loader.setAttribute('role', 'progressbar');
    loader.setAttribute('aria-label', 'Loading more invitations');
    main.appendChild(loader);
    try {
      const start = list.querySelectorAll('li[data-sim-invitee]').length;
      const res = await fetch(API + '?start=' + start, {credentials: 'include'});
      if (res.status === 401) {
        location.assign('/login?session_redirect=' + encodeURIComponent(location.pathname));
        return false;
      }
      if (!res.ok) { toast('Something went wrong. Please try again.'); return false; }
      const data = await res.json();
      list.insertAdjacentHTML('beforeend', data.html);
      if (!data.more) {
        document.querySelectorAll('[data-sim-sent-more-box], [data-sim-sent-sentinel]')
          .forEach((el) => el.remove());
      }
      return true;
    } finally {
      loader.remove();
      loading = false;
    }
  }

  document.addEventListener('click', async (ev) => {
    const pageButton = ev.target.closest('button[data-sim-page]');
    if (pageButton && !pageButton.disabled) {
      const url = new URL(location.href);
      url.searchParams.set('page', pageButton.getAttribute('data-sim-page'));
      location.assign(url.pathname + url.search);
      return;
    }
    const more = ev.target.closest('button[data-sim-sent-more]');
    if (more && !more.disabled) {
      more.disabled = true;
      try { await loadMore(); } finally { more.disabled = false; }
    }
  });

  // Infinite list: whenever the sentinel after the last card is in view, load the next batch.
  function watchSentinel() {
    const sentinel = document.querySelector('[data-sim-sent-sentinel]');
    if (!sentinel) return;
    const observer = new IntersectionObserver(async (entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      const ok = await loadMore();
      // Still in view after the batch (a short list): observe again for the next one.
      // After a failure the list stays as it is until the page is scrolled again.
      const still = document.querySelector('[data-sim-sent-sentinel]');
      if (still) {
        observer.unobserve(still);
        if (ok) observer.observe(still);
        else window.addEventListener('scroll', () => observer.observe(still), {once: true});
      }
    });
    observer.observe(sentinel);
  }
  watchSentinel();
  document.addEventListener('sim-sent-rendered', watchSentinel);
})();
