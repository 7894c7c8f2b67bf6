// The inbox list: the next conversations load when the end of the list scrolls into view.
(function () {
  const API = '/voyager/api/voyagerMessagingDashMessengerConversations';
  const list = document.querySelector('.msg-conversations-container__conversations-list');
  if (!list) return;
  let loading = false;

  // Append the next conversations before the sentinel; false when that failed.
  async function loadMore(sentinel) {
    if (loading) return false;
    loading = true;
    const loader = document.createElement('li');
    loader.className = 'artdeco-loader';
    loader.setAttribute('role', 'progressbar');
    list.insertBefore(loader, sentinel);
    try {
      const start = list.querySelectorAll('li[data-sim-thread]').length;
      const res = await fetch(API + '?start=' + start, {credentials: 'include'});
      if (res.status === 401) {
        location.assign('/login?session_redirect=' + encodeURIComponent(location.pathname));
        return false;
      }
      if (!res.ok) return false;
      const data = await res.json();
      sentinel.insertAdjacentHTML('beforebegin', data.html);
      if (!data.more) sentinel.remove();
      return true;
    } finally {
      loader.remove();
      loading = false;
    }
  }

  const sentinel = list.querySelector('[data-sim-inbox-sentinel]');
  if (!sentinel) return;
  const observer = new IntersectionObserver(async (entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    const ok = await loadMore(sentinel);
    // A short batch leaves the sentinel in view: observe again for the next one (after a
    // failure, only once the list is scrolled again).
    if (!sentinel.isConnected) return;
    observer.unobserve(sentinel);
    if (ok) observer.observe(sentinel);
    else list.addEventListener('scroll', () => observer.observe(sentinel), {once: true});
  }, {root: list});
  observer.observe(sentinel);
})();
