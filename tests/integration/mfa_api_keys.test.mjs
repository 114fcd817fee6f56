// Two-factor sign-in (TOTP per RFC 6238, recovery codes) and API keys (shown once, scopes that
// only narrow, team binding, revocation, expiry).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TENANT_PASSWORD,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  openWebSocket,
  releaseEngine,
  request,
  sleep,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';
import { Authenticator, base32Decode } from './lib/totp.mjs';

const P = uniquePrefix();
let server;
let engine;
let dockerHost;

before(async () => {
  dockerHost = await ensureEngine();
  engine = new Engine(dockerHost);
  server = await startServer({ dockerHost });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      await releaseEngine();
    }
  }
});

function login(body) {
  return request(server.target, 'POST', '/api/v1/auth/login', { body });
}

async function enrol(token) {
  const res = await server.api('POST', '/api/v1/me/mfa/totp', { token });
  expectStatus(assert, res, 200);
  return res.json;
}

// A tenant with two-factor sign-in on: {tenant, auth, recoveryCodes}.
async function tenantWithMfa(name) {
  const tenant = await createTenant(server, { name });
  const { secret } = await enrol(tenant.token);
  const auth = new Authenticator(secret);
  const res = await server.api('POST', '/api/v1/me/mfa/totp/confirm', { token: tenant.token, body: { code: await auth.nextCode() } });
  expectStatus(assert, res, 200);
  return { tenant, auth, recoveryCodes: res.json.recovery_codes };
}

describe('two-factor sign-in (TOTP)', { timeout: 180_000 }, () => {
  let tenant;
  let auth;
  let recoveryCodes;

  before(async () => {
    tenant = await createTenant(server, { name: `${P}-mfa` });
  });

  test('enrolment gives a base32 secret and an otpauth URI; sign-in stays password-only until confirmed', async () => {
    const res = await enrol(tenant.token);
    assert.match(res.secret, /^[A-Z2-7]+=*$/);
    assert.equal(base32Decode(res.secret).length, 20, '160-bit secret');
    assert.match(res.otpauth_uri, /^otpauth:\/\/totp\//);
    const uri = new URL(res.otpauth_uri);
    assert.equal(uri.searchParams.get('secret'), res.secret.replace(/=+$/, ''));
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    auth = new Authenticator(res.secret);
    expectStatus(assert, await login({ username: tenant.username, password: TENANT_PASSWORD }), 200);
  });

  test('confirm with a wrong code is 401 invalid_mfa_code', async () => {
    for (const code of [auth.wrongCode(), '12345', '1234567', 'abcdef', ' 12345', '', '０１２３４５']) {
      const res = await server.api('POST', '/api/v1/me/mfa/totp/confirm', { token: tenant.token, body: { code } });
      expectProblem(assert, res, 401, 'invalid_mfa_code');
    }
    expectStatus(assert, await login({ username: tenant.username, password: TENANT_PASSWORD }), 200);
  });

  test('confirm with the right code gives 10 recovery codes once; enrolling again is 409', async () => {
    const res = await server.api('POST', '/api/v1/me/mfa/totp/confirm', { token: tenant.token, body: { code: await auth.nextCode() } });
    expectStatus(assert, res, 200);
    recoveryCodes = res.json.recovery_codes;
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10, 'distinct codes');
    for (const c of recoveryCodes) assert.match(c, /^\S{8,}$/);
    expectProblem(assert, await server.api('POST', '/api/v1/me/mfa/totp', { token: tenant.token }), 409, 'mfa_enabled');
    const again = await server.api('POST', '/api/v1/me/mfa/totp/confirm', { token: tenant.token, body: { code: auth.wrongCode() } });
    expectProblem(assert, again, 409, 'mfa_enabled');
  });

  test('sign-in without a code is 401 mfa_required; a wrong password is still invalid_credentials', async () => {
    expectProblem(assert, await login({ username: tenant.username, password: TENANT_PASSWORD }), 401, 'mfa_required');
    const wrong = await login({ username: tenant.username, password: 'not the password here', totp_code: auth.wrongCode() });
    expectProblem(assert, wrong, 401, 'invalid_credentials');
  });

  test('the right code signs in; the same code again is refused (replay)', async () => {
    const code = await auth.nextCode();
    const first = await login({ username: tenant.username, password: TENANT_PASSWORD, totp_code: code });
    expectStatus(assert, first, 200);
    assert.match(first.json.access_token, /\./);
    const replay = await login({ username: tenant.username, password: TENANT_PASSWORD, totp_code: code });
    expectProblem(assert, replay, 401, 'invalid_mfa_code');
  });

  test('a recovery code works once; made-up ones never', async () => {
    const [code] = recoveryCodes;
    expectStatus(assert, await login({ username: tenant.username, password: TENANT_PASSWORD, recovery_code: code }), 200);
    expectProblem(assert, await login({ username: tenant.username, password: TENANT_PASSWORD, recovery_code: code }), 401, 'invalid_mfa_code');
    expectProblem(assert, await login({ username: tenant.username, password: TENANT_PASSWORD, recovery_code: 'aaaaaaaaaa' }), 401, 'invalid_mfa_code');
    expectStatus(assert, await login({ username: tenant.username, password: TENANT_PASSWORD, recovery_code: recoveryCodes[1] }), 200);
  });

  test('disabling needs the password and a fresh code', async () => {
    const disable = (body) => server.api('POST', '/api/v1/me/mfa/totp/disable', { token: tenant.token, body });
    const code = await auth.nextCode();
    expectProblem(assert, await disable({ password: 'not the password here', code }), 403, 'invalid_credentials');
    expectProblem(assert, await disable({ password: TENANT_PASSWORD, code: auth.wrongCode() }), 403, 'invalid_credentials');
    assert.equal((await disable({ password: TENANT_PASSWORD })).status, 400, 'the code is required');
    assert.equal((await disable({ code })).status, 400, 'the password is required');
    expectProblem(assert, await login({ username: tenant.username, password: TENANT_PASSWORD }), 401, 'mfa_required');
    // A session signed in elsewhere (with a recovery code) ends when the second factor goes.
    const elsewhere = await login({ username: tenant.username, password: TENANT_PASSWORD, recovery_code: recoveryCodes[2] });
    expectStatus(assert, elsewhere, 200);
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: elsewhere.json.access_token }), 200);
    // The code refused with the wrong password was not spent.
    expectStatus(assert, await disable({ password: TENANT_PASSWORD, code }), 204);
    expectProblem(assert, await server.api('GET', '/api/v1/me', { token: elsewhere.json.access_token }), 401, 'session_revoked');
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 200);
    expectStatus(assert, await login({ username: tenant.username, password: TENANT_PASSWORD }), 200);
    expectProblem(assert, await disable({ password: TENANT_PASSWORD, code: auth.wrongCode() }), 409, 'mfa_not_enabled');
  });

  test('wrong codes count toward the lockout: after five, even the right code is 429', async () => {
    const { tenant: locked, auth: lockedAuth } = await tenantWithMfa(`${P}-mfalock`);
    for (let i = 0; i < 5; i += 1) {
      const res = await login({ username: locked.username, password: TENANT_PASSWORD, totp_code: lockedAuth.wrongCode() });
      expectProblem(assert, res, 401, 'invalid_mfa_code');
    }
    const res = await login({ username: locked.username, password: TENANT_PASSWORD, totp_code: await lockedAuth.nextCode() });
    expectProblem(assert, res, 429, 'login_locked');
  });
});

// ---------------------------------------------------------------------------------------------
// API keys

function createKey(token, body) {
  return server.api('POST', '/api/v1/api-keys', { token, body });
}

async function mustCreateKey(token, body) {
  const res = await createKey(token, body);
  expectStatus(assert, res, 201);
  return res.json;
}

const withBearer = (key) => ({ headers: { Authorization: `Bearer ${key}` } });
const withHeader = (key) => ({ headers: { 'X-API-Key': key } });

describe('API keys', { timeout: 180_000 }, () => {
  let dev;

  before(async () => {
    dev = await createTenant(server, { name: `${P}-keys` });
  });

  test('a new key is shown once; lists never show it', async () => {
    const created = await mustCreateKey(dev.token, { name: `${P}-k1`, scopes: ['containers:read'] });
    assert.match(created.key, /^dk_[A-Za-z0-9_-]{40,}$/);
    assert.equal(created.prefix, created.key.slice(0, 10));
    assert.deepEqual(created.scopes, ['containers:read']);
    assert.equal(created.team_id, null);
    assert.equal(created.expires_at, null);

    const list = await server.api('GET', '/api/v1/api-keys', { token: dev.token });
    expectStatus(assert, list, 200);
    const item = list.json.items.find((k) => k.id === created.id);
    assert.ok(item, 'the key is listed');
    assert.equal(item.prefix, created.prefix);
    assert.ok(!('key' in item) && !('key_hash' in item), JSON.stringify(item));
    assert.ok(!list.text.includes(created.key.slice(10)), 'no secret part in the list');
    const adminList = await server.api('GET', '/api/v1/api-keys');
    assert.ok(!adminList.json.items.some((k) => k.id === created.id), "another user's list does not have it");
  });

  test('a key works as Authorization: Bearer and as X-API-Key, with its owner and scopes', async () => {
    const { key } = await mustCreateKey(dev.token, { name: `${P}-k2`, scopes: ['containers:read'] });
    for (const how of [withBearer(key), withHeader(key), { headers: { Authorization: `bearer ${key}` } }]) {
      expectStatus(assert, await server.api('GET', envPath('containers'), { token: null, ...how }), 200);
      const me = await server.api('GET', '/api/v1/me', { token: null, ...how });
      expectStatus(assert, me, 200);
      assert.equal(me.json.id, dev.userId);
    }
    const perms = await server.api('GET', '/api/v1/me/permissions', { token: null, ...withHeader(key) });
    assert.deepEqual(perms.json.scopes, ['containers:read']);
    assert.deepEqual(perms.json.teams[dev.teamId], ['containers:read']);
    // A bad Authorization header is not rescued by a good X-API-Key.
    const mixed = await server.api('GET', '/api/v1/me', { token: null, headers: { Authorization: 'Bearer nonsense', 'X-API-Key': key } });
    assert.equal(mixed.status, 401, mixed.text);
    const tampered = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await server.api('GET', '/api/v1/me', { token: null, ...withBearer(tampered) })).status, 401);
  });

  test('a containers:read key can neither create a container nor another API key', async () => {
    const { key } = await mustCreateKey(dev.token, { name: `${P}-k3`, scopes: ['containers:read'] });
    const create = await server.api('POST', envPath(`containers?name=${P}-denied`), {
      token: null,
      ...withBearer(key),
      body: { Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(P) },
    });
    expectProblem(assert, create, 403, 'permission_denied');
    expectProblem(assert, await server.api('GET', envPath('images'), { token: null, ...withBearer(key) }), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', envPath('volumes'), { token: null, ...withBearer(key), body: { Name: `${P}-denied`, Labels: testLabels(P) } }), 403, 'permission_denied');
    const child = await server.api('POST', '/api/v1/api-keys', { token: null, ...withBearer(key), body: { name: `${P}-child`, scopes: ['containers:read'] } });
    expectProblem(assert, child, 403, 'permission_denied');
    const list = await server.api('GET', '/api/v1/api-keys', { token: dev.token });
    assert.ok(!list.json.items.some((k) => k.name === `${P}-child`));
  });

  test('a key cannot manage its owner account (sessions, MFA, profile, password)', async () => {
    const owner = await createTenant(server, { name: `${P}-acct`, orgId: dev.orgId });
    const { key } = await mustCreateKey(owner.token, { name: `${P}-k-acct`, scopes: ['containers:read'] });
    const as = (method, urlPath, body) => server.api(method, urlPath, { token: null, ...withBearer(key), body });
    const attempts = [
      ['POST', '/api/v1/me/mfa/totp'],
      ['POST', '/api/v1/me/mfa/totp/confirm', { code: '123456' }],
      ['POST', '/api/v1/me/mfa/totp/disable', { password: TENANT_PASSWORD, code: '123456' }],
      ['DELETE', '/api/v1/me/sessions'],
      ['DELETE', `/api/v1/me/sessions/${JSON.parse(Buffer.from(owner.token.split('.')[1], 'base64url')).sid}`],
      ['PATCH', '/api/v1/me', { email: 'attacker@example.test' }],
      ['POST', '/api/v1/me/password', { current_password: TENANT_PASSWORD, new_password: `${TENANT_PASSWORD} taken` }],
    ];
    for (const [method, urlPath, body] of attempts) {
      expectProblem(assert, await as(method, urlPath, body), 403, 'permission_denied');
    }
    // The owner is untouched: password-only sign-in, the same session, the same profile.
    expectStatus(assert, await login({ username: owner.username, password: TENANT_PASSWORD }), 200);
    const me = await server.api('GET', '/api/v1/me', { token: owner.token });
    expectStatus(assert, me, 200);
    assert.notEqual(me.json.email, 'attacker@example.test');
  });

  test("scopes beyond the owner's permissions are 403 scope_exceeds_permissions", async () => {
    for (const scopes of [['users:manage'], ['containers:read', 'audit:read'], ['environments:manage'], ['org:manage']]) {
      expectProblem(assert, await createKey(dev.token, { name: `${P}-wide`, scopes }), 403, 'scope_exceeds_permissions');
    }
    const viewer = await createTenant(server, { name: `${P}-viewer`, orgId: dev.orgId, role: 'viewer' });
    expectProblem(assert, await createKey(viewer.token, { name: `${P}-wide`, scopes: ['containers:create'] }), 403, 'scope_exceeds_permissions');
    // A team the caller is not in.
    expectProblem(assert, await createKey(viewer.token, { name: `${P}-wide`, scopes: ['containers:read'], team_id: dev.teamId }), 403, 'scope_exceeds_permissions');
    // Malformed requests.
    expectProblem(assert, await createKey(dev.token, { name: `${P}-bad`, scopes: ['root'] }), 400, 'invalid_scope');
    expectProblem(assert, await createKey(dev.token, { name: `${P}-bad`, scopes: ['containers:*'] }), 400, 'invalid_scope');
    for (const body of [{ name: `${P}-bad`, scopes: [] }, { name: `${P}-bad` }, { scopes: ['containers:read'] }, { name: '', scopes: ['containers:read'] }, { name: `${P}-bad`, scopes: 'containers:read' }, { name: `${P}-bad`, scopes: ['containers:read'], user_id: 'x' }]) {
      const res = await createKey(dev.token, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
    }
    const list = await server.api('GET', '/api/v1/api-keys', { token: dev.token });
    assert.ok(!list.json.items.some((k) => k.name === `${P}-wide` || k.name === `${P}-bad`), 'nothing was created');
  });

  test("a key bound to team A sees none of team B's environments or resources, even when its owner does", async () => {
    const a = await createTenant(server, { name: `${P}-ta`, orgId: dev.orgId });
    const b = await createTenant(server, { name: `${P}-tb`, orgId: dev.orgId });
    const volume = `${P}-vol-b`;
    expectStatus(assert, await server.api('POST', envPath('volumes'), { token: b.token, body: { Name: volume, Labels: testLabels(P) } }), 201);
    const container = `${P}-ctr-b`;
    expectStatus(assert, await server.api('POST', envPath(`containers?name=${container}`), {
      token: b.token,
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    }), 201);
    // An environment only team B may use (the same engine under a second name).
    const env = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-envb`, url: dockerHost } });
    expectStatus(assert, env, 201);
    const envB = env.json.id;
    try {
      expectStatus(assert, await server.api('POST', `/api/v1/environments/${envB}/grants`, { body: { grantee_type: 'team', grantee_id: b.teamId } }), 204);
      // A's owner joins team B too (a membership change ends their sessions: sign in again).
      expectStatus(assert, await server.api('PUT', `/api/v1/teams/${b.teamId}/members/${a.userId}`, { body: { role: 'developer' } }), 204);
      const aToken = (await server.login(a.username, TENANT_PASSWORD)).access_token;
      expectStatus(assert, await server.api('GET', envPath(`volumes/${volume}`), { token: aToken }), 200);
      expectStatus(assert, await server.api('GET', envPath(`containers/${container}`), { token: aToken }), 200);
      expectStatus(assert, await server.api('GET', `/api/v1/environments/${envB}`, { token: aToken }), 200);

      const { key } = await mustCreateKey(aToken, {
        name: `${P}-bound`,
        scopes: ['containers:read', 'volumes:read', 'volumes:create', 'environments:read'],
        team_id: a.teamId,
      });
      const asKey = (method, urlPath, body) => server.api(method, urlPath, { token: null, ...withBearer(key), body });

      expectProblem(assert, await asKey('GET', envPath(`volumes/${volume}`)), 404, 'volume_not_found');
      expectProblem(assert, await asKey('GET', envPath(`containers/${container}`)), 404, 'container_not_found');
      const volumes = await asKey('GET', envPath('volumes'));
      expectStatus(assert, volumes, 200);
      assert.ok(!volumes.text.includes(volume), 'B volume not listed');
      const containers = await asKey('GET', envPath('containers?all=1'));
      expectStatus(assert, containers, 200);
      assert.ok(!containers.text.includes(container), 'B container not listed');
      expectProblem(assert, await asKey('GET', `/api/v1/environments/${envB}`), 404, 'environment_not_found');
      expectProblem(assert, await asKey('GET', `/api/v1/environments/${envB}/volumes`), 404, 'environment_not_found');
      const envs = await asKey('GET', '/api/v1/environments');
      expectStatus(assert, envs, 200);
      assert.ok(!envs.json.items.some((e) => e.id === envB), 'environment B not listed');
      const perms = await asKey('GET', '/api/v1/me/permissions');
      assert.deepEqual(Object.keys(perms.json.teams), [a.teamId]);

      // Nor can it make things in team B.
      const sneak = await asKey('POST', envPath(`volumes?team=${b.teamId}`), { Name: `${P}-vol-sneak`, Labels: testLabels(P) });
      assert.ok([403, 404].includes(sneak.status), `create in team B: ${sneak.status} ${sneak.text}`);
      expectStatus(assert, await asKey('POST', envPath('volumes'), { Name: `${P}-vol-a`, Labels: testLabels(P) }), 201);
    } finally {
      await server.api('DELETE', envPath(`containers/${container}?force=1`));
      await server.api('DELETE', `/api/v1/environments/${envB}`);
    }
  });

  test('a revoked key is 401 on the next request; only its owner can revoke it', async () => {
    const created = await mustCreateKey(dev.token, { name: `${P}-k4`, scopes: ['containers:read'] });
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: null, ...withHeader(created.key) }), 200);
    const other = await createTenant(server, { name: `${P}-other`, orgId: dev.orgId });
    expectProblem(assert, await server.api('DELETE', `/api/v1/api-keys/${created.id}`, { token: other.token }), 404, 'api_key_not_found');
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: null, ...withHeader(created.key) }), 200);

    expectStatus(assert, await server.api('DELETE', `/api/v1/api-keys/${created.id}`, { token: dev.token }), 204);
    for (const how of [withHeader(created.key), withBearer(created.key)]) {
      const res = await server.api('GET', '/api/v1/me', { token: null, ...how });
      expectProblem(assert, res, 401, 'authentication_required');
    }
    expectProblem(assert, await server.api('DELETE', `/api/v1/api-keys/${created.id}`, { token: dev.token }), 404, 'api_key_not_found');
    const listed = (await server.api('GET', '/api/v1/api-keys', { token: dev.token })).json.items.find((k) => k.id === created.id);
    assert.equal(typeof listed.revoked_at, 'string');
  });

  test("a key of a disabled account is 401", async () => {
    const owner = await createTenant(server, { name: `${P}-gone`, orgId: dev.orgId });
    const { key } = await mustCreateKey(owner.token, { name: `${P}-k5`, scopes: ['containers:read'] });
    expectStatus(assert, await server.api('PATCH', `/api/v1/users/${owner.userId}`, { body: { disabled: true } }), 200);
    expectProblem(assert, await server.api('GET', '/api/v1/me', { token: null, ...withBearer(key) }), 401, 'authentication_required');
  });

  test('an expired key is 401', async () => {
    const expiresAt = new Date(Date.now() + 6_000).toISOString();
    const created = await mustCreateKey(dev.token, { name: `${P}-k6`, scopes: ['containers:read'], expires_at: expiresAt });
    assert.equal(created.expires_at, expiresAt);
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: null, ...withBearer(created.key) }), 200);
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 200);
    const res = await server.api('GET', '/api/v1/me', { token: null, ...withBearer(created.key) });
    expectProblem(assert, res, 401, 'authentication_required');
    assert.match(res.json.detail, /expired/);
  });

  test('an invalid expires_at is 400', async () => {
    const bad = [
      'tomorrow',
      '',
      12345,
      true,
      '2020-01-01T00:00:00.000Z',
      new Date(Date.now() - 1_000).toISOString(),
      '2999-13-01T00:00:00.000Z',
      '2999-02-30T00:00:00.000Z',
      '2999-01-01T25:00:00.000Z',
      '2999-01-01T00:61:00.000Z',
      '2999-01-01 00:00:00.000Z',
      '2999-01-01T00:00:00.000',
      '2999-xx-01T00:00:00.000Z',
      '2999-01-01T00:00:00.000Z garbage',
      '2999-01-01T00:00:00.000z',
      '2999-01-01T00:00:00.000+24:00',
      '2999-01-01T00:00:00.Z',
      '9999-12-31T23:59:59.000-01:00',
      '2999-01-01T00:00:60.000Z',
    ];
    for (const expiresAt of bad) {
      const res = await createKey(dev.token, { name: `${P}-exp`, scopes: ['containers:read'], expires_at: expiresAt });
      assert.equal(res.status, 400, `expires_at ${JSON.stringify(expiresAt)}: ${res.status} ${res.text}`);
    }
    const list = await server.api('GET', '/api/v1/api-keys', { token: dev.token });
    assert.ok(!list.json.items.some((k) => k.name === `${P}-exp`), 'nothing was created');
  });

  test('expires_at is kept in UTC whatever offset it was written with', async () => {
    const later = new Date(Date.now() + 3_600_000);
    later.setUTCMilliseconds(0);
    // The same instant, written two hours ahead of UTC.
    const local = new Date(later.getTime() + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    const created = await mustCreateKey(dev.token, { name: `${P}-k7`, scopes: ['containers:read'], expires_at: local });
    assert.equal(created.expires_at, later.toISOString());
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: null, ...withBearer(created.key) }), 200);
    const plain = await mustCreateKey(dev.token, { name: `${P}-k8`, scopes: ['containers:read'], expires_at: '2999-01-01T00:00:00Z' });
    assert.equal(plain.expires_at, '2999-01-01T00:00:00.000Z');
    const listed = (await server.api('GET', '/api/v1/api-keys', { token: dev.token })).json.items.find((k) => k.id === plain.id);
    assert.equal(listed.expires_at, '2999-01-01T00:00:00.000Z');
  });

  test("a key's WebSocket ticket carries the key's scopes", async () => {
    const { key } = await mustCreateKey(dev.token, { name: `${P}-k9`, scopes: ['containers:read'] });
    const ticket = await server.api('POST', '/api/v1/auth/ws-ticket', { token: null, ...withBearer(key), body: { path: envPath('events') } });
    expectStatus(assert, ticket, 200);
    // The events stream needs events:read, which the key does not hold although its owner does.
    await assert.rejects(
      openWebSocket(`ws://127.0.0.1:${server.port}${envPath('events')}?ticket=${encodeURIComponent(ticket.json.ticket)}`),
      (err) => err.status === 403,
    );
    const own = await server.ws(envPath('events'), { token: dev.token });
    await own.close();
  });
});

describe('two-factor sign-in required by role', { timeout: 120_000 }, () => {
  test('with team_admin required, a team admin without a second factor may only enrol; developers are unaffected', async () => {
    expectProblem(assert, await server.api('PUT', '/api/v1/settings/mfa', { body: { required_for: ['root'] } }), 400, 'invalid_body');
    expectStatus(assert, await server.api('PUT', '/api/v1/settings/mfa', { body: { required_for: ['team_admin'] } }), 200);
    try {
      const admin = await createTenant(server, { name: `${P}-req-a`, role: 'admin' });
      const dev = await createTenant(server, { name: `${P}-req-d`, role: 'developer' });
      expectProblem(assert, await server.api('GET', '/api/v1/teams', { token: admin.token }), 403, 'mfa_enrollment_required');
      expectProblem(assert, await server.api('GET', envPath('containers'), { token: admin.token }), 403, 'mfa_enrollment_required');
      expectStatus(assert, await server.api('GET', '/api/v1/me', { token: admin.token }), 200);
      expectStatus(assert, await server.api('GET', '/api/v1/teams', { token: dev.token }), 200);
      expectProblem(assert, await server.api('PUT', '/api/v1/settings/mfa', { token: dev.token, body: { required_for: [] } }), 403, 'permission_denied');
      const { secret } = await enrol(admin.token);
      const auth = new Authenticator(secret);
      const confirmed = await server.api('POST', '/api/v1/me/mfa/totp/confirm', { token: admin.token, body: { code: await auth.nextCode() } });
      expectStatus(assert, confirmed, 200);
      expectStatus(assert, await server.api('GET', '/api/v1/teams', { token: admin.token }), 200);
      const current = await server.api('GET', '/api/v1/settings/mfa');
      assert.deepEqual(expectStatus(assert, current, 200).json, { required_for: ['team_admin'] });
    } finally {
      expectStatus(assert, await server.api('PUT', '/api/v1/settings/mfa', { body: { required_for: [] } }), 200);
    }
  });
});
