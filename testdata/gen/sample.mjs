// The seed's JavaScript sample, parameterized by key and message.
// Protocol: see sample.py.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const text = (hex) => Buffer.from(hex, 'hex').toString('utf8');

function connectDigest(hmacKey, integrationId, connectionId) {
  // Seed sample, verbatim apart from the parameters.
  const hmac = crypto.createHmac('sha256', hmacKey);
  hmac.update(`${integrationId}:${connectionId}`);
  const digest = hmac.digest('hex');
  return digest;
}

function orderSignature(secret, orderdata) {
  // The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
  return crypto.createHmac('sha256', secret).update(orderdata, 'utf8').digest('base64');
}

const out = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  if (line === '') continue;
  const [scheme, ...fields] = line.split('\t');
  const args = fields.map(text);
  out.push(scheme === 'connect' ? connectDigest(...args) : orderSignature(...args));
}
process.stdout.write(out.map((s) => s + '\n').join(''));
