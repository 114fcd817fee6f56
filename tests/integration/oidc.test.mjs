// OpenID Connect sign-in against a real provider (scripts/testenv/oidc.sh, panva/oidc-provider):
// provider configuration by admins, the authorization code flow driven without a browser
// (scripts/testenv/oidc-provider/login.mjs), just-in-time accounts and team mapping, and the
// hostile cases: forged, replayed and unbound state, replayed and foreign codes, a wrong nonce,
// a token for another audience, e-mail and username takeovers, disabled accounts.
//
// The provider comes from DOKKERR_TEST_OIDC_* (scripts/test.sh exports them). Without them this
// file starts the provider itself with `scripts/testenv/oidc.sh start` and stops it afterwards
// if it was not running; when that fails, the file fails with oidc.sh's message. It never skips.
//
// A second, hostile provider lives in this file: it signs ID tokens for whatever audience the
// test asks for, which the real provider never does for a client it authenticated.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { driveLogin } from '../../scripts/testenv/oidc-provider/login.mjs';
import {
  REPO_ROOT,
  TENANT_PASSWORD,
  expectList,
  expectProblem,
  expectStatus,
  startServer,
  testenvDir,
  uniquePrefix,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const OIDC_SCRIPT = path.join(REPO_ROOT, 'scripts/testenv/oidc.sh');
const CALLBACK_PATH = '/api/v1/auth/oidc/callback';
const SCOPES = ['openid', 'email', 'profile', 'groups'];

async function oidcSh(cmd) {
  try {
    const { stdout } = await execFileP('bash', [OIDC_SCRIPT, cmd], {
      env: { ...process.env, DOKKERR_TESTENV_DIR: testenvDir() },
      cwd: REPO_ROOT,
      timeout: 180_000,
    });
    return stdout;
  } catch (err) {
    throw new Error(`scripts/testenv/oidc.sh ${cmd} failed: ${err.stderr || err.message}`);
  }
}

// {issuer, clientId, clientSecret, client2Id, client2Secret, redirectUris, startedByUs}
async function provider() {
  let env = process.env;
  let startedByUs = false;
  if (!env.DOKKERR_TEST_OIDC_ISSUER) {
    startedByUs = !(await oidcSh('status').then(() => true, () => false));
    await oidcSh('start');
    env = {};
    for (const line of (await oidcSh('env')).split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) env[m[1]] = m[2];
    }
    if (!env.DOKKERR_TEST_OIDC_ISSUER) throw new Error('oidc.sh env printed no DOKKERR_TEST_OIDC_ISSUER');
  }
  return {
    issuer: env.DOKKERR_TEST_OIDC_ISSUER,
    clientId: env.DOKKERR_TEST_OIDC_CLIENT_ID || 'dokkerr-test',
    clientSecret: env.DOKKERR_TEST_OIDC_CLIENT_SECRET || 'dokkerr-test-secret',
    client2Id: env.DOKKERR_TEST_OIDC_CLIENT2_ID || 'dokkerr-test-es256',
    client2Secret: env.DOKKERR_TEST_OIDC_CLIENT2_SECRET || 'dokkerr-test-es256-secret',
    redirectUris: (env.DOKKERR_TEST_OIDC_REDIRECT_URIS || 'http://127.0.0.1/callback').split(','),
    startedByUs,
  };
}

// The registered redirect URI to configure: Dokkerr's own callback when the provider knows it,
// else the first one. A loopback URI registered without a port matches any port, so it gets
// the server's.
function redirectUriFor(registered, port) {
  const url = new URL(registered.find((u) => new URL(u).pathname === CALLBACK_PATH) ?? registered[0]);
  if (url.hostname === '127.0.0.1' && url.port === '') url.port = String(port);
  return url.toString();
}

const b64url = (data) => Buffer.from(data).toString('base64url');

// An OpenID provider that signs whatever the test wants: discovery, JWKS and a token endpoint
// answering any code with an ID token built from `claims()`.
async function startHostileProvider() {
  const hostile = { nonce: '', audience: '', subject: 'mallory', tokenRequests: 0, jwksRequests: 0 };
  const rotate = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    hostile.key = privateKey;
    hostile.kid = `k-${randomBytes(4).toString('hex')}`;
    hostile.jwk = { ...publicKey.export({ format: 'jwk' }), kid: hostile.kid, alg: 'RS256', use: 'sig' };
  };
  rotate();
  hostile.rotate = rotate;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, hostile.issuer);
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      json(200, {
        issuer: hostile.issuer,
        authorization_endpoint: `${hostile.issuer}/auth`,
        token_endpoint: `${hostile.issuer}/token`,
        jwks_uri: `${hostile.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (url.pathname === '/jwks') {
      hostile.jwksRequests += 1;
      json(200, { keys: [hostile.jwk] });
    } else if (url.pathname === '/token' && req.method === 'POST') {
      req.resume();
      req.on('end', () => {
        hostile.tokenRequests += 1;
        const now = Math.floor(Date.now() / 1000);
        const header = { alg: 'RS256', typ: 'JWT', kid: hostile.kid };
        const payload = {
          iss: hostile.issuer,
          sub: hostile.subject,
          aud: hostile.audience,
          iat: now,
          exp: now + 300,
          nonce: hostile.nonce,
          preferred_username: hostile.subject,
        };
        const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
        const signature = sign('sha256', Buffer.from(input), hostile.key).toString('base64url');
        json(200, { access_token: 'opaque', token_type: 'Bearer', id_token: `${input}.${signature}` });
      });
    } else {
      json(404, { error: 'not_found' });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  hostile.issuer = `http://127.0.0.1:${server.address().port}`;
  hostile.close = () => new Promise((resolve) => server.close(resolve));
  return hostile;
}

describe('OpenID Connect sign-in', () => {
  let idp;
  let server;
  let redirectUri;
  let providerId; // the real provider, first client
  let platformTeam;
  let qaTeam;
  let alice; // {id, token}
  const prefix = uniquePrefix();

  const anon = { token: null };
  const cookieOf = (res) =>
    (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).find((c) => c.startsWith('dokkerr_oidc='));

  // Starts a login in JSON mode; returns {url, state, nonce, cookie}.
  async function begin(id = providerId) {
    const res = expectStatus(assert, await server.api('GET', `/api/v1/auth/oidc/${id}/start?mode=json`, anon), 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const url = new URL(res.json.authorization_url);
    const cookie = cookieOf(res);
    assert.ok(cookie, `a binding cookie is set: ${JSON.stringify(res.headers['set-cookie'])}`);
    return { url: url.toString(), state: url.searchParams.get('state'), nonce: url.searchParams.get('nonce'), cookie };
  }

  function callback(query, cookie) {
    const headers = cookie ? { Cookie: cookie } : {};
    return server.api('GET', `${CALLBACK_PATH}?${query}`, { token: null, headers });
  }

  // The whole flow as `login`; resolves the callback's answer.
  async function signIn(login, id = providerId) {
    const started = await begin(id);
    const answer = await driveLogin(started.url, redirectUri, { login });
    return callback(answer.search.slice(1), started.cookie);
  }

  async function me(token) {
    return expectStatus(assert, await server.api('GET', '/api/v1/me', { token }), 200).json;
  }

  async function members(teamId) {
    return expectList(assert, await server.api('GET', `/api/v1/teams/${teamId}/members`));
  }

  async function createLocalUser(username, email) {
    const res = await server.api('POST', '/api/v1/users', { body: { username, password: TENANT_PASSWORD, email } });
    return expectStatus(assert, res, 201).json;
  }

  async function auditEntries(result) {
    const res = await server.api('GET', `/api/v1/audit?action=auth.oidc_login&result=${result}&limit=1000`);
    return expectList(assert, res);
  }

  before(async () => {
    idp = await provider();
    server = await startServer({
      dockerHost: process.env.DOKKERR_TEST_DOCKER_HOST ?? `unix://${path.join(os.tmpdir(), 'dokkerr-oidc-no-engine.sock')}`,
      // Lifted so the pending-login cap of the OpenID Connect service is what the flood test meets;
      // the per-address sign-in budget has its own tests.
      args: ['--rate-limit', 'sign_in=0'],
    });
    redirectUri = redirectUriFor(idp.redirectUris, server.port);
    const org = expectStatus(assert, await server.api('POST', '/api/v1/organizations', { body: { name: `${prefix}-org` } }), 201).json;
    platformTeam = expectStatus(
      assert,
      await server.api('POST', '/api/v1/teams', { body: { org_id: org.id, name: `${prefix}-platform` } }),
      201,
    ).json.id;
    qaTeam = expectStatus(assert, await server.api('POST', '/api/v1/teams', { body: { org_id: org.id, name: `${prefix}-qa` } }), 201).json.id;
  });

  after(async () => {
    await server?.stop();
    if (idp?.startedByUs) await oidcSh('stop');
  });

  test('an admin configures a provider: discovery runs, the secret is sealed and never shown', async () => {
    const res = await server.api('POST', '/api/v1/auth/oidc/providers', {
      body: {
        name: 'Test IdP',
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uri: redirectUri,
        scopes: SCOPES,
        team_mapping: [
          { claim: 'groups', value: 'platform', team_id: platformTeam, role: 'developer' },
          { claim: 'groups', value: 'qa', team_id: qaTeam, role: 'viewer' },
          { claim: 'groups', value: 'qa', team_id: platformTeam, role: 'admin' }, // shadowed: first match wins
        ],
      },
    });
    const created = expectStatus(assert, res, 201).json;
    providerId = created.id;
    assert.equal(created.issuer, idp.issuer);
    assert.equal(created.client_id, idp.clientId);
    assert.equal(created.redirect_uri, redirectUri);
    assert.deepEqual(created.scopes, SCOPES);
    assert.equal(created.enabled, true);
    assert.equal(created.team_mapping.length, 3);
    assert.ok(!res.text.includes(idp.clientSecret), 'the secret is not echoed');
    assert.ok(!('client_secret' in created));
    const stored = await server.storedText();
    assert.ok(stored.includes(idp.clientId), 'the dump holds the provider');
    assert.ok(!stored.includes(idp.clientSecret), 'nor is it kept in clear at rest');

    const list = await server.api('GET', '/api/v1/auth/oidc/providers');
    const items = expectList(assert, list);
    assert.deepEqual(items.map((p) => p.id), [providerId]);
    assert.ok(!list.text.includes(idp.clientSecret), 'the list has no secret');
    assert.ok(!('client_secret' in items[0]));

    // The login page's list needs no credentials and shows nothing but id and name.
    const pub = await server.api('GET', '/api/v1/auth/oidc/providers/public', anon);
    assert.deepEqual(expectList(assert, pub), [{ id: providerId, name: 'Test IdP' }]);

    // The change is in the audit log like every other admin action.
    const audit = expectList(assert, await server.api('GET', '/api/v1/audit?action=auth.oidc.providers.create'));
    assert.deepEqual(audit.map((e) => e.result).sort(), ['intent', 'success'], 'its intent, then its outcome');
    assert.ok(!JSON.stringify(audit).includes(idp.clientSecret));
  });

  test('provider configuration is validated before anything is saved', async () => {
    const base = {
      name: 'Another',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      redirect_uri: redirectUri,
    };
    const post = (body) => server.api('POST', '/api/v1/auth/oidc/providers', { body });
    expectProblem(assert, await post({ ...base, name: 'Test IdP' }), 409, 'oidc_provider_exists');
    expectProblem(assert, await post({ ...base, client_secret: undefined }), 400, 'invalid_body');
    expectProblem(assert, await post({ ...base, redirect_uri: 'not a url' }), 400, 'oidc_invalid_redirect_uri');
    expectProblem(assert, await post({ ...base, issuer: 'ftp://127.0.0.1/' }), 400, 'oidc_invalid_issuer');
    expectProblem(assert, await post({ ...base, scopes: ['openid email'] }), 400, 'oidc_invalid_scope');
    expectProblem(assert, await post({ ...base, extra: 1 }), 400, 'unknown_field');
    expectProblem(
      assert,
      await post({ ...base, team_mapping: [{ claim: 'groups', value: 'x', team_id: 'no-such-team', role: 'viewer' }] }),
      400,
      'invalid_team_mapping',
    );
    expectProblem(
      assert,
      await post({ ...base, team_mapping: [{ claim: 'groups', value: 'x', team_id: qaTeam, role: 'emperor' }] }),
      400,
      'invalid_role',
    );
    // Nothing answers there: discovery fails, nothing is saved.
    const dead = await post({ ...base, issuer: 'http://127.0.0.1:9' });
    assert.equal(dead.status, 502, dead.text);
    // The issuer must be exactly what the provider calls itself.
    expectProblem(assert, await post({ ...base, issuer: `${idp.issuer}/` }), 502, 'oidc_issuer_mismatch');
    const items = expectList(assert, await server.api('GET', '/api/v1/auth/oidc/providers'));
    assert.equal(items.length, 1);
  });

  test('a user who is not a platform admin cannot configure providers', async () => {
    const user = await createLocalUser(`${prefix}-plain`);
    const session = await server.login(user.username, TENANT_PASSWORD);
    const as = { token: session.access_token };
    const body = {
      name: 'Mine',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      redirect_uri: redirectUri,
    };
    expectProblem(assert, await server.api('POST', '/api/v1/auth/oidc/providers', { ...as, body }), 403, 'permission_denied');
    expectProblem(assert, await server.api('GET', '/api/v1/auth/oidc/providers', as), 403, 'permission_denied');
    expectProblem(assert, await server.api('DELETE', `/api/v1/auth/oidc/providers/${providerId}`, as), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', '/api/v1/auth/oidc/providers', { ...anon, body }), 401, 'authentication_required');
    const items = expectList(assert, await server.api('GET', '/api/v1/auth/oidc/providers'));
    assert.equal(items.length, 1);
  });

  test('start redirects to the provider with PKCE, state and nonce, and binds the login to a cookie', async () => {
    const res = await server.api('GET', `/api/v1/auth/oidc/${providerId}/start`, anon);
    assert.equal(res.status, 302, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    const location = new URL(res.headers.location);
    assert.equal(`${location.origin}${location.pathname}`, `${idp.issuer}/auth`);
    const q = location.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), idp.clientId);
    assert.equal(q.get('redirect_uri'), redirectUri);
    assert.deepEqual(q.get('scope').split(' '), SCOPES);
    assert.equal(q.get('code_challenge_method'), 'S256');
    for (const name of ['state', 'nonce', 'code_challenge']) assert.match(q.get(name), /^[A-Za-z0-9_-]{43}$/, name);
    const cookie = res.headers['set-cookie'].find((c) => c.startsWith('dokkerr_oidc='));
    assert.match(cookie, /; Path=\/api\/v1\/auth\/oidc\/callback/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Max-Age=600/);

    // The same redirect URI, given explicitly, is fine; any other is refused.
    const same = await server.api('GET', `/api/v1/auth/oidc/${providerId}/start?redirect_uri=${encodeURIComponent(redirectUri)}`, anon);
    assert.equal(same.status, 302, same.text);
    const other = `http://127.0.0.1:${server.port}/elsewhere`;
    expectProblem(
      assert,
      await server.api('GET', `/api/v1/auth/oidc/${providerId}/start?redirect_uri=${encodeURIComponent(other)}`, anon),
      400,
      'oidc_redirect_uri_mismatch',
    );
    expectProblem(assert, await server.api('GET', '/api/v1/auth/oidc/nosuchprovider/start', anon), 404, 'oidc_provider_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/auth/oidc/${providerId}/start?mode=popup`, anon), 400, 'invalid_parameter');
  });

  test('a first login as alice makes a new account in the mapped teams with a working token', async () => {
    const res = await signIn('alice');
    expectStatus(assert, res, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json.token_type, 'Bearer');
    assert.ok(res.json.access_token && res.json.refresh_token);
    assert.ok(res.json.expires_in > 0);
    // The binding cookie is cleared.
    assert.match(res.headers['set-cookie'].find((c) => c.startsWith('dokkerr_oidc=')), /Max-Age=0/);

    const profile = await me(res.json.access_token);
    assert.equal(profile.username, 'alice');
    assert.equal(profile.email, 'alice@example.test'); // verified by the provider
    alice = { id: profile.id, token: res.json.access_token };

    // groups ["platform","qa"]: platform → developer (the later qa → admin entry is shadowed), qa → viewer.
    assert.deepEqual(
      (await members(platformTeam)).filter((m) => m.user_id === alice.id).map((m) => m.role),
      ['developer'],
    );
    assert.deepEqual((await members(qaTeam)).filter((m) => m.user_id === alice.id).map((m) => m.role), ['viewer']);

    // The account has no password: password sign-in is impossible.
    const pw = await server.api('POST', '/api/v1/auth/login', { ...anon, body: { username: 'alice', password: TENANT_PASSWORD } });
    expectProblem(assert, pw, 401, 'invalid_credentials');

    // The refresh token works like any other.
    const refreshed = await server.api('POST', '/api/v1/auth/refresh', { ...anon, body: { refresh_token: res.json.refresh_token } });
    expectStatus(assert, refreshed, 200);
    assert.equal((await me(refreshed.json.access_token)).id, alice.id);

    const sessions = expectList(assert, await server.api('GET', '/api/v1/me/sessions', { token: refreshed.json.access_token }));
    assert.ok(sessions.some((s) => s.auth_method === 'oidc'), JSON.stringify(sessions));
  });

  test('a second login as alice reuses her account and memberships', async () => {
    const res = expectStatus(assert, await signIn('alice'), 200);
    assert.equal((await me(res.json.access_token)).id, alice.id);
    const users = expectList(assert, await server.api('GET', '/api/v1/users'));
    assert.equal(users.filter((u) => u.username.startsWith('alice')).length, 1);
    assert.equal((await members(platformTeam)).filter((m) => m.user_id === alice.id).length, 1);
  });

  test('an admin edits a provider: the secret stays sealed unless replaced, and hostile edits change nothing', async () => {
    const patch = (body, opts = {}) => server.api('PATCH', `/api/v1/auth/oidc/providers/${providerId}`, { body, ...opts });
    const [before] = expectList(assert, await server.api('GET', '/api/v1/auth/oidc/providers'));
    const renamed = await patch({ name: `${before.name} (edited)` });
    expectStatus(assert, renamed, 200);
    assert.equal(renamed.json.name, `${before.name} (edited)`);
    assert.ok(!('client_secret' in renamed.json) && !renamed.text.includes(idp.clientSecret), 'the secret is never shown');
    // Without client_secret the sealed one stays: sign-in through the provider still works.
    expectStatus(assert, await signIn('alice'), 200);

    for (const [body, status, code] of [
      [{ client_secret: 42 }, 400, 'invalid_body'],
      [{ nickname: 'x' }, 400, 'unknown_field'],
      [{ redirect_uri: 'javascript:alert(1)' }, 400, 'oidc_invalid_redirect_uri'],
      [{ scopes: ['openid email'] }, 400, 'oidc_invalid_scope'],
      [{ team_mapping: [{ claim: 'groups', value: 'x', team_id: 'no-such-team', role: 'viewer' }] }, 400, 'invalid_team_mapping'],
    ]) {
      expectProblem(assert, await patch(body), status, code);
    }
    expectProblem(assert, await server.api('PATCH', '/api/v1/auth/oidc/providers/no-such-provider', { body: { name: 'x' } }), 404, 'oidc_provider_not_found');
    const user = await createLocalUser(`${prefix}-editor`);
    const session = await server.login(user.username, TENANT_PASSWORD);
    expectProblem(assert, await patch({ name: 'mine' }, { token: session.access_token }), 403, 'permission_denied');
    const [after] = expectList(assert, await server.api('GET', '/api/v1/auth/oidc/providers'));
    assert.deepEqual({ ...after }, { ...renamed.json }, 'nothing changed by the refused edits');
    expectStatus(assert, await patch({ name: before.name }), 200);
    const audit = expectList(assert, await server.api('GET', '/api/v1/audit?action=auth.oidc.providers.update&result=success'));
    assert.ok(audit.length >= 2, JSON.stringify(audit));
  });

  test('eve, claiming alice\'s address without verifying it, gets an account of her own', async () => {
    const local = await createLocalUser(`${prefix}-alice-local`, 'alice@example.test');
    const res = expectStatus(assert, await signIn('eve'), 200);
    const eve = await me(res.json.access_token);
    assert.equal(eve.username, 'eve');
    assert.notEqual(eve.id, local.id);
    assert.notEqual(eve.id, alice.id);
    assert.equal(eve.email, '', 'an unverified address is not kept');
    // The local account is untouched and still signs in with its password.
    const session = await server.login(local.username, TENANT_PASSWORD);
    assert.equal((await me(session.access_token)).id, local.id);
    assert.equal((await me(alice.token)).id, alice.id);
  });

  test('a local account with the same username is not taken over either', async () => {
    const local = await createLocalUser('carol');
    const res = expectStatus(assert, await signIn('carol'), 200);
    const carol = await me(res.json.access_token);
    assert.notEqual(carol.id, local.id);
    assert.equal(carol.username, 'carol-2');
    // carol's groups are empty: no team membership.
    assert.ok(!(await members(platformTeam)).some((m) => m.user_id === carol.id));
    const session = await server.login('carol', TENANT_PASSWORD);
    assert.equal((await me(session.access_token)).id, local.id);
  });

  test('a forged state is refused and does not spoil the real login', async () => {
    const started = await begin();
    const answer = await driveLogin(started.url, redirectUri, { login: 'bob' });
    const forged = new URLSearchParams(answer.search);
    forged.set('state', `${answer.searchParams.get('state').slice(0, -2)}AA`);
    expectProblem(assert, await callback(forged.toString(), started.cookie), 401, 'oidc_state_mismatch');
    const noState = new URLSearchParams(answer.search);
    noState.delete('state');
    expectProblem(assert, await callback(noState.toString(), started.cookie), 401, 'oidc_state_mismatch');
    const res = expectStatus(assert, await callback(answer.search.slice(1), started.cookie), 200);
    assert.equal((await me(res.json.access_token)).username, 'bob');
  });

  test('a callback without the browser\'s binding cookie is refused (login CSRF)', async () => {
    const started = await begin();
    const answer = await driveLogin(started.url, redirectUri, { login: 'bob' });
    expectProblem(assert, await callback(answer.search.slice(1)), 401, 'oidc_state_mismatch');
    const other = await begin(); // another user agent's cookie
    expectProblem(assert, await callback(answer.search.slice(1), other.cookie), 401, 'oidc_state_mismatch');
    expectStatus(assert, await callback(answer.search.slice(1), started.cookie), 200);
  });

  test('a replayed state or code is refused', async () => {
    const started = await begin();
    const answer = await driveLogin(started.url, redirectUri, { login: 'alice' });
    expectStatus(assert, await callback(answer.search.slice(1), started.cookie), 200);
    // The same answer again: the pending login is gone.
    expectProblem(assert, await callback(answer.search.slice(1), started.cookie), 401, 'oidc_state_mismatch');
    // The used code under a fresh login's state: the provider refuses it.
    const fresh = await begin();
    const replay = new URLSearchParams({ code: answer.searchParams.get('code'), state: fresh.state, iss: idp.issuer });
    expectProblem(assert, await callback(replay.toString(), fresh.cookie), 401, 'oidc_invalid_grant');
    // …and that login is used up too.
    expectProblem(assert, await callback(replay.toString(), fresh.cookie), 401, 'oidc_state_mismatch');
  });

  test('an ID token with another nonce is refused', async () => {
    const started = await begin();
    const url = new URL(started.url);
    url.searchParams.set('nonce', randomBytes(32).toString('base64url'));
    const answer = await driveLogin(url.toString(), redirectUri, { login: 'alice' });
    expectProblem(assert, await callback(answer.search.slice(1), started.cookie), 401, 'oidc_nonce_mismatch');
  });

  test('a login refused at the provider is refused here', async () => {
    const started = await begin();
    const answer = await driveLogin(started.url, redirectUri, { deny: true });
    expectProblem(assert, await callback(answer.search.slice(1), started.cookie), 401, 'oidc_access_denied');
  });

  test('a code issued to the second client is refused in a login of the first', async () => {
    const second = expectStatus(
      assert,
      await server.api('POST', '/api/v1/auth/oidc/providers', {
        body: {
          name: 'Test IdP (ES256 client)',
          issuer: idp.issuer,
          client_id: idp.client2Id,
          client_secret: idp.client2Secret,
          redirect_uri: redirectUri,
          scopes: SCOPES,
        },
      }),
      201,
    ).json;
    // The second client works on its own (ES256 ID tokens), and it is the same person.
    const own = expectStatus(assert, await signIn('alice', second.id), 200);
    assert.equal((await me(own.json.access_token)).id, alice.id);

    // Its code handed to a login of the first client: exchanged with the first client's
    // credentials, which the provider refuses.
    const foreign = await begin(second.id);
    const foreignAnswer = await driveLogin(foreign.url, redirectUri, { login: 'alice' });
    const target = await begin(providerId);
    const injected = new URLSearchParams({ code: foreignAnswer.searchParams.get('code'), state: target.state, iss: idp.issuer });
    expectProblem(assert, await callback(injected.toString(), target.cookie), 401, 'oidc_invalid_grant');

    expectStatus(assert, await server.api('DELETE', `/api/v1/auth/oidc/providers/${second.id}`), 204);
  });

  test('an ID token for another audience is refused; a rotated signing key is fetched again', async () => {
    const hostile = await startHostileProvider();
    try {
      const entry = expectStatus(
        assert,
        await server.api('POST', '/api/v1/auth/oidc/providers', {
          body: {
            name: 'Hostile',
            issuer: hostile.issuer,
            client_id: 'dokkerr',
            client_secret: 'secret',
            redirect_uri: redirectUri,
          },
        }),
        201,
      ).json;
      // Answers the provider would give, without a browser: code and state straight to the callback.
      const attempt = async () => {
        const started = await begin(entry.id);
        hostile.nonce = started.nonce;
        return callback(new URLSearchParams({ code: 'any', state: started.state }).toString(), started.cookie);
      };

      hostile.audience = 'dokkerr';
      const good = expectStatus(assert, await attempt(), 200);
      const mallory = await me(good.json.access_token);
      assert.equal(mallory.username, 'mallory');

      assert.equal(hostile.jwksRequests, 1);
      hostile.rotate(); // a new kid: the cached key set no longer has it
      expectStatus(assert, await attempt(), 200);
      assert.equal(hostile.jwksRequests, 2, 'the key set is fetched once more, not in a loop');

      hostile.audience = 'another-application';
      expectProblem(assert, await attempt(), 401, 'oidc_audience_mismatch');
      hostile.audience = ['dokkerr', 'another-application']; // several audiences and no azp
      expectProblem(assert, await attempt(), 401, 'oidc_audience_mismatch');
      assert.equal(hostile.tokenRequests, 4);
      assert.equal(hostile.jwksRequests, 2, 'keys are cached between logins');
      expectStatus(assert, await server.api('DELETE', `/api/v1/auth/oidc/providers/${entry.id}`), 204);
    } finally {
      await hostile.close();
    }
  });

  test('a disabled account cannot sign in through the provider', async () => {
    expectStatus(assert, await server.api('PATCH', `/api/v1/users/${alice.id}`, { body: { disabled: true } }), 200);
    expectProblem(assert, await signIn('alice'), 403, 'account_disabled');
    // Disabling ended her sessions; enabled again, she signs in as before.
    expectProblem(assert, await server.api('GET', '/api/v1/me', { token: alice.token }), 401, 'session_revoked');
    expectStatus(assert, await server.api('PATCH', `/api/v1/users/${alice.id}`, { body: { disabled: false } }), 200);
    const res = expectStatus(assert, await signIn('alice'), 200);
    alice.token = res.json.access_token;
    assert.equal((await me(alice.token)).id, alice.id);
  });

  test('sign-ins through the provider are audited', async () => {
    const successes = await auditEntries('success');
    assert.ok(successes.some((e) => e.actor?.id === alice.id && e.detail?.provisioned === true), JSON.stringify(successes[0]));
    assert.ok(successes.some((e) => e.actor?.id === alice.id && e.detail?.provisioned === false));
    const failures = await auditEntries('failure');
    const reasons = new Set(failures.map((e) => e.detail?.reason));
    for (const reason of ['oidc_state_mismatch', 'oidc_invalid_grant', 'oidc_nonce_mismatch', 'oidc_audience_mismatch', 'oidc_access_denied']) {
      assert.ok(reasons.has(reason), `a failure with ${reason}: ${[...reasons]}`);
    }
    const denied = await auditEntries('denied');
    assert.ok(denied.some((e) => e.actor?.id === alice.id && e.detail?.reason === 'account_disabled'));
    const verify = expectStatus(assert, await server.api('GET', '/api/v1/audit/verify'), 200).json;
    assert.equal(verify.ok, true);
  });

  test('a deleted provider ends its pending logins and leaves the login page', async () => {
    const started = await begin();
    const answer = await driveLogin(started.url, redirectUri, { login: 'alice' });
    expectStatus(assert, await server.api('DELETE', `/api/v1/auth/oidc/providers/${providerId}`), 204);
    expectProblem(assert, await server.api('DELETE', `/api/v1/auth/oidc/providers/${providerId}`), 404, 'oidc_provider_not_found');
    expectProblem(assert, await callback(answer.search.slice(1), started.cookie), 401, 'oidc_state_mismatch');
    expectProblem(assert, await server.api('GET', `/api/v1/auth/oidc/${providerId}/start`, anon), 404, 'oidc_provider_not_found');
    assert.deepEqual(expectList(assert, await server.api('GET', '/api/v1/auth/oidc/providers/public', anon)), []);
    // The accounts stay (an admin removes them); their sessions go on.
    assert.equal((await me(alice.token)).id, alice.id);
  });

  // Last: it uses up this address's allowance of starts for a minute.
  test('one client address cannot flood the server with pending logins', async () => {
    const entry = expectStatus(
      assert,
      await server.api('POST', '/api/v1/auth/oidc/providers', {
        body: { name: 'Flooded', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, redirect_uri: redirectUri },
      }),
      201,
    ).json;
    let refused;
    for (let i = 0; i <= 60 && !refused; i += 1) {
      const res = await server.api('GET', `/api/v1/auth/oidc/${entry.id}/start`, anon);
      if (res.status !== 302) refused = res;
    }
    assert.ok(refused, 'a start is refused within 61 attempts');
    expectProblem(assert, refused, 429, 'oidc_too_many_logins');
  });
});
