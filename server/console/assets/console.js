/* hmacgate console: small enhancements. Every page works without this
 * script where a plain form can do the job; it adds copy buttons,
 * countdowns and the connect demo, which runs the browser SDK (/sdk.js). */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // Copy buttons: hidden until the script can make them work.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (btn) {
      var target = $(btn.getAttribute("data-copy"));
      if (!target) return;
      btn.hidden = false;
      var label = btn.textContent;
      btn.setAttribute("aria-live", "polite");
      btn.addEventListener("click", function () {
        copyText(target.textContent).then(function () {
          btn.textContent = "Copied";
        }, function () {
          // Select the text so that the keyboard's copy works instead.
          var range = document.createRange();
          range.selectNodeContents(target);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          btn.textContent = "Press Ctrl+C";
        }).then(function () {
          setTimeout(function () { btn.textContent = label; }, 2000);
        });
      });
    });
  }

  // Countdowns: the server renders the seconds left; count from page load,
  // so the browser's clock does not need to agree with the server's.
  function setupCountdowns() {
    var els = document.querySelectorAll("[data-seconds]");
    if (!els.length) return;
    var start = Date.now();
    function fmt(s) {
      if (s <= 0) return "now (reload to see the new state)";
      var m = Math.floor(s / 60), r = s % 60;
      if (m === 0) return r + " s";
      return m + " min " + (r < 10 ? "0" : "") + r + " s";
    }
    function tick() {
      var gone = Math.floor((Date.now() - start) / 1000);
      els.forEach(function (el) {
        el.textContent = fmt(parseInt(el.getAttribute("data-seconds"), 10) - gone);
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  // Typing a key selects "Paste my own key".
  function setupKeyForm() {
    var key = $("key"), paste = $("source-paste");
    if (!key || !paste) return;
    key.addEventListener("input", function () { if (key.value) paste.checked = true; });
  }

  // The connect demo: the frontend half of the first seed, runnable.
  function setupDemo() {
    var form = $("demo");
    if (!form) return;
    var select = $("demo-integration");
    function authMode() {
      var opt = select.options[select.selectedIndex];
      return opt ? opt.getAttribute("data-auth") : "none";
    }
    function showCreds() {
      var mode = authMode();
      $("demo-creds-api_key").hidden = mode !== "api_key";
      $("demo-creds-basic").hidden = mode !== "basic";
    }
    select.addEventListener("change", showCreds);
    showCreds();

    function credentials() {
      switch (authMode()) {
        case "api_key": return { api_key: $("demo-api-key").value };
        case "basic": return { username: $("demo-username").value, password: $("demo-password").value };
      }
      return undefined;
    }
    function show(status, text, body, ok) {
      var el = $("demo-status");
      el.textContent = text;
      el.setAttribute("data-http-status", String(status));
      el.className = ok ? "badge good" : "badge bad";
      $("demo-answer").textContent = body ? JSON.stringify(body, null, 2) : "";
    }
    function randomHex() {
      var b = new Uint8Array(32);
      crypto.getRandomValues(b);
      return Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
    }
    function getDigest(integration, connection) {
      var body = new URLSearchParams();
      body.set("csrf", form.elements.csrf.value);
      body.set("integration", integration);
      body.set("connection", connection);
      return fetch(form.getAttribute("data-digest-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) throw { status: res.status, code: data.error || "http_" + res.status, message: data.message || "the console could not sign" };
          return data.digest;
        });
      });
    }
    function call(kind) {
      var integration = select.value, connection = $("demo-connection").value;
      $("demo-status").textContent = "calling…";
      var digestP = kind === "with" ? getDigest(integration, connection)
        : Promise.resolve(kind === "wrong" ? randomHex() : undefined);
      digestP.then(function (digest) {
        $("demo-digest").textContent = digest || "none";
        var gate = new window.HmacGate({ host: location.origin, publicKey: form.getAttribute("data-public-key") });
        return gate.auth(integration, connection, { hmac: digest, credentials: credentials() });
      }).then(function (conn) {
        var what = conn.status === 201 ? "connection created" : "connection re-authorized";
        show(conn.status, conn.status + " · accepted: " + what, conn, true);
      }, function (err) {
        var status = err.status || 0, code = err.code || "error";
        var msg = String(err.message || "").replace(code + ": ", "");
        show(status, status + " · refused: " + code, { error: code, message: msg }, false);
      });
    }
    $("demo-with").addEventListener("click", function () { call("with"); });
    $("demo-without").addEventListener("click", function () { call("without"); });
    $("demo-wrong").addEventListener("click", function () { call("wrong"); });
  }

  function init() {
    setupCopy();
    setupCountdowns();
    setupKeyForm();
    setupDemo();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
