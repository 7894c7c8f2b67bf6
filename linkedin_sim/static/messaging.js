// The messaging page: the compose form (message or InMail), the "Press Enter to send"
// setting of the account, and the thread the sent message lands in.
(function () {
  const CFG = JSON.parse(document.getElementById('sim-msg').textContent);
  const form = document.querySelector('form.msg-form');
  if (!form) return;
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)JSESSIONID=("?)([^;"]*)\1/);
    return m ? m[2] : '';
  };
  const send = form.querySelector('.msg-form__send-button');
  const subject = form.querySelector('input[name="subject"]');
  const list = document.querySelector('.msg-s-message-list-content');
  const credits = document.querySelector('.msg-inmail-credits-display');
  let sending = false;
  const counter = form.querySelector('.msg-form__char-counter');
  // Like a React-controlled input: the subject sent is state updated by input events.
  let subjectValue = '';
  let body = '';

  // Send is enabled only when LinkedIn would take the message: text, credits (InMail), a
  // subject where it is required, and not over the character limit.
  function update() {
    const over = !!CFG.maxChars && body.length > CFG.maxChars;
    const noSubject = !!subject && CFG.subjectRequired && subjectValue.trim() === '';
    if (counter) {
      counter.textContent = body.length.toLocaleString('en-US') + '/' + CFG.maxChars.toLocaleString('en-US');
      counter.classList.toggle('msg-form__char-counter--error', over);
    }
    if (subject && CFG.subjectRequired) {
      subject.setAttribute('aria-invalid', noSubject && body.trim() !== '' ? 'true' : 'false');
    }
    send.disabled = body.trim() === '' || CFG.credits === 0 || over || noSubject;
  }
  if (subject) subject.addEventListener('input', () => { subjectValue = subject.value; update(); });

  const editor = window.SimEditor(form.querySelector('.msg-form__contenteditable'), {
    enterSends: () => CFG.enterToSend,
    onSubmit: submit,
    onChange: (text) => { body = text; update(); },
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });

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

  function toast(text) {
    const el = document.createElement('div');
    el.className = 'artdeco-toast-item';
    el.setAttribute('data-test-artdeco-toast-item-type', 'error');
    el.setAttribute('role', 'alert');
    el.textContent = text;
    document.body.appendChild(el);
  }

  async function submit() {
    const text = editor.value();
    if (sending || send.disabled || text.trim() === '') return;
    sending = true;
    send.disabled = true;
    const body = {recipient: CFG.recipientUrn, text, inmail: CFG.mode === 'inmail'};
    if (CFG.mode === 'inmail') body.subject = subjectValue;
    let res;
    try {
      res = await fetch('/voyager/api/voyagerMessagingDashMessengerMessages?action=createMessage', {
        method: 'POST', credentials: 'include',
        headers: {'content-type': 'application/json', 'csrf-token': csrf()},
        body: JSON.stringify(body),
      });
    } finally { sending = false; }
    if (followedBlocker(res)) return;
    if (!res.ok) { toast('Your message couldn\u2019t be sent. Please try again.'); send.disabled = false; return; }
    const data = await res.json();
    history.replaceState(null, '', data.threadPath);
    const item = document.createElement('li');
    item.className = 'msg-s-message-list__event';
    item.innerHTML = '<div class="msg-s-event-listitem msg-s-event-listitem--me">' +
      '<span class="msg-s-message-group__name"></span>' +
      '<div class="msg-s-event-listitem__message-bubble"><p class="msg-s-event-listitem__body"></p></div></div>';
    item.querySelector('.msg-s-message-group__name').textContent = CFG.me;
    item.querySelector('.msg-s-event-listitem__body').textContent = text;
    list.appendChild(item);
    const snippet = document.querySelector('.msg-conversation-listitem--active .msg-conversation-card__message-snippet');
    const senderImage = document.querySelector('.msg-conversation-listitem--active .msg-conversation-card__sender-image');
    if (senderImage) senderImage.setAttribute('alt', CFG.me);
    if (snippet) snippet.textContent = (senderImage ? '' : 'You: ') + text;
    editor.clear();
    if (subject) { subject.value = ''; subjectValue = ''; }
    if (credits && typeof data.creditsLeft === 'number') {
      CFG.credits = data.creditsLeft;
      credits.textContent = 'Use 1 of ' + data.creditsLeft + ' InMail credits';
    }
  }
})();
