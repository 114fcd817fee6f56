// Signing in and proving who you are: first-admin setup, routes closed without credentials,
// login throttling, forged and misused tokens (HS256 and EdDSA servers), refresh rotation and
// reuse detection, sessions, logout, password change, disabled accounts, mass assignment on
// /me, one-time WebSocket tickets and `dokkerr admin create-user`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  TENANT_PASSWORD,
  createTenant,
  dokkerrBin,
  ensureEngine,
  expectProblem,
  expectStatus,
  openWebSocket,
  releaseEngine,
  request,
  startServer,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
const servers = [];

let dockerHost;

async function launch(options = {}) {
  const server = await startServer({ dockerHost, ...options });
  servers.push(server);
  return server;
}

before(async () => {
  dockerHost = await ensureEngine();
});

after(async () => {
  const failures = [];
  for (const server of servers) {
    try {
      await server.stop();
    } catch (err) {
      failures.push(err);
    }
  }
  await releaseEngine();
  if (failures.length > 0) throw failures[0];
});

// ---------------------------------------------------------------------------------------------
// Helpers

const b64u = (data) => Buffer.from(data).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function decodeJwt(token) {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

function signingInput(header, payload) {
  const h = typeof header === 'string' ? header : b64u(JSON.stringify(header));
  const p = typeof payload === 'string' ? payload : b64u(JSON.stringify(payload));
  return `${h}.${p}`;
}

function signHs256(header, payload, key) {
  const input = signingInput(header, payload);
  return `${input}.${b64u(createHmac('sha256', key).update(input).digest())}`;
}

function signEd25519(header, payload, privateKey) {
  const input = signingInput(header, payload);
  return `${input}.${b64u(edSign(null, Buffer.from(input), privateKey))}`;
}

// The key file behind a token's kid, as the server keeps it in its data dir.
function keyFile(server, kid) {
  return path.join(server.dataDir, 'keys', 'jwt', `${kid}.key`);
}

async function hs256Key(server, kid) {
  const text = await fsp.readFile(keyFile(server, kid), 'utf8');
  const key = Buffer.from(text.trim(), 'hex');
  assert.equal(key.length, 32, 'the HS256 key file holds 64 hex characters');
  return key;
}

// Claims as the server writes them, for the session behind `token`, with `overrides`.
function claimsLike(token, overrides = {}) {
  const { payload } = decodeJwt(token);
  const now = nowSeconds();
  return { iss: 'dokkerr', aud: 'dokkerr-api', sub: payload.sub, sid: payload.sid, typ: 'access', iat: now, exp: now + 600, ...overrides };
}

function me(server, token) {
  return server.api('GET', '/api/v1/me', { token });
}

async function expectTokenWorks(server, token, what = 'token') {
  const res = await me(server, token);
  assert.equal(res.status, 200, `${what} should work: ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

// Any 401 problem; `code` narrows it.
function expect401(res, code, what = '') {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type'] || ''), /application\/problem\+json/, what);
  if (code) assert.equal(res.json?.code, code, `${what}: ${res.text.slice(0, 300)}`);
  return res.json;
}

function login(server, body) {
  return request(server.target, 'POST', '/api/v1/auth/login', { body });
}

function refresh(server, refreshToken) {
  return request(server.target, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshToken } });
}

async function sessionsOf(server, token) {
  const res = await server.api('GET', '/api/v1/me/sessions', { token });
  expectStatus(assert, res, 200);
  return res.json.items;
}

async function auditEntries(server, action) {
  const res = await server.api('GET', `/api/v1/audit?action=${encodeURIComponent(action)}&limit=1000`);
  expectStatus(assert, res, 200);
  return res.json.items;
}

const EVENTS_PATH = '/api/v1/environments/local/events';

async function wsTicket(server, token, ticketPath = EVENTS_PATH) {
  const res = await server.api('POST', '/api/v1/auth/ws-ticket', { token, body: { path: ticketPath } });
  expectStatus(assert, res, 200);
  assert.match(res.json.ticket, /^dkw_/);
  assert.equal(res.json.expires_in, 30);
  assert.equal(res.json.path, ticketPath);
  return res.json.ticket;
}

async function expectWsRefused(url, status = 401) {
  await assert.rejects(openWebSocket(url), (err) => {
    assert.equal(err.status, status, `${url}: ${err.message}`);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Routes that must be closed without credentials. Parameters get harmless values; the guard
// answers before any handler runs, so nothing is created or removed.

const PUBLIC_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  // OpenID Connect sign-in: listing the providers, starting and finishing a login.
  'GET /api/v1/auth/oidc/providers/public',
  'GET /api/v1/auth/oidc/{provider}/start',
  'GET /api/v1/auth/oidc/callback',
  // The API's description (generated from the route table; it holds no data).
  'GET /api/v1/openapi.json',
  // Prometheus scrapes: no account, but its own scrape token or an allowed address
  // (prometheus.test.mjs and monitoring.test.mjs test that guard).
  'GET /metrics',
  // A stack's redeploy webhook: the secret token in the path is the credential
  // (stack_hooks.test.mjs: unknown tokens are 404 and audited, guessing is rate limited).
  'POST /api/v1/hooks/stacks/{token}',
]);

const E = '/api/v1/environments/local';
const GUARDED_ROUTES = [
  ['GET', '/api/v1/version'],
  ['GET', '/api/v1/system/leases'],
  ['GET', '/api/v1/environments'],
  ['POST', '/api/v1/environments'],
  ['GET', E],
  ['PATCH', E],
  ['DELETE', E],
  ['GET', `${E}/grants`],
  ['POST', `${E}/grants`],
  ['DELETE', `${E}/grants/team/x`],
  ['GET', `${E}/containers`],
  ['POST', `${E}/containers?name=${P}-never`],
  ['GET', `${E}/containers/x`],
  ['GET', `${E}/containers/x/logs`],
  ['GET', `${E}/containers/x/stats`],
  ['GET', `${E}/containers/x/top`],
  ['GET', `${E}/containers/x/exec`],
  ...['start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rename', 'update', 'wait', 'exec'].map((a) => ['POST', `${E}/containers/x/${a}`]),
  ['PUT', `${E}/containers/x/owner`],
  ['DELETE', `${E}/containers/x`],
  ['GET', `${E}/images`],
  ['GET', `${E}/images/x`],
  ['GET', `${E}/images/x/history`],
  ['GET', `${E}/images/x/export`],
  ['POST', `${E}/images/pull`],
  ['POST', `${E}/images/x/tag`],
  ['POST', `${E}/images/prune`],
  ['POST', `${E}/images/load`],
  ['POST', `${E}/images/import`],
  ['DELETE', `${E}/images/x`],
  ['GET', `${E}/networks`],
  ['GET', `${E}/networks/x`],
  ['POST', `${E}/networks`],
  ['POST', `${E}/networks/x/connect`],
  ['POST', `${E}/networks/x/disconnect`],
  ['POST', `${E}/networks/prune`],
  ['PUT', `${E}/networks/x/owner`],
  ['DELETE', `${E}/networks/x`],
  ['GET', `${E}/volumes`],
  ['GET', `${E}/volumes/x`],
  ['POST', `${E}/volumes`],
  ['POST', `${E}/volumes/prune`],
  ['PUT', `${E}/volumes/x/owner`],
  ['DELETE', `${E}/volumes/x`],
  ['GET', `${E}/system/info`],
  ['GET', `${E}/system/version`],
  ['GET', `${E}/system/df`],
  ['GET', `${E}/events`],
  ['POST', '/api/v1/auth/logout'],
  ['POST', '/api/v1/auth/ws-ticket'],
  ['GET', '/api/v1/me'],
  ['PATCH', '/api/v1/me'],
  ['GET', '/api/v1/me/permissions'],
  ['POST', '/api/v1/me/password'],
  ['GET', '/api/v1/me/sessions'],
  ['DELETE', '/api/v1/me/sessions'],
  ['DELETE', '/api/v1/me/sessions/x'],
  ['POST', '/api/v1/me/mfa/totp'],
  ['POST', '/api/v1/me/mfa/totp/confirm'],
  ['POST', '/api/v1/me/mfa/totp/disable'],
  ['GET', '/api/v1/api-keys'],
  ['POST', '/api/v1/api-keys'],
  ['DELETE', '/api/v1/api-keys/x'],
  ['GET', '/api/v1/users'],
  ['POST', '/api/v1/users'],
  ['GET', '/api/v1/users/x'],
  ['PATCH', '/api/v1/users/x'],
  ['DELETE', '/api/v1/users/x'],
  ['GET', '/api/v1/organizations'],
  ['POST', '/api/v1/organizations'],
  ['GET', '/api/v1/organizations/x'],
  ['DELETE', '/api/v1/organizations/x'],
  ['GET', '/api/v1/organizations/x/members'],
  ['PUT', '/api/v1/organizations/x/members/y'],
  ['DELETE', '/api/v1/organizations/x/members/y'],
  ['GET', '/api/v1/organizations/x/roles'],
  ['POST', '/api/v1/organizations/x/roles'],
  ['DELETE', '/api/v1/organizations/x/roles/y'],
  ['GET', '/api/v1/teams'],
  ['POST', '/api/v1/teams'],
  ['GET', '/api/v1/teams/x'],
  ['DELETE', '/api/v1/teams/x'],
  ['GET', '/api/v1/teams/x/members'],
  ['PUT', '/api/v1/teams/x/members/y'],
  ['DELETE', '/api/v1/teams/x/members/y'],
  ['GET', '/api/v1/teams/x/policy'],
  ['PUT', '/api/v1/teams/x/policy'],
  ['GET', '/api/v1/audit'],
  ['GET', '/api/v1/audit/export'],
  ['GET', '/api/v1/audit/verify'],
];

// Sends `method path` with each kind of missing or worthless credential; all must be 401.
async function expectClosed(server, method, urlPath) {
  const attempts = [
    ['no credentials', {}, 'authentication_required'],
    ['an empty bearer', { Authorization: 'Bearer ' }, 'authentication_required'],
    ['Basic auth', { Authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}` }, 'authentication_required'],
    ['a garbage bearer', { Authorization: 'Bearer not.a.token' }, undefined],
    ['an unknown API key', { 'X-API-Key': `dk_${randomBytes(32).toString('base64url')}` }, undefined],
  ];
  for (const [what, headers, code] of attempts) {
    const res = await request(server.target, method, urlPath, { headers, raw: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
    expect401(res, code, `${method} ${urlPath} with ${what}`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('a fresh server: closed routes and first-admin setup', { timeout: 120_000 }, () => {
  let fresh;
  let setupToken;

  before(async () => {
    fresh = await launch({ bootstrap: false });
    const m = /Dokkerr setup token: (\S+)/.exec(fresh.child.stdoutText());
    assert.ok(m, 'the setup token is printed on stdout');
    setupToken = m[1];
  });

  test('every route but health, setup, login and refresh answers 401 without credentials', async () => {
    for (const [method, urlPath] of GUARDED_ROUTES) await expectClosed(fresh, method, urlPath);
    expectStatus(assert, await request(fresh.target, 'GET', '/healthz'), 200);
    expectStatus(assert, await request(fresh.target, 'GET', '/readyz'), 200);
  });

  test('path spellings of a guarded route never get past the guard', async () => {
    for (const p of ['/api/v1/me/', '/api/v1//me', '/api/v1/./me', '/api/v1/x/../me', '/api/v1/%6de', '/API/V1/ME', '/api/v1/me;x', '/api/v1/me%00', '/api/v1/me?token=x']) {
      const res = await request(fresh.target, 'GET', p);
      assert.ok([401, 404, 400].includes(res.status), `${p}: ${res.status} ${res.text.slice(0, 200)}`);
    }
  });

  test('GET /api/v1/setup says setup is required', async () => {
    const res = await request(fresh.target, 'GET', '/api/v1/setup');
    expectStatus(assert, res, 200);
    assert.deepEqual(res.json, { setup_required: true });
  });

  test('nobody signs in before setup', async () => {
    expectProblem(assert, await login(fresh, { username: ADMIN_USER, password: ADMIN_PASSWORD }), 401, 'invalid_credentials');
  });

  test('setup with a wrong, empty or oversize token is 401 invalid_setup_token', async () => {
    for (const token of ['wrong', setupToken.slice(0, -1), `${setupToken}x`, setupToken.toUpperCase() === setupToken ? 'x' : setupToken.toUpperCase(), 'x'.repeat(5000)]) {
      const res = await request(fresh.target, 'POST', '/api/v1/setup', {
        body: { setup_token: token, username: ADMIN_USER, password: ADMIN_PASSWORD },
      });
      expectProblem(assert, res, 401, 'invalid_setup_token');
    }
    const missing = await request(fresh.target, 'POST', '/api/v1/setup', { body: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
    assert.equal(missing.status, 400, missing.text);
    const extra = await request(fresh.target, 'POST', '/api/v1/setup', {
      body: { setup_token: setupToken, username: ADMIN_USER, password: ADMIN_PASSWORD, is_admin: false },
    });
    assert.equal(extra.status, 400, `unknown fields are refused: ${extra.text}`);
    const weak = await request(fresh.target, 'POST', '/api/v1/setup', {
      body: { setup_token: setupToken, username: ADMIN_USER, password: 'short' },
    });
    expectProblem(assert, weak, 400, 'password_too_short');
    const still = await request(fresh.target, 'GET', '/api/v1/setup');
    assert.deepEqual(still.json, { setup_required: true }, 'failed attempts leave setup pending');
  });

  test('the right token creates the admin (201); a second setup is 409 setup_complete', async () => {
    const res = await request(fresh.target, 'POST', '/api/v1/setup', {
      body: { setup_token: setupToken, username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    expectStatus(assert, res, 201);
    assert.equal(res.json.username, ADMIN_USER);
    assert.equal(res.json.is_admin, true);
    assert.doesNotMatch(res.text, /argon2|password/i, 'no password material in the answer');

    const again = await request(fresh.target, 'POST', '/api/v1/setup', {
      body: { setup_token: setupToken, username: `${ADMIN_USER}2`, password: ADMIN_PASSWORD },
    });
    expectProblem(assert, again, 409, 'setup_complete');
    const other = await request(fresh.target, 'POST', '/api/v1/setup', {
      body: { setup_token: 'wrong', username: `${ADMIN_USER}3`, password: ADMIN_PASSWORD },
    });
    expectProblem(assert, other, 409, 'setup_complete');
    const state = await request(fresh.target, 'GET', '/api/v1/setup');
    assert.deepEqual(state.json, { setup_required: false });

    const session = await fresh.login(ADMIN_USER, ADMIN_PASSWORD);
    assert.equal(session.token_type, 'Bearer');
    assert.equal(typeof session.expires_in, 'number');
    fresh.token = session.access_token;
    const perms = await fresh.api('GET', '/api/v1/me/permissions');
    expectStatus(assert, perms, 200);
    assert.equal(perms.json.is_admin, true);
  });

  test('every route the server lists is closed without credentials unless it is meant to be public', async (t) => {
    assert.ok(fresh.token, 'needs the admin from the setup test');
    const res = await fresh.api('GET', '/api/v1/routes');
    if (res.status === 404) {
      t.skip('this server has no GET /api/v1/routes');
      return;
    }
    expectStatus(assert, res, 200);
    assert.ok(res.json.items.length >= GUARDED_ROUTES.length, 'the route table is complete');
    for (const route of res.json.items) {
      const key = `${route.method} ${route.pattern}`;
      if (route.permission === 'public') {
        assert.ok(PUBLIC_ROUTES.has(key), `${key} is public but should not be`);
        continue;
      }
      const urlPath = route.pattern.replaceAll('{env}', 'local').replace(/\{[^}]+\}/g, 'x');
      await expectClosed(fresh, route.method, urlPath);
    }
  });

  test('the setup token and the password never reach the log', async () => {
    const log = fresh.stderr();
    assert.ok(!log.includes(setupToken), 'setup token in stderr');
    assert.ok(!log.includes(ADMIN_PASSWORD), 'password in stderr');
  });
});

describe('login failures and throttling', { timeout: 180_000 }, () => {
  // A server of its own: these tests lock accounts and finally the whole client address.
  let server;
  let victim;

  before(async () => {
    server = await launch();
    victim = `${P}-victim`;
    expectStatus(assert, await server.api('POST', '/api/v1/users', { body: { username: victim, password: TENANT_PASSWORD } }), 201);
  });

  test('a wrong password and an unknown user get the same 401 invalid_credentials', async () => {
    const wrong = await login(server, { username: ADMIN_USER, password: 'not the password at all' });
    const unknown = await login(server, { username: `${P}-nobody`, password: 'not the password at all' });
    const a = expectProblem(assert, wrong, 401, 'invalid_credentials');
    const b = expectProblem(assert, unknown, 401, 'invalid_credentials');
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
    assert.equal(a.title, b.title);
    assert.equal(a.detail, b.detail);
    assert.equal(wrong.headers['content-length'] !== undefined, unknown.headers['content-length'] !== undefined);
    // Failures that count (address budget so far: 2).
  });

  test('malformed logins are refused without a session', async () => {
    for (const body of [{ username: ADMIN_USER }, { password: ADMIN_PASSWORD }, { username: ADMIN_USER, password: 42 }, { username: [ADMIN_USER], password: ADMIN_PASSWORD }]) {
      const res = await login(server, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    }
    const extra = await login(server, { username: ADMIN_USER, password: ADMIN_PASSWORD, is_admin: true });
    assert.equal(extra.status, 400, extra.text);
  });

  test('five failures lock an account: 429 login_locked even with the right password, in any letter case', async () => {
    const spellings = [victim, victim.toUpperCase(), victim, victim.toUpperCase(), victim];
    for (const username of spellings) {
      expectProblem(assert, await login(server, { username, password: 'wrong password here' }), 401, 'invalid_credentials');
    }
    const locked = await login(server, { username: victim, password: TENANT_PASSWORD });
    const problem = expectProblem(assert, locked, 429, 'login_locked');
    assert.match(problem.detail, /\d+ s/);
    expectProblem(assert, await login(server, { username: victim.toUpperCase(), password: TENANT_PASSWORD }), 429, 'login_locked');
    // address budget: 7
  });

  test('unknown usernames lock the same way', async () => {
    const ghost = `${P}-ghost`;
    for (let i = 0; i < 5; i += 1) {
      expectProblem(assert, await login(server, { username: ghost, password: 'wrong password here' }), 401, 'invalid_credentials');
    }
    expectProblem(assert, await login(server, { username: ghost, password: 'wrong password here' }), 429, 'login_locked');
    // address budget: 12
  });

  test('another account from the same address signs in until the address limit (20), then not', async () => {
    await server.login(ADMIN_USER, ADMIN_PASSWORD);
    // Seven more failures on fresh names: 19 from this address.
    for (let i = 0; i < 7; i += 1) {
      expectProblem(assert, await login(server, { username: `${P}-spray${i}`, password: 'wrong password here' }), 401, 'invalid_credentials');
    }
    await server.login(ADMIN_USER, ADMIN_PASSWORD);
    expectProblem(assert, await login(server, { username: `${P}-spray-last`, password: 'wrong password here' }), 401, 'invalid_credentials');
    expectProblem(assert, await login(server, { username: ADMIN_USER, password: ADMIN_PASSWORD }), 429, 'login_locked');
    // Sessions that exist keep working: the lock is about signing in.
    await expectTokenWorks(server, server.token, 'the admin session');
  });

  test('failures, lockouts and locked attempts are in the audit log', async () => {
    const logins = await auditEntries(server, 'auth.login');
    assert.ok(logins.some((e) => e.result === 'failure' && e.actor.name === `${P}-ghost`), 'a failure of an unknown name');
    assert.ok(logins.some((e) => e.result === 'denied' && e.detail?.reason === 'locked'), 'a refused locked attempt');
    const lockouts = await auditEntries(server, 'auth.lockout');
    assert.ok(lockouts.length >= 3, `lockouts recorded: ${lockouts.length}`);
  });
});

describe('tokens', { timeout: 180_000 }, () => {
  let server;
  let tenant;
  let key;
  let kid;

  before(async () => {
    server = await launch();
    tenant = await createTenant(server, { name: `${P}-tok` });
    kid = decodeJwt(tenant.token).header.kid;
    key = await hs256Key(server, kid);
  });

  test('the server signs HS256 tokens with the documented claims', () => {
    const { header, payload } = decodeJwt(tenant.token);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid });
    assert.equal(payload.iss, 'dokkerr');
    assert.equal(payload.aud, 'dokkerr-api');
    assert.equal(payload.typ, 'access');
    assert.equal(payload.sub, tenant.userId);
    assert.match(payload.sid, /^[0-9a-f]+$/);
    assert.ok(payload.exp > payload.iat && payload.exp - payload.iat <= 15 * 60);
  });

  test('control: a token signed here with the key file and correct claims is accepted', async () => {
    const token = signHs256({ alg: 'HS256', typ: 'JWT', kid }, claimsLike(tenant.token), key);
    const body = await expectTokenWorks(server, token, 'the forged-but-correct token');
    assert.equal(body.id, tenant.userId);
  });

  test('unsigned tokens (alg none, None, NONE) are 401', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const header of [{ alg, typ: 'JWT' }, { alg, typ: 'JWT', kid }]) {
        const input = signingInput(header, claimsLike(tenant.token));
        for (const token of [`${input}.`, input, `${input}.${b64u('x')}`]) {
          expect401(await me(server, token), undefined, `alg ${alg} ${token.slice(-8)}`);
        }
      }
    }
  });

  test('HS256 signed with a random key is 401 invalid_token', async () => {
    const token = signHs256({ alg: 'HS256', typ: 'JWT', kid }, claimsLike(tenant.token), randomBytes(32));
    expect401(await me(server, token), 'invalid_token');
    const hexKey = signHs256({ alg: 'HS256', typ: 'JWT', kid }, claimsLike(tenant.token), key.toString('hex'));
    expect401(await me(server, hexKey), 'invalid_token', 'the key file text as the key');
  });

  test('an unknown kid and a path as kid are 401 even with the right key', async () => {
    for (const badKid of ['0123456789abcdef', '../../etc/passwd', `../${kid}`, `${kid}.key`, `${kid}/../${kid}`, '', 'x'.repeat(65)]) {
      const token = signHs256({ alg: 'HS256', typ: 'JWT', kid: badKid }, claimsLike(tenant.token), key);
      expect401(await me(server, token), 'invalid_token', `kid ${badKid}`);
    }
    const noKid = signHs256({ alg: 'HS256', typ: 'JWT' }, claimsLike(tenant.token), key);
    expect401(await me(server, noKid), 'invalid_token', 'no kid');
  });

  test('header tricks are 401: other algorithms, jwk/jku/crit parameters, duplicate keys', async () => {
    const claims = claimsLike(tenant.token);
    const headers = [
      { alg: 'HS512', typ: 'JWT', kid },
      { alg: 'hs256', typ: 'JWT', kid },
      { alg: 'EdDSA', typ: 'JWT', kid },
      { alg: 'HS256', typ: 'JWT', kid, jku: 'http://127.0.0.1:1/keys' },
      { alg: 'HS256', typ: 'JWT', kid, jwk: { kty: 'oct', k: b64u(key) } },
      { alg: 'HS256', typ: 'JWT', kid, crit: ['exp'] },
    ];
    for (const header of headers) {
      expect401(await me(server, signHs256(header, claims, key)), 'invalid_token', JSON.stringify(header).slice(0, 80));
    }
    const duplicate = b64u(`{"alg":"none","alg":"HS256","typ":"JWT","kid":"${kid}"}`);
    expect401(await me(server, signHs256(duplicate, claims, key)), 'invalid_token', 'duplicate alg');
    const duplicateSub = b64u(JSON.stringify(claims).replace('"sub":', '"sub":"nobody","sub":'));
    expect401(await me(server, signHs256({ alg: 'HS256', typ: 'JWT', kid }, duplicateSub, key)), 'invalid_token', 'duplicate sub');
  });

  test('validly signed tokens with bad claims are 401: expired, wrong aud, wrong iss, typ refresh, future iat', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid };
    const now = nowSeconds();
    const expired = signHs256(header, claimsLike(tenant.token, { iat: now - 7200, exp: now - 3600 }), key);
    expect401(await me(server, expired), 'token_expired', 'expired');
    const cases = [
      ['wrong aud', { aud: 'someone-else' }],
      ['aud as array', { aud: ['dokkerr-api'] }],
      ['wrong iss', { iss: 'evil' }],
      ['typ refresh', { typ: 'refresh' }],
      ['no typ', { typ: undefined }],
      ['iat far in the future', { iat: now + 3600, exp: now + 7200 }],
      ['exp before iat', { iat: now, exp: now - 10 }],
      ['exp as string', { exp: String(now + 600) }],
      ['empty sid', { sid: '' }],
    ];
    for (const [what, overrides] of cases) {
      const token = signHs256(header, claimsLike(tenant.token, overrides), key);
      expect401(await me(server, token), undefined, what);
    }
  });

  test('validly signed tokens naming another user or an unknown session are 401', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid };
    const admin = decodeJwt(server.token).payload;
    // The tenant's session with the admin as subject: the session belongs to someone else.
    expect401(await me(server, signHs256(header, claimsLike(tenant.token, { sub: admin.sub }), key)), undefined, 'sub swapped');
    expect401(await me(server, signHs256(header, claimsLike(tenant.token, { sid: randomBytes(16).toString('hex') }), key)), undefined, 'unknown sid');
    // Another token's signature on these claims.
    const [h, , s] = server.token.split('.');
    const spliced = `${h}.${b64u(JSON.stringify(claimsLike(tenant.token, { sub: admin.sub, sid: admin.sid })))}.${s}`;
    expect401(await me(server, spliced), 'invalid_token', 'spliced signature');
  });

  test('malformed tokens are 401: extra segment, padding, empty parts, oversize header', async () => {
    const good = tenant.token;
    const [h, p, s] = good.split('.');
    const variants = [
      ['extra segment', `${good}.${s}`],
      ['extra empty segment', `${good}.`],
      ['two segments', `${h}.${p}`],
      ['padded', `${h}.${p}=.${s}`],
      ['standard base64 signature', `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`],
      ['empty header', `.${p}.${s}`],
      ['whitespace inside', `${h}.${p} .${s}`],
      ['oversize header', signHs256(b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid, x: 'a'.repeat(9000) })), claimsLike(good), key)],
    ];
    for (const [what, token] of variants) {
      expect401(await me(server, token), undefined, what);
    }
    const huge = await me(server, `${h}.${'A'.repeat(12_000)}.${s}`);
    assert.ok([401, 431].includes(huge.status), `a 12 KB token: ${huge.status}`);
    await expectTokenWorks(server, good, 'the untouched token');
  });

  test('a refresh token is no access token, and an access token is no refresh token', async () => {
    const session = await server.login(tenant.username, TENANT_PASSWORD);
    expect401(await me(server, session.refresh_token), undefined, 'refresh token as bearer');
    expect401(await request(server.target, 'GET', '/api/v1/me', { headers: { 'X-API-Key': session.refresh_token } }), undefined, 'refresh token as API key');
    expectProblem(assert, await refresh(server, session.access_token), 401, 'invalid_refresh_token');
    expectProblem(assert, await refresh(server, `dkr_${randomBytes(32).toString('base64url')}`), 401, 'invalid_refresh_token');
    // Neither misuse spent or broke anything.
    await expectTokenWorks(server, session.access_token);
    expectStatus(assert, await refresh(server, session.refresh_token), 200);
  });
});

describe('tokens on an EdDSA server', { timeout: 120_000 }, () => {
  let server;
  let kid;
  let privateKey;

  before(async () => {
    server = await launch({ args: ['--jwt-algorithm', 'eddsa'] });
    kid = decodeJwt(server.token).header.kid;
    privateKey = createPrivateKey(await fsp.readFile(keyFile(server, kid), 'utf8'));
  });

  test('the server signs EdDSA tokens', () => {
    assert.deepEqual(decodeJwt(server.token).header, { alg: 'EdDSA', typ: 'JWT', kid });
  });

  test('control: a token signed here with the private key and correct claims is accepted', async () => {
    await expectTokenWorks(server, signEd25519({ alg: 'EdDSA', typ: 'JWT', kid }, claimsLike(server.token), privateKey));
  });

  test('HS256 signed with the public key (raw, DER, PEM, JWK x) is 401', async () => {
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    const secrets = [
      ['raw', Buffer.from(jwk.x, 'base64url')],
      ['DER', publicKey.export({ format: 'der', type: 'spki' })],
      ['PEM', Buffer.from(publicKey.export({ format: 'pem', type: 'spki' }))],
      ['x text', Buffer.from(jwk.x)],
    ];
    for (const [what, secret] of secrets) {
      const token = signHs256({ alg: 'HS256', typ: 'JWT', kid }, claimsLike(server.token), secret);
      expect401(await me(server, token), 'invalid_token', `HS256 with the ${what} public key`);
    }
  });

  test('unsigned and foreign-key tokens are 401', async () => {
    const claims = claimsLike(server.token);
    expect401(await me(server, `${signingInput({ alg: 'none', typ: 'JWT', kid }, claims)}.`), 'invalid_token', 'alg none');
    const { privateKey: other } = generateKeyPairSync('ed25519');
    expect401(await me(server, signEd25519({ alg: 'EdDSA', typ: 'JWT', kid }, claims, other)), 'invalid_token', 'another Ed25519 key');
    const now = nowSeconds();
    const expired = signEd25519({ alg: 'EdDSA', typ: 'JWT', kid }, claimsLike(server.token, { iat: now - 7200, exp: now - 3600 }), privateKey);
    expect401(await me(server, expired), 'token_expired', 'expired');
  });
});

describe('sessions', { timeout: 180_000 }, () => {
  let server;

  before(async () => {
    server = await launch();
  });

  test('refresh rotates once; a repeat within the grace window gets a pair', async () => {
    const tenant = await createTenant(server, { name: `${P}-rot` });
    const first = await refresh(server, tenant.refreshToken);
    expectStatus(assert, first, 200);
    assert.notEqual(first.json.refresh_token, tenant.refreshToken);
    assert.match(first.json.refresh_token, /^dkr_/);
    await expectTokenWorks(server, first.json.access_token, 'the rotated access token');
    assert.equal(decodeJwt(first.json.access_token).payload.sid, decodeJwt(tenant.token).payload.sid, 'same session');

    // Within the grace window (10 s by default) a repeat (two tabs racing) gets a pair rather
    // than a revocation. The window's edge is the session service's unit test's business.
    const repeat = await refresh(server, tenant.refreshToken);
    expectStatus(assert, repeat, 200);
    await expectTokenWorks(server, first.json.access_token, 'the session after a repeat within grace');
    await expectTokenWorks(server, repeat.json.access_token, 'the pair of the repeat');
  });

  test('reuse of a refresh token outside the grace window revokes the session at once', async () => {
    // A server without a grace window: the first repeat is a reuse, no waiting needed.
    const strict = await launch({ args: ['--refresh-reuse-interval', '0'] });
    const tenant = await createTenant(strict, { name: `${P}-reuse` });
    const first = await refresh(strict, tenant.refreshToken);
    expectStatus(assert, first, 200);
    await expectTokenWorks(strict, first.json.access_token, 'the rotated access token');

    const reuse = await refresh(strict, tenant.refreshToken);
    expectProblem(assert, reuse, 401, 'refresh_token_reused');
    for (const [what, token] of [['original', tenant.token], ['rotated', first.json.access_token]]) {
      expect401(await me(strict, token), 'session_revoked', `${what} access token after reuse`);
    }
    expectProblem(assert, await refresh(strict, first.json.refresh_token), 401, 'invalid_refresh_token');

    const entries = await waitFor(async () => {
      const items = await auditEntries(strict, 'auth.refresh_token_reuse');
      return items.length > 0 ? items : null;
    }, 5_000, { what: 'the audit entry auth.refresh_token_reuse' });
    const entry = entries.find((e) => e.actor.id === tenant.userId);
    assert.ok(entry, JSON.stringify(entries).slice(0, 500));
    assert.equal(entry.result, 'denied');
    assert.equal(entry.detail.session_id, decodeJwt(tenant.token).payload.sid);
  });

  test('sessions: list marks the current one, revoke one, revoke all', async () => {
    const tenant = await createTenant(server, { name: `${P}-ses` });
    const second = await server.login(tenant.username, TENANT_PASSWORD);
    const third = await server.login(tenant.username, TENANT_PASSWORD);
    const sid = (token) => decodeJwt(token).payload.sid;

    const list = await sessionsOf(server, tenant.token);
    for (const token of [tenant.token, second.access_token, third.access_token]) {
      assert.ok(list.some((s) => s.id === sid(token)), 'every session listed');
    }
    assert.deepEqual(list.filter((s) => s.current).map((s) => s.id), [sid(tenant.token)]);
    assert.doesNotMatch(JSON.stringify(list), /dkr_|eyJ/, 'no tokens in the list');

    const revoke = await server.api('DELETE', `/api/v1/me/sessions/${sid(second.access_token)}`, { token: tenant.token });
    expectStatus(assert, revoke, 204);
    expect401(await me(server, second.access_token), 'session_revoked', 'the revoked session');
    expectProblem(assert, await refresh(server, second.refresh_token), 401, 'invalid_refresh_token');
    await expectTokenWorks(server, third.access_token, 'another session');
    assert.ok(!(await sessionsOf(server, tenant.token)).some((s) => s.id === sid(second.access_token)));
    const again = await server.api('DELETE', `/api/v1/me/sessions/${sid(second.access_token)}`, { token: tenant.token });
    expectProblem(assert, again, 404, 'session_not_found');

    // Someone else's session cannot be revoked (or even told apart from a missing one).
    const foreign = await server.api('DELETE', `/api/v1/me/sessions/${sid(server.token)}`, { token: tenant.token });
    expectProblem(assert, foreign, 404, 'session_not_found');
    await expectTokenWorks(server, server.token, 'the admin session');

    expectStatus(assert, await server.api('DELETE', '/api/v1/me/sessions', { token: third.access_token }), 204);
    for (const token of [tenant.token, third.access_token]) expect401(await me(server, token), 'session_revoked');
    expectProblem(assert, await refresh(server, third.refresh_token), 401, 'invalid_refresh_token');
    await expectTokenWorks(server, server.token, 'the admin session after the tenant revoked all of theirs');
  });

  test('logout ends the session at once, refresh token included', async () => {
    const tenant = await createTenant(server, { name: `${P}-out` });
    const other = await server.login(tenant.username, TENANT_PASSWORD);
    expectStatus(assert, await server.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    expect401(await me(server, tenant.token), 'session_revoked');
    expectProblem(assert, await refresh(server, tenant.refreshToken), 401, 'invalid_refresh_token');
    expect401(await server.api('POST', '/api/v1/auth/logout', { token: tenant.token }), undefined, 'second logout');
    await expectTokenWorks(server, other.access_token, 'the other session');
  });

  test('password change: wrong current is 403, short new is 400, success revokes the other sessions only', async () => {
    const tenant = await createTenant(server, { name: `${P}-pw` });
    const other = await server.login(tenant.username, TENANT_PASSWORD);
    const change = (body) => server.api('POST', '/api/v1/me/password', { token: tenant.token, body });
    const next = `${TENANT_PASSWORD} changed`;

    expectProblem(assert, await change({ current_password: 'not my password', new_password: next }), 403, 'invalid_current_password');
    expectProblem(assert, await change({ current_password: TENANT_PASSWORD, new_password: 'short' }), 400, 'password_too_short');
    await expectTokenWorks(server, other.access_token, 'the other session after refused changes');
    assert.equal((await change({ current_password: TENANT_PASSWORD, new_password: next, is_admin: true })).status, 400, 'unknown fields refused');

    expectStatus(assert, await change({ current_password: TENANT_PASSWORD, new_password: next }), 204);
    expect401(await me(server, other.access_token), 'session_revoked', 'the other session');
    expectProblem(assert, await refresh(server, other.refresh_token), 401, 'invalid_refresh_token');
    await expectTokenWorks(server, tenant.token, 'the session that changed it');
    expectProblem(assert, await login(server, { username: tenant.username, password: TENANT_PASSWORD }), 401, 'invalid_credentials');
    await server.login(tenant.username, next);
  });

  test('a disabled account: its tokens fail at once and it cannot sign in', async () => {
    const tenant = await createTenant(server, { name: `${P}-dis` });
    const ticket = await wsTicket(server, tenant.token);
    expectStatus(assert, await server.api('PATCH', `/api/v1/users/${tenant.userId}`, { body: { disabled: true } }), 200);
    expect401(await me(server, tenant.token), undefined, 'token of a disabled account');
    expectProblem(assert, await refresh(server, tenant.refreshToken), 401, 'invalid_refresh_token');
    expectProblem(assert, await login(server, { username: tenant.username, password: TENANT_PASSWORD }), 401, 'invalid_credentials');
    await expectWsRefused(`ws://127.0.0.1:${server.port}/api/v1/environments/local/events?ticket=${encodeURIComponent(ticket)}`);

    expectStatus(assert, await server.api('PATCH', `/api/v1/users/${tenant.userId}`, { body: { disabled: false } }), 200);
    expect401(await me(server, tenant.token), undefined, 'old sessions stay ended after re-enabling');
    await server.login(tenant.username, TENANT_PASSWORD);
  });

  test('mass assignment on /me: is_admin, role and friends are 400 unknown_field, nothing changes', async () => {
    const tenant = await createTenant(server, { name: `${P}-mass` });
    const initial = await server.api('GET', '/api/v1/me/permissions', { token: tenant.token });
    expectStatus(assert, initial, 200);
    assert.equal(initial.json.is_admin, false);
    const profile = (await server.api('GET', '/api/v1/me', { token: tenant.token })).json;
    const bodies = [
      { is_admin: true },
      { role: 'admin' },
      { email: `${P}@example.test`, is_admin: true },
      { display_name: 'x', disabled: false },
      { username: 'admin' },
      { id: 'x' },
      { mfa_enabled: false },
      { password_hash: '$argon2id$' },
      { teams: { x: 'admin' } },
    ];
    for (const body of bodies) {
      const res = await server.api('PATCH', '/api/v1/me', { token: tenant.token, body });
      expectProblem(assert, res, 400, 'unknown_field');
    }
    const unchanged = await server.api('GET', '/api/v1/me/permissions', { token: tenant.token });
    assert.deepEqual(unchanged.json, initial.json);
    assert.deepEqual((await server.api('GET', '/api/v1/me', { token: tenant.token })).json, profile, 'the profile is untouched');

    // What a user may change still works.
    const ok = await server.api('PATCH', '/api/v1/me', { token: tenant.token, body: { display_name: 'Tenant', preferences: { theme: 'dark' } } });
    expectStatus(assert, ok, 200);
    assert.equal(ok.json.display_name, 'Tenant');
    // Nor can the account reach the admin routes for itself.
    expectProblem(assert, await server.api('PATCH', `/api/v1/users/${tenant.userId}`, { token: tenant.token, body: { is_admin: true } }), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', '/api/v1/users', { token: tenant.token, body: { username: `${P}-sneak`, password: TENANT_PASSWORD, is_admin: true } }), 403, 'permission_denied');
    assert.equal((await server.api('GET', '/api/v1/me/permissions', { token: tenant.token })).json.is_admin, false);
  });

  test('WebSocket tickets: one use each; bogus tickets and tokens in the URL are refused', async () => {
    const tenant = await createTenant(server, { name: `${P}-ws` });
    const base = `ws://127.0.0.1:${server.port}/api/v1/environments/local/events`;
    const ticket = await wsTicket(server, tenant.token);

    // A ticket on a plain request is no credential (and is not spent by it).
    expect401(await request(server.target, 'GET', `/api/v1/me?ticket=${encodeURIComponent(ticket)}`), 'authentication_required');

    const ws = await openWebSocket(`${base}?ticket=${encodeURIComponent(ticket)}`);
    await ws.close();
    await expectWsRefused(`${base}?ticket=${encodeURIComponent(ticket)}`);

    await expectWsRefused(`${base}?ticket=dkw_${randomBytes(32).toString('base64url')}`);
    await expectWsRefused(`${base}?ticket=`);
    await expectWsRefused(`${base}?ticket=${encodeURIComponent(tenant.token)}`);
    await expectWsRefused(`${base}?access_token=${encodeURIComponent(tenant.token)}`);
    await expectWsRefused(`${base}?token=${encodeURIComponent(tenant.token)}`);
    await expectWsRefused(base);

    // A ticket opens the one path it was issued for: an events ticket opens no exec console, and
    // trying it elsewhere uses it up.
    const elsewhere = await wsTicket(server, tenant.token);
    await expectWsRefused(`ws://127.0.0.1:${server.port}/api/v1/environments/local/containers/x/exec?cmd=sh&ticket=${encodeURIComponent(elsewhere)}`);
    await expectWsRefused(`${base}?ticket=${encodeURIComponent(elsewhere)}`);
    const exact = await wsTicket(server, tenant.token);
    const trailing = await openWebSocket(`${base}?since=0&ticket=${encodeURIComponent(exact)}`);
    await trailing.close();

    // Issuing: the path is required and must be one of ours.
    for (const body of [undefined, {}, { path: '' }, { path: 'http://evil/' }, { path: '/api/v1/x?ticket=1' },
      { path: `/api/${'a'.repeat(600)}` }, { path: '/api/v1/a b' }, { path: 7 }, { path: EVENTS_PATH, extra: 1 }]) {
      const res = await server.api('POST', '/api/v1/auth/ws-ticket', { token: tenant.token, body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    }

    // A ticket dies with its session.
    const orphan = await wsTicket(server, tenant.token);
    expectStatus(assert, await server.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    await expectWsRefused(`${base}?ticket=${encodeURIComponent(orphan)}`);
  });
});

describe('dokkerr admin create-user', { timeout: 120_000 }, () => {
  let server;
  let dir;

  before(async () => {
    server = await launch();
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-cli-'));
  });

  after(async () => {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  // Runs the command against the running server's data dir and database.
  async function createUser(username, password, extra = []) {
    const file = path.join(dir, `${username}.pw`);
    await fsp.writeFile(file, `${password}\n`, { mode: 0o600 });
    const args = ['admin', 'create-user', '--data-dir', server.dataDir, '--username', username, '--password-file', file, ...extra];
    if (server.db.url) args.push('--database', server.db.url);
    try {
      const { stdout, stderr } = await execFileP(dokkerrBin(), args, { timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      if (typeof err.code !== 'number') throw err;
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  test('creates an account that signs in on the server (the newline is not part of the password)', async () => {
    const username = `${P}-cli`;
    const r = await createUser(username, TENANT_PASSWORD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`created user ${username}`));
    const session = await server.login(username, TENANT_PASSWORD);
    const perms = await server.api('GET', '/api/v1/me/permissions', { token: session.access_token });
    assert.equal(perms.json.is_admin, false);
  });

  test('--admin makes a platform admin', async () => {
    const username = `${P}-cli-admin`;
    const r = await createUser(username, TENANT_PASSWORD, ['--admin']);
    assert.equal(r.code, 0, r.stderr);
    const session = await server.login(username, TENANT_PASSWORD);
    assert.equal((await server.api('GET', '/api/v1/me/permissions', { token: session.access_token })).json.is_admin, true);
  });

  test('refuses a short password, a bad name and a taken name, creating nothing', async () => {
    const short = await createUser(`${P}-cli-short`, 'short');
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /12 characters/);
    expectProblem(assert, await login(server, { username: `${P}-cli-short`, password: 'short' }), 401, 'invalid_credentials');

    const badName = await createUser('../evil', TENANT_PASSWORD);
    assert.notEqual(badName.code, 0);

    const taken = await createUser(ADMIN_USER, `${TENANT_PASSWORD} other`);
    assert.notEqual(taken.code, 0, 'the admin name is taken');
    await server.login(ADMIN_USER, ADMIN_PASSWORD);
    expectProblem(assert, await login(server, { username: ADMIN_USER, password: `${TENANT_PASSWORD} other` }), 401, 'invalid_credentials');
  });
});
