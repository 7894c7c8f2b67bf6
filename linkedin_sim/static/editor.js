// A model-backed rich-text editor like LinkedIn's (messages: msg-form__contenteditable,
// comments: Quill's .ql-editor). The text is the model, changed only through beforeinput
// events and rendered as one <p> per line, so what is sent is exactly what was typed:
// no nbsp for spaces, no placeholder <br> counted as a line. The caret always sits at the
// end; a non-empty selection (e.g. after Ctrl+A) stands for the whole text.
window.SimEditor = function (el, opts) {
  opts = opts || {};
  let text = '';

  function caretToEnd() {
    if (document.activeElement !== el) return;
    const range = document.createRange();
    range.selectNodeContents(el);
    range.collapse(false);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function render() {
    el.innerHTML = '';
    text.split('\n').forEach((line) => {
      const p = document.createElement('p');
      if (line) p.textContent = line; else p.appendChild(document.createElement('br'));
      el.appendChild(p);
    });
    el.classList.toggle('ql-blank', text === '');
    caretToEnd();
    if (opts.onChange) opts.onChange(text);
  }

  el.addEventListener('focus', caretToEnd);
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && opts.enterSends && opts.enterSends()) {
      // "Press Enter to send" is on: Enter sends, only Shift+Enter makes a new line.
      ev.preventDefault();
      if (opts.onSubmit) opts.onSubmit();
    }
  });
  el.addEventListener('beforeinput', (ev) => {
    ev.preventDefault();
    const sel = window.getSelection();
    const replacing = sel.rangeCount > 0 && !sel.isCollapsed;
    const type = ev.inputType;
    if (replacing) text = '';
    if (type === 'insertText' || type === 'insertReplacementText' ||
        type === 'insertFromPaste' || type === 'insertFromDrop') {
      const data = ev.data != null ? ev.data : (ev.dataTransfer ? ev.dataTransfer.getData('text/plain') : '');
      text += data.replace(/\r\n?/g, '\n');
    } else if (type === 'insertLineBreak' || type === 'insertParagraph') {
      text += '\n';
    } else if (type === 'deleteContentBackward' && !replacing) {
      text = Array.from(text).slice(0, -1).join('');
    } else if (type === 'deleteWordBackward' && !replacing) {
      text = text.replace(/\S*\s*$/, '');
    }
    render();
  });
  render();
  return {
    value: () => text,
    clear() { text = ''; render(); },
  };
};
