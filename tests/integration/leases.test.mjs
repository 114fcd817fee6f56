// The scheduler lease across three replicas on one database: one holder at a time, all agree who
// it is; a holder killed with SIGKILL is replaced once its lease runs out (3 s, within 5 s); a
// holder that stops cleanly hands over at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTenant, expectProblem, releaseEngine, startServer, uniquePrefix, waitFor } from './lib/harness.mjs';

const P = uniquePrefix();
// The lease runs out 3 s after the holder's last renewal and others try every second; the
// bound allows for a loaded test machine.
const TAKEOVER_MS = 8_000;

let first;
let second;
let third;

const leases = async (server) => {
  const res = await server.api('GET', '/api/v1/system/leases');
  assert.equal(res.status, 200, res.text);
  return res.json;
};
const schedulerHolder = async (server) => (await leases(server)).items.find((l) => l.name === 'scheduler');

before(async () => {
  first = await startServer();
  // `first` holds the lease before the others exist.
  const node = (await leases(first)).node;
  await waitFor(async () => (await schedulerHolder(first))?.holder === node, 5_000, { what: 'the first replica to hold the lease' });
  second = await startServer({ replicaOf: first });
  third = await startServer({ replicaOf: first });
});

after(async () => {
  await third?.stop();
  await second?.stop();
  // `first` was killed: its stop reports the signal, and still removes its database.
  await first?.stop().catch(() => {});
  await releaseEngine();
});

describe('the scheduler lease', { timeout: 120_000 }, () => {
  test('one holder, and every replica names the same one', async () => {
    const nodes = await Promise.all([first, second, third].map(async (s) => (await leases(s)).node));
    assert.equal(new Set(nodes).size, 3, 'each replica has a node id of its own');
    for (const server of [first, second, third]) {
      const lease = await schedulerHolder(server);
      assert.equal(lease.holder, nodes[0]);
      assert.ok(lease.expires_in_ms > 0 && lease.expires_in_ms <= 3_000, `expires in ${lease.expires_in_ms} ms`);
    }
  });

  test('only operators see the leases', async () => {
    const tenant = await createTenant(first, { name: `${P}-tenant` });
    expectProblem(assert, await first.api('GET', '/api/v1/system/leases', { token: tenant.token }), 403, 'permission_denied');
    expectProblem(assert, await first.api('GET', '/api/v1/system/leases', { token: null }), 401, 'authentication_required');
  });

  test('a holder killed with SIGKILL is replaced by a live replica, then a clean stop hands over', async (t) => {
    const dead = (await leases(first)).node;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const survivors = new Map([
      [(await leases(second)).node, second],
      [(await leases(third)).node, third],
    ]);
    let holder;
    await waitFor(async () => {
      holder = (await schedulerHolder(second))?.holder;
      return holder !== undefined && holder !== dead;
    }, TAKEOVER_MS, { intervalMs: 50, what: 'a live replica to take the lease' });
    t.diagnostic(`lease moved ${Date.now() - killedAt} ms after the holder died`);
    assert.ok(survivors.has(holder), `held by ${holder}, a survivor`);
    assert.equal((await schedulerHolder(third)).holder, holder);

    // The new holder stops cleanly: it releases, so the last replica takes over without
    // waiting for the lease to run out.
    const leaving = survivors.get(holder);
    const staying = leaving === second ? third : second;
    const stayingNode = (await leases(staying)).node;
    await leaving.stop();
    await waitFor(async () => (await schedulerHolder(staying))?.holder === stayingNode, TAKEOVER_MS, {
      intervalMs: 50,
      what: 'the last replica to take the released lease',
    });
  });
});
