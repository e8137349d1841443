/*! hmacgate browser SDK — no dependencies.
 *
 *   const gate = new HmacGate({ host: "https://platform.example.com", publicKey: "pk_…" });
 *   await gate.auth("github", "user-1", { hmac: digestFromYourBackend });
 *
 * The digest is lower-hex HMAC-SHA256 of "<integration>:<connection>" under the
 * environment's HMAC key. Make it in your backend; the key never reaches the browser.
 */
(function (root) {
  "use strict";

  function HmacGateError(status, code, message) {
    var e = new Error(code + ": " + message);
    e.name = "HmacGateError";
    e.status = status;
    e.code = code;
    return e;
  }

  function HmacGate(options) {
    if (!options || !options.publicKey) throw new TypeError("HmacGate: publicKey is required");
    this.host = (options.host || "").replace(/\/+$/, "");
    this.publicKey = options.publicKey;
  }

  // auth creates (201) or re-authorizes (200) a connection. It resolves with
  // the connection and rejects with an HmacGateError carrying the server's code.
  HmacGate.prototype.auth = function (integrationId, connectionId, options) {
    options = options || {};
    var body = { public_key: this.publicKey, connection_id: connectionId };
    if (options.hmac) body.hmac = options.hmac;
    if (options.credentials) body.credentials = options.credentials;
    var url = this.host + "/v1/connect/" + encodeURIComponent(integrationId);
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw HmacGateError(res.status, data.error || "http_" + res.status, data.message || res.statusText);
        data.status = res.status;
        return data;
      });
    });
  };

  root.HmacGate = HmacGate;
  if (typeof module === "object" && module.exports) module.exports = HmacGate;
})(typeof self !== "undefined" ? self : this);
