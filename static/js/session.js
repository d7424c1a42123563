// Session timeout warning with 延長, cross-tab sync, and drafts of long texts.
// Loaded for logged-in users only. Progressive enhancement: without JavaScript the
// server still ends idle sessions; only the warning and the drafts are missing.
(function () {
  "use strict";

  var body = document.body;
  var data = body.dataset;
  if (!data.sessionExpiresAt) { return; }

  var POLL_HEADER = "X-Kasane-Poll";
  var POLL_MS = 60 * 1000;
  var POLL_WARNING_MS = 15 * 1000;
  var SYNC_KEY = "kasane-session-expiry";
  var DRAFT_PREFIX = "kasane-draft:" + (data.draftOwner || "") + ":";
  var PENDING_KEY = "kasane-draft-pending";
  var DRAFT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

  var loginUrl = data.sessionLoginUrl;
  var logoutUrl = data.sessionLogoutUrl;
  var warningSeconds = Number(data.sessionWarningSeconds) || 120;
  // Server clock minus ours: the countdown follows the server, which ends the session.
  var offset = Number(data.sessionNow) - Date.now() / 1000;
  var expiry = readExpiry({
    expires_at: data.sessionExpiresAt,
    idle_expires_at: data.sessionIdleExpiresAt,
    absolute_expires_at: data.sessionAbsoluteExpiresAt
  });
  var dialog = null;
  var dismissedFor = null;
  var returnFocusTo = null;
  var lastPoll = Date.now();
  var leaving = false;

  function readExpiry(source) {
    return {
      at: Number(source.expires_at),
      idle: Number(source.idle_expires_at),
      absolute: Number(source.absolute_expires_at)
    };
  }

  function serverNow() { return Date.now() / 1000 + offset; }

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function update(json) {
    if (typeof json.now === "number") { offset = json.now - Date.now() / 1000; }
    var next = readExpiry(json);
    if (!next.at) { return; }
    var extended = next.at > expiry.at;
    expiry = next;
    if (extended && dialog && dialog.open) { closeDialog(); }
  }

  // --- Leaving: the server has ended the session -----------------------------------
  function goToLogin(url) {
    if (leaving) { return; }
    leaving = true;
    saveAllDrafts();
    var here = location.pathname + location.search;
    location.assign(url || (loginUrl + "?next=" + encodeURIComponent(here)));
  }

  function handle(response) {
    var type = response.headers.get("Content-Type") || "";
    if (response.status === 401 && type.indexOf("application/json") === 0) {
      return response.json().then(function (json) { goToLogin(json.login_url); });
    }
    // Logged out elsewhere (another tab, a password change): the login page answers.
    if (response.redirected || type.indexOf("application/json") !== 0) {
      goToLogin();
      return null;
    }
    if (!response.ok) { return null; }
    return response.json().then(function (json) {
      update(json);
      broadcast();
      return json;
    });
  }

  // Polling is not activity: the header tells the server not to restart the idle timer.
  function poll() {
    lastPoll = Date.now();
    var headers = { "Accept": "application/json" };
    headers[POLL_HEADER] = "1";
    return fetch(data.sessionStatusUrl, { credentials: "same-origin", headers: headers })
      .then(handle).catch(function () { return null; });
  }

  function extend() {
    return fetch(data.sessionKeepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(handle).then(function (json) {
      if (json) { closeDialog(); announce("ログイン状態を延長しました。"); }
    }).catch(function () {
      setDialogText("延長できませんでした。通信状態を確認して、もう一度「延長する」を押してください。");
    });
  }

  // Other tabs of this browser learn about an extension at once.
  function broadcast() {
    try {
      localStorage.setItem(SYNC_KEY, JSON.stringify({
        expires_at: expiry.at, idle_expires_at: expiry.idle, absolute_expires_at: expiry.absolute
      }));
    } catch (e) { /* storage full or disabled: polling still syncs */ }
  }
  window.addEventListener("storage", function (event) {
    if (event.key !== SYNC_KEY || !event.newValue) { return; }
    try { update(JSON.parse(event.newValue)); } catch (e) { /* ignore */ }
  });

  // --- The warning dialog --------------------------------------------------------
  function buildDialog() {
    var el = document.createElement("dialog");
    el.className = "session-warning";
    el.setAttribute("role", "alertdialog");
    el.setAttribute("aria-modal", "true");
    el.setAttribute("aria-labelledby", "session-warning-title");
    el.setAttribute("aria-describedby", "session-warning-text");
    el.innerHTML =
      '<h2 id="session-warning-title">まもなく自動的にログアウトします</h2>' +
      '<p id="session-warning-text"></p>' +
      '<p class="muted">入力中の長い文章は、このブラウザに下書きとして保存されています。</p>' +
      '<div class="actions">' +
      '<button type="button" class="button" data-session-extend>延長する</button>' +
      '<button type="button" class="button button--secondary" data-session-close>閉じる</button>' +
      "</div>";
    el.querySelector("[data-session-extend]").addEventListener("click", extend);
    el.querySelector("[data-session-close]").addEventListener("click", function () {
      dismissedFor = expiry.at;
      closeDialog();
    });
    // Escape closes the dialog like 閉じる.
    el.addEventListener("cancel", function () { dismissedFor = expiry.at; });
    el.addEventListener("close", restoreFocus);
    body.appendChild(el);
    return el;
  }

  function remainingText(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes ? minutes + "分" + (rest ? rest + "秒" : "") : rest + "秒";
  }

  function setDialogText(text) {
    if (dialog) { dialog.querySelector("#session-warning-text").textContent = text; }
  }

  function refreshDialogText() {
    var left = remainingText(expiry.at - serverNow());
    if (expiry.absolute <= expiry.idle) {
      setDialogText("ログインから12時間が経過するため、あと" + left +
        "で自動的にログアウトします。延長はできません。入力中の内容を保存してから、もう一度ログインしてください。");
    } else {
      setDialogText("操作がないため、あと" + left +
        "で自動的にログアウトします。作業を続ける場合は「延長する」を押してください。");
    }
  }

  function openDialog() {
    if (!dialog) { dialog = buildDialog(); }
    if (dialog.open || typeof dialog.showModal !== "function") { return; }
    var canExtend = expiry.absolute > expiry.idle;
    var extendButton = dialog.querySelector("[data-session-extend]");
    extendButton.hidden = !canExtend;
    refreshDialogText();
    returnFocusTo = document.activeElement;
    dialog.showModal();
    (canExtend ? extendButton : dialog.querySelector("[data-session-close]")).focus();
  }

  function closeDialog() {
    if (dialog && dialog.open) { dialog.close(); }
  }

  function restoreFocus() {
    if (returnFocusTo && typeof returnFocusTo.focus === "function" && document.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
    returnFocusTo = null;
  }

  function announce(text) {
    var region = document.getElementById("session-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "session-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      body.appendChild(region);
    }
    region.textContent = text;
  }

  function tick() {
    var left = expiry.at - serverNow();
    if (left <= 0) {
      // Ask the server: it ends the session and says where to go (or that another tab
      // extended it meanwhile).
      if (Date.now() - lastPoll > 5000) { poll(); }
      return;
    }
    if (left <= warningSeconds) {
      if (dismissedFor !== expiry.at) { openDialog(); }
      if (dialog && dialog.open) { refreshDialogText(); }
      if (Date.now() - lastPoll > POLL_WARNING_MS) { poll(); }
    } else {
      closeDialog();
      if (Date.now() - lastPoll > POLL_MS) { poll(); }
    }
  }

  // --- Drafts: <textarea data-draft="KEY"> -----------------------------------------
  function draftKey(textarea) { return DRAFT_PREFIX + textarea.getAttribute("data-draft"); }

  function readDraft(key) {
    try {
      var stored = JSON.parse(localStorage.getItem(key) || "null");
      if (stored && Date.now() - stored.savedAt < DRAFT_MAX_AGE_MS) { return stored; }
      localStorage.removeItem(key);
    } catch (e) { /* unreadable: ignore */ }
    return null;
  }

  function saveDraft(textarea) {
    try {
      if (textarea.value.trim()) {
        localStorage.setItem(draftKey(textarea), JSON.stringify({ text: textarea.value, savedAt: Date.now() }));
      } else {
        localStorage.removeItem(draftKey(textarea));
      }
    } catch (e) { /* storage full or disabled */ }
  }

  function saveAllDrafts() {
    document.querySelectorAll("textarea[data-draft]").forEach(saveDraft);
  }

  function clearDrafts(keys) {
    keys.forEach(function (key) {
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
    });
  }

  function clearAllDrafts() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf(DRAFT_PREFIX) === 0) { localStorage.removeItem(key); }
      }
    } catch (e) { /* ignore */ }
  }

  function pathOf(url) {
    try { var u = new URL(url, location.href); return u.pathname + u.search; } catch (e) { return ""; }
  }

  // A form with drafts was submitted on the previous page. It went through if we were
  // redirected here from that page and no errors are shown; after a timeout we arrive
  // from the login page instead, and the drafts stay to be restored.
  function settlePendingSubmit() {
    var pending = null;
    try {
      pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
      sessionStorage.removeItem(PENDING_KEY);
    } catch (e) { return; }
    if (!pending || Date.now() - pending.at > 10 * 60 * 1000) { return; }
    var failed = document.getElementById("error-summary") || document.querySelector(".field--error");
    if (!failed && document.referrer && pathOf(document.referrer) === pending.page) {
      clearDrafts(pending.keys);
    }
  }

  function restoreDraft(textarea) {
    var stored = readDraft(draftKey(textarea));
    if (!stored || textarea.value.trim() || !stored.text) { return; }
    textarea.value = stored.text;
    var note = document.createElement("div");
    note.className = "notice notice--warning";
    note.setAttribute("role", "status");
    var when = new Date(stored.savedAt);
    var text = document.createElement("p");
    text.textContent = "保存されていた下書き（" + (when.getMonth() + 1) + "月" + when.getDate() + "日 " +
      when.getHours() + ":" + String(when.getMinutes()).padStart(2, "0") + "）を復元しました。内容を確認してください。";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button--secondary button--small";
    discard.textContent = "下書きを破棄";
    discard.addEventListener("click", function () {
      textarea.value = "";
      clearDrafts([draftKey(textarea)]);
      note.remove();
      textarea.focus();
    });
    note.appendChild(text);
    note.appendChild(discard);
    textarea.parentNode.insertBefore(note, textarea);
  }

  function watchDrafts() {
    var timers = new WeakMap();
    document.addEventListener("input", function (event) {
      var textarea = event.target;
      if (!(textarea instanceof HTMLTextAreaElement) || !textarea.hasAttribute("data-draft")) { return; }
      clearTimeout(timers.get(textarea));
      timers.set(textarea, setTimeout(function () { saveDraft(textarea); }, 400));
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (logoutUrl && pathOf(form.getAttribute("action") || "") === logoutUrl) {
        // Logging out on purpose: nothing of this user stays in the browser.
        clearAllDrafts();
        return;
      }
      var areas = form.querySelectorAll("textarea[data-draft]");
      if (!areas.length) { return; }
      areas.forEach(saveDraft);
      try {
        sessionStorage.setItem(PENDING_KEY, JSON.stringify({
          page: location.pathname + location.search,
          keys: Array.prototype.map.call(areas, draftKey),
          at: Date.now()
        }));
      } catch (e) { /* ignore */ }
    });
    // Forms sent with htmx stay on the page: a successful answer clears their drafts.
    document.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail && event.detail.elt;
      if (!form || form.tagName !== "FORM" || !event.detail.successful) { return; }
      clearDrafts(Array.prototype.map.call(form.querySelectorAll("textarea[data-draft]"), draftKey));
    });
    window.addEventListener("pagehide", saveAllDrafts);
  }

  settlePendingSubmit();
  document.querySelectorAll("textarea[data-draft]").forEach(restoreDraft);
  watchDrafts();
  broadcast();
  setInterval(tick, 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { poll(); }
  });
})();
