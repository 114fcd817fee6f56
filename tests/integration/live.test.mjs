// Live streams of a team's and an environment's containers: two replicas share the database and
// Redis; the first collects (it holds the scheduler lease), the second answers the streams from
// the rounds the first hands it through Redis. A CPU loop at half a core reads as such, and a
// tenant's stream holds only its own team's containers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  startServer,
  testLabels,
  uniquePrefix,
} from './lib/harness.mjs';

const P = uniquePrefix();
let first;
let second;
let engine;
let A;
let B;
let busy;
let idle;

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });

async function run(tenant, name, cmd) {
  const res = await first.api('POST', envPath(`containers?name=${P}-${name}`), as(tenant, {
    body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P), HostConfig: { NanoCpus: 500_000_000 } },
  }));
  expectStatus(assert, res, 201);
  expectStatus(assert, await first.api('POST', envPath(`containers/${res.json.Id}/start`), as(tenant)), 204);
  return res.json.Id;
}

// The first message whose items satisfy `predicate`.
async function until(ws, predicate, what) {
  const message = await ws.waitMessage((m) => predicate(m.json()), 30_000, what);
  assert.ok(message, `${what}: the stream closed`);
  return message.json();
}

before(async () => {
  const redis = process.env.DOKKERR_TEST_REDIS_URL;
  assert.ok(redis, 'DOKKERR_TEST_REDIS_URL names the test Redis (scripts/testenv/redis.sh)');
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  const args = ['--metrics-interval', '1', '--redis', redis];
  first = await startServer({ args });
  second = await startServer({ args, replicaOf: first });
  A = await createTenant(first, { name: `${P}-a` });
  B = await createTenant(first, { name: `${P}-b` });
  busy = await run(A, 'busy', ['sh', '-c', 'while :; do :; done']);
  idle = await run(B, 'idle', ['sleep', '600']);
});

after(async () => {
  try {
    if (engine) await engine.cleanup(P);
  } finally {
    try {
      if (second) await second.stop();
    } finally {
      if (first) await first.stop();
    }
  }
});

describe('live streams of teams and environments', { timeout: 120_000 }, () => {
  test('a team stream on a replica that does not collect: its CPU loop at about half a core', async () => {
    const ws = await second.ws(`/api/v1/metrics/live?target=team:${A.teamId}`, { token: A.token });
    const round = await until(ws, (m) => m.items.some((i) => i.container.id === busy && i.cpu_percent !== null), 'the busy container in a round');
    const item = round.items.find((i) => i.container.id === busy);
    assert.ok(item.cpu_percent > 25 && item.cpu_percent < 75, JSON.stringify(item));
    assert.ok(item.memory_bytes > 0);
    assert.equal(item.team_id, A.teamId);
    assert.equal(item.environment, 'local');
    assert.ok(round.items.every((i) => i.team_id === A.teamId));
    assert.equal(round.total.containers, round.items.length);
    assert.ok(round.total.cpu_percent >= item.cpu_percent);
    assert.match(round.at, /^\d{4}-\d\d-\d\dT/);
    // Rounds keep coming, each newer.
    const next = await until(ws, (m) => m.at > round.at, 'a later round');
    assert.ok(next.at > round.at);
    await ws.close();
  });

  test("an environment stream holds only what the caller may see; another team's stream is empty", async () => {
    const envB = await second.ws('/api/v1/metrics/live?target=environment:local', { token: B.token });
    const round = await until(envB, (m) => m.items.some((i) => i.container.id === idle), "B's own container");
    assert.ok(!round.items.some((i) => i.container.id === busy), "B does not see A's container");
    assert.ok(round.items.every((i) => i.team_id === B.teamId));
    await envB.close();
    const teamA = await second.ws(`/api/v1/metrics/live?target=team:${A.teamId}`, { token: B.token });
    const forB = await until(teamA, () => true, 'a round');
    assert.deepEqual(forB.items, []);
    await teamA.close();
    // The collecting replica answers the same.
    const admin = await first.ws('/api/v1/metrics/live?target=environment:local');
    const all = await until(admin, (m) => m.items.some((i) => i.container.id === busy) && m.items.some((i) => i.container.id === idle), 'both containers for an admin');
    assert.ok(all.total.containers >= 2);
    await admin.close();
  });

  test('bad targets are refused', async () => {
    for (const target of ['', 'pod:x', 'team:', `team:${'x'.repeat(200)}`]) {
      const res = await second.api('GET', `/api/v1/metrics/live?target=${encodeURIComponent(target)}`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      expectProblem(assert, res, 400, 'invalid_parameter');
    }
    expectProblem(assert, await second.api('GET', `/api/v1/metrics/live?target=team:${A.teamId}`), 426, 'websocket_required');
  });
});
