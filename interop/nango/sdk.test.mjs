// Nango's own SDKs, unmodified (pinned in package-lock.json), against a real
// hmacgate server: the customer's frontend code (@nangohq/frontend, driven
// headlessly by Node's fetch) and backend code (@nangohq/node) with only
// `host` changed to <hmacgate>/nango.
//
// server/nango_sdk_test.go starts the server and runs this file with
// HMACGATE_URL and HMACGATE_ADMIN_TOKEN set; it sets up its own environments
// through hmacgate's /v1 API.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import Nango, { AuthError } from '@nangohq/frontend';
import { Nango as NangoNode } from '@nangohq/node';

const base = process.env.HMACGATE_URL;
const adminToken = process.env.HMACGATE_ADMIN_TOKEN;
const host = `${base}/nango`;

// The pinned version is the one installed (npm ci from the lockfile).
test('the installed SDKs are the pinned ones', () => {
    const pinned = JSON.parse(readFileSync(new URL('./package.json', import.meta.url))).dependencies;
    for (const name of ['@nangohq/frontend', '@nangohq/node']) {
        const installed = JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;
        assert.equal(installed, pinned[name], `${name}`);
    }
});

// api calls hmacgate's own API.
async function api(method, path, token, body) {
    const res = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {})
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
}

// newEnvironment makes an environment with an api_key, a basic and an
// unauthenticated integration and an HMAC key, in the given mode.
async function newEnvironment(name, mode) {
    const env = await api('POST', '/v1/environments', adminToken, { name });
    for (const it of [
        { id: 'github', name: 'GitHub', auth_mode: 'api_key' },
        { id: 'jira', name: 'Jira', auth_mode: 'basic' },
        { id: 'plain', auth_mode: 'none' }
    ]) {
        await api('POST', '/v1/integrations', env.secret_key, it);
    }
    const { key } = await api('POST', '/v1/hmac/keys', env.secret_key, {});
    await api('PUT', '/v1/hmac/mode', env.secret_key, { mode });
    return { ...env, key };
}

// sign is the seed's backend code: HMAC-SHA256 of "<integration>:<connection>", hex.
function sign(key, integration, connection) {
    return crypto.createHmac('sha256', key).update(`${integration}:${connection}`).digest('hex');
}

// refusal runs a frontend call that must fail and returns its AuthError.
async function refusal(promise) {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof AuthError, `not an AuthError: ${err}`);
        assert.ok(err.message, 'the AuthError has no message');
        return err;
    }
    assert.fail('the call was accepted');
}

// httpStatus runs a backend call that must fail and returns its status and Nango error code.
async function httpStatus(promise) {
    try {
        await promise;
    } catch (err) {
        assert.ok(err.response, `no HTTP answer: ${err}`);
        return [err.response.status, err.response.data?.error?.code];
    }
    assert.fail('the call succeeded');
}

describe('enforce', () => {
    let env, frontend, backend;
    before(async () => {
        env = await newEnvironment('nango-enforce', 'enforce');
        frontend = new Nango({ publicKey: env.public_key, host });
        backend = new NangoNode({ host, secretKey: env.secret_key });
    });

    test('a valid digest connects: API key, basic and unauthenticated', async () => {
        assert.deepEqual(
            await frontend.auth('github', 'user-1', { hmac: sign(env.key, 'github', 'user-1'), credentials: { apiKey: 'api-key-1' } }),
            { connectionId: 'user-1', providerConfigKey: 'github' }
        );
        assert.deepEqual(
            await frontend.auth('jira', 'user-1', { hmac: sign(env.key, 'jira', 'user-1'), credentials: { username: 'kari', password: 'pw-1' } }),
            { connectionId: 'user-1', providerConfigKey: 'jira' }
        );
        assert.deepEqual(await frontend.create('plain', 'user-1', { hmac: sign(env.key, 'plain', 'user-1') }), {
            connectionId: 'user-1',
            providerConfigKey: 'plain'
        });
    });

    test('getConnection reads the credentials back in Nango\'s shape', async () => {
        const gh = await backend.getConnection('github', 'user-1');
        assert.equal(gh.connection_id, 'user-1');
        assert.equal(gh.provider_config_key, 'github');
        assert.deepEqual(gh.credentials, { type: 'API_KEY', apiKey: 'api-key-1' });
        assert.equal(typeof gh.id, 'number');
        const jira = await backend.getConnection('jira', 'user-1');
        assert.deepEqual(jira.credentials, { type: 'BASIC', username: 'kari', password: 'pw-1' });
        assert.deepEqual(await backend.getToken('github', 'user-1'), { type: 'API_KEY', apiKey: 'api-key-1' });
    });

    test('missing, wrong-key, other-connection and other-integration digests are refused and create nothing', async () => {
        const otherKey = crypto.randomBytes(32).toString('base64url');
        const cases = [
            ['missing', undefined, 'missing_hmac'],
            ['wrong key', sign(otherKey, 'github', 'user-2'), 'invalid_hmac'],
            ['other connection', sign(env.key, 'github', 'user-1'), 'invalid_hmac'],
            ['other integration', sign(env.key, 'jira', 'user-2'), 'invalid_hmac'],
            ['malformed', 'not-hex', 'invalid_hmac']
        ];
        for (const [name, hmac, type] of cases) {
            const err = await refusal(frontend.auth('github', 'user-2', { ...(hmac ? { hmac } : {}), credentials: { apiKey: 'stolen' } }));
            assert.equal(err.type, type, name);
        }
        const err = await refusal(frontend.create('plain', 'user-2', {}));
        assert.equal(err.type, 'missing_hmac');
        assert.deepEqual(await httpStatus(backend.getConnection('github', 'user-2')), [404, 'unknown_connection']);
        assert.deepEqual(await httpStatus(backend.getConnection('plain', 'user-2')), [404, 'unknown_connection']);
    });

    test('an overwrite without a valid digest leaves the credentials; a re-auth with one replaces them', async () => {
        const err = await refusal(
            frontend.auth('github', 'user-1', { hmac: sign(env.key, 'github', 'user-9'), credentials: { apiKey: 'attacker' } })
        );
        assert.equal(err.type, 'invalid_hmac');
        assert.equal((await backend.getConnection('github', 'user-1')).credentials.apiKey, 'api-key-1');
        assert.deepEqual(
            await frontend.auth('github', 'user-1', { hmac: sign(env.key, 'github', 'user-1'), credentials: { apiKey: 'api-key-2' } }),
            { connectionId: 'user-1', providerConfigKey: 'github' }
        );
        assert.equal((await backend.getConnection('github', 'user-1')).credentials.apiKey, 'api-key-2');
    });

    test('the other refusals have their Nango type', async () => {
        const unknownKey = new Nango({ publicKey: 'pk_unknown', host });
        assert.equal((await refusal(unknownKey.create('plain', 'u', { hmac: sign(env.key, 'plain', 'u') }))).type, 'unknown_user_account');
        assert.equal((await refusal(frontend.create('nope', 'u', { hmac: sign(env.key, 'nope', 'u') }))).type, 'unknown_provider_config');
        assert.equal(
            (await refusal(frontend.auth('jira', 'u', { hmac: sign(env.key, 'jira', 'u'), credentials: { apiKey: 'k' } }))).type,
            'invalid_auth_mode'
        );
        const session = new Nango({ connectSessionToken: 'nango_connect_session_x', host });
        assert.equal((await refusal(session.create('plain', 'u', { hmac: sign(env.key, 'plain', 'u') }))).type, 'connect_session_unsupported');
    });

    test('a wrong secret key gets 401; an unknown connection 404', async () => {
        const wrong = new NangoNode({ host, secretKey: 'sk_' + crypto.randomBytes(32).toString('base64url') });
        assert.deepEqual(await httpStatus(wrong.getConnection('github', 'user-1')), [401, 'unauthorized']);
        assert.deepEqual(await httpStatus(wrong.listConnections()), [401, 'unauthorized']);
        assert.deepEqual(await httpStatus(backend.getConnection('github', 'nobody')), [404, 'unknown_connection']);
        assert.deepEqual(await httpStatus(backend.getConnection('nope', 'user-1')), [404, 'unknown_provider_config']);
    });

    test('connection IDs arrive as standard decoding yields them', async () => {
        // An e-mail address and non-ASCII text with a space: the SDKs send them
        // raw, fetch and axios percent-encode what a URL cannot hold, and the
        // server decodes it back, so the digest of the real ID matches.
        for (const id of ['kari.nordmann@example.no', 'bjørn ødegård']) {
            assert.deepEqual(await frontend.create('plain', id, { hmac: sign(env.key, 'plain', id) }), { connectionId: id, providerConfigKey: 'plain' });
            assert.equal((await backend.getConnection('plain', id)).connection_id, id);
            await backend.deleteConnection('plain', id);
        }
        // The frontend SDK's bug (docs/nango.md): it does not encode '+', which a
        // query string decodes as a space, so the digest of the real ID fails.
        const err = await refusal(frontend.create('plain', 'a+b', { hmac: sign(env.key, 'plain', 'a+b') }));
        assert.equal(err.type, 'invalid_hmac');
    });

    test('listConnections, listIntegrations, getIntegration and deleteConnection', async () => {
        const { connections } = await backend.listConnections();
        assert.deepEqual(
            connections.map((c) => `${c.provider_config_key}/${c.connection_id}`),
            ['github/user-1', 'jira/user-1', 'plain/user-1']
        );
        assert.ok(connections.every((c) => typeof c.id === 'number' && c.created));
        const byId = await backend.listConnections({ connectionId: 'user-1', integrationId: 'jira' });
        assert.deepEqual(byId.connections.map((c) => c.provider_config_key), ['jira']);
        const { configs } = await backend.listIntegrations();
        assert.deepEqual(configs.map((c) => c.unique_key), ['github', 'jira', 'plain']);
        const { data } = await backend.getIntegration({ uniqueKey: 'jira' });
        assert.equal(data.display_name, 'Jira');
        const res = await backend.deleteConnection('plain', 'user-1');
        assert.equal(res.status, 200);
        assert.deepEqual(await httpStatus(backend.getConnection('plain', 'user-1')), [404, 'unknown_connection']);
    });
});

describe('report', () => {
    test('report mode accepts every call and counts what enforce would refuse', async () => {
        const env = await newEnvironment('nango-report', 'report');
        const frontend = new Nango({ publicKey: env.public_key, host });
        await frontend.auth('github', 'r-1', { hmac: sign(env.key, 'github', 'r-1'), credentials: { apiKey: 'k' } });
        await frontend.auth('github', 'r-2', { credentials: { apiKey: 'k' } });
        await frontend.create('plain', 'r-3', { hmac: sign(env.key, 'plain', 'other') });
        const report = await api('GET', '/v1/hmac/report', env.secret_key);
        assert.deepEqual([report.valid, report.missing, report.invalid], [1, 1, 1]);
        const backend = new NangoNode({ host, secretKey: env.secret_key });
        assert.equal((await backend.listConnections()).connections.length, 3);
    });
});
