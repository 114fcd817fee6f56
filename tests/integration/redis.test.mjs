// Two replicas sharing one database and one Redis (its own, started with scripts/testenv/redis.sh
// so the test can stop it): rate-limit budgets are the deployment's, not each replica's; access
// that ends on one replica ends on the other; and a Redis outage degrades the replicas (each
// limits alone, readyz says so) without failing a request, until Redis comes back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  ownRedis,
  createTenant,
  expectProblem,
  expectStatus,
  releaseEngine,
  request,
  startServer,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
// The promise is one second; the wait allows for a loaded test machine.
const PROPAGATION_MS = 3_000;
// Sign-in budgets: a burst of BURST per client address, refilled slowly (6 a minute), so the
// test's own sign-ins from 127.0.0.1 fit and a spent budget stays spent while the test looks.
const BURST = 9; // twice this stays under the address lockout (20 failures)

let redisDir;
let redisUrl;
let first;
let second;

const redis = (cmd) => ownRedis(redisDir, cmd);

// A bad sign-in from `address` (a loopback address of its own, so each test has fresh budgets),
// each for another unknown name, so the per-account lockout stays out of the way.
let badLogins = 0;
const badLogin = (server, address) =>
  request({ host: '127.0.0.1', port: server.port, localAddress: address }, 'POST', '/api/v1/auth/login', {
    body: { username: `${P}-nobody-${(badLogins += 1)}`, password: 'wrong wrong wrong' },
  });

const redisCheck = async (server) => {
  const ready = await server.api('GET', '/readyz');
  return { status: ready.status, overall: ready.json?.status, redis: ready.json?.checks?.redis };
};

before(async () => {
  redisDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-redis-'));
  await redis('start');
  redisUrl = await redis('url');
  const args = ['--redis', redisUrl, '--rate-limit', `sign_in=6:${BURST}`];
  first = await startServer({ args });
  second = await startServer({ args, replicaOf: first });
  for (const server of [first, second]) {
    await waitFor(async () => (await redisCheck(server)).redis?.status === 'up', 10_000, { what: 'Redis connected' });
  }
});

after(async () => {
  await second?.stop();
  await first?.stop();
  if (redisDir) {
    await redis('stop').catch(() => {});
    await fsp.rm(redisDir, { recursive: true, force: true });
  }
  await releaseEngine();
});

describe('replicas sharing Redis', { timeout: 120_000 }, () => {
  test('readyz reports Redis, without its password', async () => {
    const check = await redisCheck(first);
    assert.equal(check.status, 200);
    assert.equal(check.overall, 'ready');
    assert.deepEqual(check.redis, { status: 'up' });
    const ready = await first.api('GET', '/readyz');
    assert.ok(!ready.text.includes(new URL(redisUrl).password));
  });

  test('a sign-in budget is spent on every replica at once', async () => {
    // One burst for the whole deployment, taken in turns on both replicas, then none.
    for (let i = 0; i < BURST; i += 1) {
      expectProblem(assert, await badLogin(i % 2 ? first : second, '127.0.0.21'), 401, 'invalid_credentials');
    }
    const refused = await badLogin(second, '127.0.0.21');
    expectProblem(assert, refused, 429, 'rate_limited');
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    expectProblem(assert, await badLogin(first, '127.0.0.21'), 429, 'rate_limited');
    // Another client's budget is untouched.
    expectProblem(assert, await badLogin(second, '127.0.0.22'), 401, 'invalid_credentials');
  });

  test('a logout on one replica ends the token on the other', async () => {
    const tenant = await createTenant(first, { name: `${P}-logout` });
    for (const server of [first, second]) expectStatus(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 200);
    expectStatus(assert, await first.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    await waitFor(async () => (await second.api('GET', '/api/v1/me', { token: tenant.token })).status === 401, PROPAGATION_MS, {
      intervalMs: 25,
      what: 'the logout to reach the other replica',
    });
  });

  test('after Redis forgets everything, nothing revoked comes back and budgets start afresh', async () => {
    const tenant = await createTenant(first, { name: `${P}-flush` });
    expectStatus(assert, await first.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    const url = new URL(redisUrl);
    await execFileP('redis-cli', ['-h', url.hostname, '-p', url.port, '--no-auth-warning', '-a', decodeURIComponent(url.password), 'FLUSHALL'], {
      timeout: 10_000,
    });
    await execFileP('redis-cli', ['-h', url.hostname, '-p', url.port, '--no-auth-warning', '-a', decodeURIComponent(url.password), 'SCRIPT', 'FLUSH'], {
      timeout: 10_000,
    });
    for (const server of [first, second]) {
      expectProblem(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 401, 'session_revoked');
    }
    // The bucket script is loaded again on first use.
    expectProblem(assert, await badLogin(first, '127.0.0.25'), 401, 'invalid_credentials');
    expectProblem(assert, await badLogin(second, '127.0.0.25'), 401, 'invalid_credentials');
  });

  test('while Redis is down each replica limits alone and serves; when it returns they share again', async () => {
    const tenant = await createTenant(first, { name: `${P}-outage` });
    await redis('stop');
    for (const server of [first, second]) {
      await waitFor(async () => (await redisCheck(server)).redis?.status === 'down', 10_000, { what: 'Redis seen down' });
      const check = await redisCheck(server);
      assert.equal(check.status, 200, 'an outage of Redis alone keeps the replica in rotation');
      assert.equal(check.overall, 'degraded');
      assert.ok(check.redis.error, 'the check says why');
      expectStatus(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 200);
    }
    // Each replica's own budget.
    for (const server of [first, second]) {
      for (let i = 0; i < BURST; i += 1) expectProblem(assert, await badLogin(server, '127.0.0.23'), 401, 'invalid_credentials');
      expectProblem(assert, await badLogin(server, '127.0.0.23'), 429, 'rate_limited');
    }
    // Access still ends across replicas without Redis (the database's change counters).
    expectStatus(assert, await second.api('POST', '/api/v1/auth/logout', { token: tenant.token }), 204);
    await waitFor(async () => (await first.api('GET', '/api/v1/me', { token: tenant.token })).status === 401, PROPAGATION_MS, {
      intervalMs: 25,
      what: 'the logout to reach the other replica without Redis',
    });

    await redis('start');
    for (const server of [first, second]) {
      await waitFor(async () => (await redisCheck(server)).overall === 'ready', 15_000, { what: 'Redis seen back' });
    }
    for (let i = 0; i < BURST; i += 1) {
      expectProblem(assert, await badLogin(i % 2 ? first : second, '127.0.0.24'), 401, 'invalid_credentials');
    }
    expectProblem(assert, await badLogin(first, '127.0.0.24'), 429, 'rate_limited');
    // The subscription is back too.
    const again = await createTenant(first, { name: `${P}-back` });
    expectStatus(assert, await second.api('GET', '/api/v1/me', { token: again.token }), 200);
    expectStatus(assert, await first.api('POST', '/api/v1/auth/logout', { token: again.token }), 204);
    await waitFor(async () => (await second.api('GET', '/api/v1/me', { token: again.token })).status === 401, PROPAGATION_MS, {
      intervalMs: 25,
      what: 'the logout to reach the other replica after Redis returned',
    });
  });
});
