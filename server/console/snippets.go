package console

import (
	"strings"

	"github.com/hmacgate/hmacgate/platform"
)

// snippet is the connect digest's code in one language.
type snippet struct {
	ID, Language string
	Code         string
}

// snippetTemplates compute the connect digest in each language. The line
// that computes it is the README's, which is checked against
// testdata/vectors.json; a test keeps the two the same. {{I}} is the
// integration ID. Every key is the exact UTF-8 bytes of its string.
var snippetTemplates = []snippet{
	{"node", "Node", `const crypto = require('node:crypto');

// In your backend, after it has authenticated the end user:
const hmacKey = process.env.HMACGATE_HMAC_KEY; // the environment's HMAC key, never sent to a browser
const integrationId = '{{I}}';
const connectionId = '<CONNECTION-ID>'; // your ID for the end user's connection
const digest = crypto.createHmac('sha256', hmacKey).update(` + "`${integrationId}:${connectionId}`" + `, 'utf8').digest('hex');`},
	{"python", "Python", `import hmac, hashlib, os

# In your backend, after it has authenticated the end user:
hmac_key = os.environ['HMACGATE_HMAC_KEY']  # the environment's HMAC key, never sent to a browser
integration_id = '{{I}}'
connection_id = '<CONNECTION-ID>'  # your ID for the end user's connection
digest = hmac.new(hmac_key.encode('utf-8'), f'{integration_id}:{connection_id}'.encode('utf-8'), hashlib.sha256).hexdigest()`},
	{"java", "Java", `import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

// In your backend, after it has authenticated the end user:
String hmacKey = System.getenv("HMACGATE_HMAC_KEY"); // the environment's HMAC key, never sent to a browser
String integrationId = "{{I}}";
String connectionId = "<CONNECTION-ID>"; // your ID for the end user's connection
// Name the charset: the bare getBytes() uses the platform charset and signs non-ASCII IDs wrongly.
Mac mac = Mac.getInstance("HmacSHA256");
mac.init(new SecretKeySpec(hmacKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
String digest = HexFormat.of().formatHex(mac.doFinal((integrationId + ":" + connectionId).getBytes(StandardCharsets.UTF_8)));`},
	{"ruby", "Ruby", `require 'openssl'

# In your backend, after it has authenticated the end user:
hmac_key = ENV.fetch('HMACGATE_HMAC_KEY') # the environment's HMAC key, never sent to a browser
integration_id = '{{I}}'
connection_id = '<CONNECTION-ID>' # your ID for the end user's connection
digest = OpenSSL::HMAC.hexdigest('SHA256', hmac_key, "#{integration_id}:#{connection_id}")`},
	{"go", "Go", `import (
	"os"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

// In your backend, after it has authenticated the end user:
hmacKey := os.Getenv("HMACGATE_HMAC_KEY") // the environment's HMAC key, never sent to a browser
integrationID := "{{I}}"
connectionID := "<CONNECTION-ID>" // your ID for the end user's connection
digest, err := connect.Digest(hmacgate.MustParseKey(hmacKey), integrationID, connectionID)`},
	{"rust", "Rust", `// Cargo.toml: hmac = "0.12", sha2 = "0.10", hex = "0.4"
use hmac::{Hmac, Mac};
use sha2::Sha256;

// In your backend, after it has authenticated the end user:
let hmac_key = std::env::var("HMACGATE_HMAC_KEY").expect("HMACGATE_HMAC_KEY is set"); // never sent to a browser
let integration_id = "{{I}}";
let connection_id = "<CONNECTION-ID>"; // your ID for the end user's connection
let mut mac = Hmac::<Sha256>::new_from_slice(hmac_key.as_bytes()).expect("any key length");
mac.update(format!("{integration_id}:{connection_id}").as_bytes());
let digest = hex::encode(mac.finalize().into_bytes());`},
	{"php", "PHP", `<?php
// In your backend, after it has authenticated the end user:
$hmacKey = getenv('HMACGATE_HMAC_KEY'); // the environment's HMAC key, never sent to a browser
$integrationId = '{{I}}';
$connectionId = '<CONNECTION-ID>'; // your ID for the end user's connection
$digest = hash_hmac('sha256', $integrationId . ':' . $connectionId, $hmacKey);`},
	{"csharp", "C#", `using System.Security.Cryptography;
using System.Text;

// In your backend, after it has authenticated the end user:
var hmacKey = Environment.GetEnvironmentVariable("HMACGATE_HMAC_KEY")!; // never sent to a browser
var integrationId = "{{I}}";
var connectionId = "<CONNECTION-ID>"; // your ID for the end user's connection
using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(hmacKey));
var digest = Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{integrationId}:{connectionId}"))).ToLowerInvariant();`},
}

// digestSnippets returns the snippets filled in with an integration ID.
// Integration IDs match [a-z0-9][a-z0-9._-]*, so they need no escaping in
// any of the languages' string literals.
func digestSnippets(integrationID string) []snippet {
	out := make([]snippet, len(snippetTemplates))
	for i, s := range snippetTemplates {
		s.Code = strings.ReplaceAll(s.Code, "{{I}}", integrationID)
		out[i] = s
	}
	return out
}

// nangoSnippets are the frontend and backend code of a customer who keeps
// Nango's SDKs and points them at hmacgate's Nango-compatible routes.
type nangoSnippets struct {
	Frontend, Backend string
}

// nangoCalls is the frontend call for each auth mode, as
// @nangohq/frontend makes it: auth() with credentials, create() without.
var nangoCalls = map[platform.AuthMode]struct{ call, creds string }{
	platform.AuthAPIKey: {`await nango.auth('{{I}}', connectionId, {
  hmac: digestFromYourBackend,
  credentials: { apiKey: apiKeyTheUserEntered },
});`, `{ type: 'API_KEY', apiKey }`},
	platform.AuthBasic: {`await nango.auth('{{I}}', connectionId, {
  hmac: digestFromYourBackend,
  credentials: { username, password },
});`, `{ type: 'BASIC', username, password }`},
	platform.AuthNone: {`await nango.create('{{I}}', connectionId, { hmac: digestFromYourBackend });`, `{}`},
}

// nangoSnippetsFor fills in the Nango snippets: host is this server, the
// SDKs take host + "/nango". An integration of unknown mode (none yet)
// shows the API-key call.
func nangoSnippetsFor(host, publicKey, integrationID string, mode platform.AuthMode) nangoSnippets {
	c, ok := nangoCalls[mode]
	if !ok {
		c = nangoCalls[platform.AuthAPIKey]
	}
	r := strings.NewReplacer("{{I}}", integrationID, "{{H}}", host, "{{P}}", publicKey, "{{C}}", c.creds)
	return nangoSnippets{
		Frontend: r.Replace(`import Nango from '@nangohq/frontend';

// Only host changes: hmacgate's Nango-compatible routes are under /nango.
const nango = new Nango({ publicKey: '{{P}}', host: '{{H}}/nango' });
`) + r.Replace(c.call) + `
// Refusals are AuthErrors: err.type is missing_hmac, invalid_hmac, …`,
		Backend: r.Replace(`import { Nango } from '@nangohq/node';

const nango = new Nango({ host: '{{H}}/nango', secretKey: process.env.HMACGATE_SECRET_KEY });
const connection = await nango.getConnection('{{I}}', connectionId);
// connection.credentials is {{C}}`),
	}
}
