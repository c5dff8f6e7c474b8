// Live updates: a websocket brings "this changed" notifications; every element whose
// data-live lists the event re-fetches itself with htmx. After a lost connection the page
// reconnects by itself and refreshes every live element. On its first connection a team
// page asks what is current and re-fetches its older parts (refreshOlderThan).
(function () {
  "use strict";
  const body = document.body;
  const serverNow = Date.parse(body.dataset.serverNow || "");
  const clockOffset = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();

  function tickCountdowns() {
    const now = Date.now() + clockOffset;
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.deadline) - now) / 1000));
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      el.textContent = left > 0 ? minutes + ":" + seconds : "time is up, locking…";
      el.classList.toggle("text-danger", left <= 60);
    });
  }
  setInterval(tickCountdowns, 1000);
  tickCountdowns();

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches("form.confirm") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // The move form: remember whether the user has unsaved edits, so that a teammate's save
  // never overwrites them silently.
  let dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.closest("#move-form")) dirty = true;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // A refused save (409, 422) puts the user's own text back: it is still unsaved. A part
    // that came with its notice (swapIn) has no request.
    const xhr = event.detail.xhr;
    if (event.target.id === "move") dirty = Boolean(xhr) && [409, 422].includes(xhr.status);
  });
  // A change of the turn brings the move form with the situation (_situation_fragment.html).
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target.id === "move") dirty = false;
  });
  document.addEventListener("click", function (event) {
    if (event.target.id === "load-newer") {
      dirty = false;
      refresh(document.getElementById("move"));
    }
  });

  // The event does not bubble: the panel inside the move form must not refresh the form,
  // which would throw away the user's unsaved edits.
  function refresh(el) {
    if (el) el.dispatchEvent(new CustomEvent("refresh", { bubbles: false }));
  }

  // An element may refresh at most every data-live-every milliseconds on the notices it
  // lists in data-live-frequent: a busy class saves faster than a person reads (the control
  // room's status). Such a notice within the interval refreshes it once, at the interval's
  // end; any other notice refreshes it at once.
  const lastRefresh = new WeakMap();
  const laterRefresh = new WeakMap();
  function refreshOn(el, event) {
    const frequent = (el.dataset.liveFrequent || "").split(" ").includes(event);
    const wait = (lastRefresh.get(el) || 0) + Number(el.dataset.liveEvery || 0) - Date.now();
    if (frequent && laterRefresh.has(el)) return;
    if (frequent && wait > 0) {
      laterRefresh.set(el, setTimeout(function () { refreshOn(el, null); }, wait));
      return;
    }
    clearTimeout(laterRefresh.get(el));
    laterRefresh.delete(el);
    lastRefresh.set(el, Date.now());
    refresh(el);
  }

  function refreshAll() {
    document.querySelectorAll("[data-live]").forEach(refresh);
  }

  // A notice can bring the part an element would fetch (notify.py, notices_with_parts),
  // keyed by the id of the element the response goes to: it is swapped in as the response
  // would be, with this page's CSRF token in its forms.
  const CSRF_PLACEHOLDER = "csrf-token-of-this-response"; // wargame/exercises/fragments.py
  function targetOf(el) {
    const selector = el.getAttribute("hx-target");
    return selector ? document.querySelector(selector) : el;
  }
  function partFor(el, message) {
    const target = targetOf(el);
    const html = target && message.parts && message.parts[target.id];
    if (typeof html !== "string") return null;
    const version = /data-part-version="([^"]*)"/.exec(html);
    const stale = Boolean(version) && !newer(version[1], shownVersion(target));
    return { target: target, html: html, stale: stale };
  }
  function shownVersion(el) {
    const shown = el && el.querySelector("[data-part-version]");
    return shown ? shown.dataset.partVersion : "";
  }
  // A part's version is "exercise.exercise-version.team.team-version" (fragments.py): both
  // only grow. A part no newer than the one shown is not swapped in: it was sent before a
  // later change, or it is the same one again (a change of the turn has two notices).
  function newer(version, than) {
    if (!version || !than) return true;
    const a = version.split(".").map(Number);
    const b = than.split(".").map(Number);
    return a[1] > b[1] || (a[1] === b[1] && a[3] > b[3]);
  }
  // A part can bring another element's part out of band (the situation brings the move
  // form): one no newer than what that element shows is left out.
  function withoutOlderOob(html) {
    if (html.indexOf("hx-swap-oob") === -1) return html;
    const template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[hx-swap-oob][id]").forEach(function (oob) {
      const inner = oob.querySelector("[data-part-version]");
      const shown = shownVersion(document.getElementById(oob.id));
      if (inner && !newer(inner.dataset.partVersion, shown)) oob.remove();
    });
    return template.innerHTML;
  }
  function swapIn(part) {
    const token = JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    const slot = 'name="csrfmiddlewaretoken" value="'; // never what a user typed: quotes escaped
    const html = withoutOlderOob(part.html).split(slot + CSRF_PLACEHOLDER).join(slot + token);
    htmx.swap(part.target, html, { swapStyle: "innerHTML" });
  }

  // An estimate can be ready before the panel waiting for it is on the page (its request
  // was still on the way): such a panel shows it, or asks at once instead of after its delay.
  const readyPackages = new Map();
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-live-package]").forEach(function (el) {
      const ready = readyPackages.get(el.dataset.livePackage);
      readyPackages.delete(el.dataset.livePackage);
      if (!ready || Date.now() - ready.at > 30000) return;
      const part = partFor(el, ready.message);
      if (part) swapIn(part);
      else refresh(el);
    });
  });

  // The page was rendered before its connection joined: what changed in between was told
  // to nobody. A page with versioned parts asks "hello" once its first connection is up;
  // the answer is the team's version now, and a part older than that re-fetches itself. A
  // part that shows only what the whole exercise sees (data-live-scope="exercise": the
  // situation, which brings the move form with it) does so only when the exercise's moved.
  function refreshOlderThan(version) {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      const shown = shownVersion(targetOf(el));
      if (!shown) return;
      const older =
        el.dataset.liveScope === "exercise"
          ? Number(version.split(".")[1]) > Number(shown.split(".")[1])
          : newer(version, shown);
      if (older && !keepingEdits(el)) refresh(el);
    });
  }

  // A newer form never replaces the user's unsaved edits: a notice offers to load it.
  function keepingEdits(el) {
    if (el.id !== "move" || !dirty) return false;
    const notice = document.getElementById("newer-draft");
    if (notice) notice.classList.remove("d-none");
    return true;
  }

  function handle(message) {
    const event = message.event;
    if (event === "pong") return;
    if (event === "hello") {
      refreshOlderThan(message.version);
      return;
    }
    if (event === "estimate.ready") {
      const waiting = '[data-live-package="' + message.package + '"]';
      if (!document.querySelector(waiting)) {
        readyPackages.set(message.package, { at: Date.now(), message: message });
      }
    }
    if (body.dataset.reloadOn && body.dataset.reloadOn.split(" ").includes(event)) {
      window.location.reload();
      return;
    }
    if (event === "draft.saved" && String(message.by) === body.dataset.participant) return;
    document.querySelectorAll("[data-live]").forEach(function (el) {
      if (!el.dataset.live.split(" ").includes(event)) return;
      // A decision-support panel waits for the estimate of its own package only.
      if (el.dataset.livePackage !== undefined && message.package !== el.dataset.livePackage) {
        return;
      }
      if (keepingEdits(el)) return;
      const part = partFor(el, message);
      if (!part) refreshOn(el, event);
      else if (!part.stale) swapIn(part); // otherwise the page shows it already, or newer
    });
    body.dispatchEvent(new CustomEvent("live:message", { detail: message }));
  }

  const path = body.dataset.ws;
  if (!path) return;
  const indicator = document.getElementById("connection");
  let socket = null;
  let attempts = 0;
  let pinger = null;
  let connectedOnce = false;
  let retry = null;

  function show(state, text) {
    body.dataset.liveState = state;
    if (indicator) {
      indicator.textContent = text;
      indicator.className = "ms-auto small connection connection-" + state;
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + path);
    socket.onopen = function () {
      attempts = 0;
      show("online", "live");
      if (connectedOnce) refreshAll();
      else if (document.querySelector("[data-part-version]")) {
        socket.send(JSON.stringify({ type: "hello" }));
      }
      connectedOnce = true;
      clearInterval(pinger);
      pinger = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    };
    socket.onmessage = function (event) {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        console.error("live update not understood", error);
      }
    };
    socket.onclose = function () {
      clearInterval(pinger);
      show("offline", "reconnecting…");
      attempts += 1;
      clearTimeout(retry);
      retry = setTimeout(connect, Math.min(10000, 500 * 2 ** Math.min(attempts, 5)));
    };
  }

  // A laptop that goes offline shows it at once; back online, it reconnects without waiting
  // for the next retry and refreshes what it shows.
  window.addEventListener("offline", function () {
    if (socket) socket.close();
  });
  window.addEventListener("online", function () {
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      clearTimeout(retry);
      attempts = 0;
      connect();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && connectedOnce) refreshAll();
  });
  connect();
})();

// The move form's budget line: capital used by the ticked actions, at their intensity.
(function () {
  "use strict";
  function update() {
    const line = document.querySelector(".budget-line");
    if (!line) return;
    let used = 0;
    document.querySelectorAll("#move-form input[data-cost]").forEach(function (box) {
      if (!box.checked) return;
      const id = box.name.replace("act__", "");
      const select = document.querySelector('#move-form select[name="intensity__' + id + '"]');
      const level = select ? JSON.parse(select.dataset.levels)[select.value] || 1 : 1;
      used += Math.ceil(Number(box.dataset.cost) * level);
    });
    const budget = Number(line.dataset.budget);
    line.querySelector(".capital-used").textContent = used + " of " + budget;
    line.classList.toggle("text-danger", used > budget);
  }
  document.addEventListener("change", update);
  document.addEventListener("htmx:afterSwap", update);
  document.addEventListener("htmx:oobAfterSwap", update);
  document.addEventListener("DOMContentLoaded", update);
  update();
})();

// A request the server could not complete (503: the database was unreachable) leaves the
// page as it was, so nothing typed is lost, and says so above the content.
(function () {
  "use strict";
  document.addEventListener("htmx:responseError", function (event) {
    const banner = document.getElementById("request-failed");
    if (!banner || event.detail.xhr.status !== 503) return;
    banner.innerHTML = event.detail.xhr.responseText;
    banner.classList.remove("d-none");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const banner = document.getElementById("request-failed");
    if (banner && event.detail.successful) banner.classList.add("d-none");
  });
})();
