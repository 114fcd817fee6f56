// Two servers on one database with the same keys, as replicas behind a load balancer run: a
// token signed by one is good on the other, and what ends or narrows access on one replica
// (logout, revocation, password change, disabling, a lost team role, a revoked key) ends it on
// the other within a second, although both answer warm callers from memory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  TENANT_PASSWORD,
  createTenant,
  dokkerrBin,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  startServer,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
// The promise is one second; the wait allows for a loaded test machine.
const PROPAGATION_MS = 3_000;

let first;
let second;

before(async () => {
  first = await startServer();
  second = await startServer({ replicaOf: first });
});

after(async () => {
  await second?.stop();
  await first?.stop();
  await releaseEngine();
});

const me = (server, token) => server.api('GET', '/api/v1/me', { token });

// Asks `server` until `token` is refused with 401, or fails after PROPAGATION_MS.
async function refusedSoon(server, token, path = '/api/v1/me') {
  const started = Date.now();
  await waitFor(async () => (await server.api('GET', path, { token })).status === 401, PROPAGATION_MS, {
    intervalMs: 50,
    what: `${path} refused on the other replica`,
  });
  return Date.now() - started;
}

// Signs in on `first` and warms both replicas' caches with the token.
async function warmTenant(name) {
  const tenant = await createTenant(first, { name: `${P}-${name}` });
  for (const server of [first, second]) {
    for (let i = 0; i < 3; i += 1) expectStatus(assert, await me(server, tenant.token), 200);
  }
  return tenant;
}

describe('replicas on one database', { timeout: 120_000 }, () => {
  test('a token from one replica is good on the other', async () => {
    const tenant = await warmTenant('both');
    const session = await second.login(tenant.username, TENANT_PASSWORD);
    expectStatus(assert, await me(first, session.access_token), 200);
  });

  test('a logout on one replica ends the token on the other', async () => {
    const tenant = await warmTenant('logout');
    expectStatus(assert, await second.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    expectProblem(assert, await me(second, tenant.token), 401, 'session_revoked');
    await refusedSoon(first, tenant.token);
  });

  test('revoking every session, a password change and disabling reach the other replica', async () => {
    const everywhere = await warmTenant('everywhere');
    expectStatus(assert, await second.api('DELETE', '/api/v1/me/sessions', { token: everywhere.token }), 204);
    await refusedSoon(first, everywhere.token);

    const changed = await warmTenant('password');
    const other = await first.login(changed.username, TENANT_PASSWORD);
    expectStatus(assert, await me(second, other.access_token), 200);
    const change = await second.api('POST', '/api/v1/me/password', {
      token: changed.token,
      body: { current_password: TENANT_PASSWORD, new_password: `${TENANT_PASSWORD} renewed` },
    });
    assert.ok([200, 204].includes(change.status), change.text);
    await refusedSoon(first, other.access_token);

    const disabled = await warmTenant('disabled');
    expectStatus(assert, await second.api('PATCH', `/api/v1/users/${disabled.userId}`, { body: { disabled: true } }), 200);
    await refusedSoon(first, disabled.token);
  });

  test('a lost team role ends the sessions and narrows the API keys on the other replica', async () => {
    const tenant = await warmTenant('role');
    const created = await first.api('POST', '/api/v1/api-keys', { token: tenant.token, body: { name: `${P}-rk`, scopes: ['containers:read'] } });
    expectStatus(assert, created, 201);
    const asKey = { headers: { 'X-API-Key': created.json.key }, token: null };
    for (const server of [first, second]) expectStatus(assert, await server.api('GET', envPath('containers'), asKey), 200);
    const removed = await second.api('DELETE', `/api/v1/teams/${tenant.teamId}/members/${tenant.userId}`);
    assert.ok([200, 204].includes(removed.status), removed.text);
    expectProblem(assert, await second.api('GET', envPath('containers'), asKey), 404, 'environment_not_found');
    await refusedSoon(first, tenant.token);
    await waitFor(async () => (await first.api('GET', envPath('containers'), asKey)).status === 404, PROPAGATION_MS, {
      intervalMs: 50,
      what: "the environment gone for the former member's key on the other replica",
    });
  });

  test('a revoked API key stops on the other replica', async () => {
    const tenant = await warmTenant('key');
    const created = await first.api('POST', '/api/v1/api-keys', { token: tenant.token, body: { name: `${P}-k`, scopes: ['containers:read'] } });
    expectStatus(assert, created, 201);
    const asKey = { headers: { 'X-API-Key': created.json.key }, token: null };
    for (const server of [first, second]) expectStatus(assert, await server.api('GET', '/api/v1/me', asKey), 200);
    expectStatus(assert, await second.api('DELETE', `/api/v1/api-keys/${created.json.id}`, { token: tenant.token }), 204);
    await waitFor(async () => (await first.api('GET', '/api/v1/me', asKey)).status === 401, PROPAGATION_MS, {
      intervalMs: 50,
      what: 'the revoked key refused on the other replica',
    });
  });

  test('a signing key rotated while the replicas run is adopted by both without a restart', async () => {
    const kidOf = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
    const tenant = await warmTenant('rotation');
    const oldKid = kidOf(tenant.token);
    await promisify(execFile)(dokkerrBin(), ['admin', 'rotate-jwt-key', '--data-dir', first.dataDir], { timeout: 30_000 });
    // The replicas' keys/ is one shared volume in a deployment; here, copy what the rotation wrote.
    await fsp.cp(path.join(first.dataDir, 'keys', 'jwt'), path.join(second.dataDir, 'keys', 'jwt'), { recursive: true });
    let fresh;
    await waitFor(async () => {
      fresh = await first.login(tenant.username, TENANT_PASSWORD);
      return kidOf(fresh.access_token) !== oldKid;
    }, 10_000, { intervalMs: 250, what: 'the running replica to sign with the new key' });
    // The other replica verifies the new key's token at once, and old tokens keep working.
    expectStatus(assert, await me(second, fresh.access_token), 200);
    for (const server of [first, second]) expectStatus(assert, await me(server, tenant.token), 200);
    assert.match(first.stderr(), /token signing keys reloaded/);
  });
});
