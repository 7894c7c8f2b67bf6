// The live browser view of an account page: pictures from the server drawn on a canvas,
// pointer, wheel and keys sent back (positions as fractions of the picture). No library.
"use strict";
(() => {
  const root = document.getElementById("live");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const openButton = $("live-open");
  const closeButton = $("live-close");
  const statusLine = $("live-status");
  const where = $("live-url");
  const left = $("live-left");
  const stage = $("live-stage");
  const canvas = $("live-canvas");
  const textForm = $("live-text");
  const textInput = $("live-text-input");
  const paint = canvas.getContext("2d");
  let socket = null;
  let ended = false;
  let countdown = null;
  let received = 0;
  let drawn = 0;
  let lastMove = 0;
  let lastDown = { at: 0, x: -1, y: -1, clicks: 0 };

  const say = (text) => { statusLine.textContent = text; };
  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const mods = (e) => (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);
  const clamp = (v) => Math.min(1, Math.max(0, v));
  const point = (e) => {
    const box = canvas.getBoundingClientRect();
    return { x: clamp((e.clientX - box.left) / box.width), y: clamp((e.clientY - box.top) / box.height) };
  };
  const buttonName = (b) => ["left", "middle", "right"][b] || "left";

  function draw(blob) {
    const seq = ++received;
    createImageBitmap(blob).then((bitmap) => {
      if (seq < drawn) { bitmap.close(); return; } // an older picture decoded late
      drawn = seq;
      if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
      }
      paint.drawImage(bitmap, 0, 0);
      bitmap.close();
      root.dataset.frames = String(drawn);
    }).catch(() => {});
  }

  function tick(deadline) {
    const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    left.textContent = `(closes by itself in ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")})`;
  }

  function onMessage(message) {
    if (message.t === "status") {
      say(message.message);
      if (message.state === "open") {
        root.dataset.state = "open";
        stage.hidden = false;
        const deadline = Date.now() + message.timeout_s * 1000;
        tick(deadline);
        countdown = setInterval(() => tick(deadline), 1000);
        canvas.focus();
      }
    } else if (message.t === "url") {
      where.textContent = message.path;
    } else if (message.t === "refused") {
      finish(`The live view cannot open: ${message.message}`, "refused");
    } else if (message.t === "closed") {
      const status = String(message.status).replace("_", " ");
      finish(`${message.message} The account is now ${status}.`, message.reason);
    }
  }

  function finish(text, state) {
    if (ended) return;
    ended = true;
    clearInterval(countdown);
    left.textContent = "";
    say(text);
    root.dataset.state = state;
    stage.hidden = true;
    openButton.hidden = false;
    closeButton.hidden = true;
    if (socket) socket.close();
    socket = null;
    openButton.focus();
  }

  function open() {
    ended = false;
    received = 0;
    drawn = 0;
    root.dataset.frames = "0";
    root.dataset.state = "opening";
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${root.dataset.ws}`);
    socket.binaryType = "blob";
    openButton.hidden = true;
    closeButton.hidden = false;
    say("Opening the live view…");
    socket.onopen = () => send({ t: "hello", csrf: root.dataset.csrf });
    socket.onmessage = (event) => {
      if (typeof event.data === "string") onMessage(JSON.parse(event.data));
      else draw(event.data);
    };
    socket.onclose = () => finish("The live view was disconnected.", "disconnected");
  }

  openButton.addEventListener("click", open);
  closeButton.addEventListener("click", () => {
    if (socket) socket.close();
  });

  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.focus();
    canvas.setPointerCapture(e.pointerId);
    const p = point(e);
    const now = Date.now();
    const near = Math.abs(p.x - lastDown.x) < 0.01 && Math.abs(p.y - lastDown.y) < 0.01;
    const clicks = now - lastDown.at < 400 && near ? Math.min(3, lastDown.clicks + 1) : 1;
    lastDown = { at: now, x: p.x, y: p.y, clicks };
    send({ t: "mouse", type: "down", ...p, button: buttonName(e.button), clicks, mods: mods(e) });
  });
  canvas.addEventListener("pointerup", (e) => {
    e.preventDefault();
    send({ t: "mouse", type: "up", ...point(e), button: buttonName(e.button), clicks: lastDown.clicks, mods: mods(e) });
  });
  canvas.addEventListener("pointermove", (e) => {
    const now = Date.now();
    if (now - lastMove < 50) return; // at most 20 moves a second
    lastMove = now;
    const button = e.buttons & 1 ? "left" : e.buttons & 2 ? "right" : e.buttons & 4 ? "middle" : "none";
    send({ t: "mouse", type: "move", ...point(e), button, clicks: 0, mods: mods(e) });
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    send({ t: "wheel", ...point(e), dx: e.deltaX * scale, dy: e.deltaY * scale, mods: mods(e) });
  }, { passive: false });
  canvas.addEventListener("contextmenu", (e) => e.preventDefault());

  const typed = (e) => {
    if (e.key === "Enter") return "\r";
    if (e.key.length === 1 || [...e.key].length === 1) return e.ctrlKey || e.metaKey ? "" : e.key;
    return "";
  };
  const key = (type, e) => ({
    t: "key", type, key: e.key, code: e.code || "", keyCode: e.keyCode || 0,
    text: type === "down" ? typed(e) : "", mods: mods(e),
  });
  canvas.addEventListener("keydown", (e) => {
    // Tab leaves the picture (no keyboard trap); "Send Tab" sends one to the page.
    if (e.key === "Tab" || e.isComposing || e.key === "Unidentified") return;
    e.preventDefault();
    send(key("down", e));
  });
  canvas.addEventListener("keyup", (e) => {
    if (e.key === "Tab" || e.isComposing || e.key === "Unidentified") return;
    e.preventDefault();
    send(key("up", e));
  });

  const press = (name, code, keyCode, text) => {
    send({ t: "key", type: "down", key: name, code, keyCode, text, mods: 0 });
    send({ t: "key", type: "up", key: name, code, keyCode, text: "", mods: 0 });
  };
  $("live-tab").addEventListener("click", () => press("Tab", "Tab", 9, ""));
  $("live-enter").addEventListener("click", () => press("Enter", "Enter", 13, "\r"));
  textForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (textInput.value) send({ t: "text", text: textInput.value });
    textInput.value = "";
    canvas.focus();
  });
})();
