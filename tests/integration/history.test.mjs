// The metrics history against a real engine on both database backends: a server samples once a
// second and writes 10-second chunks; a second replica on the same database (which does not
// collect) answers GET /api/v1/metrics/query from what was written. A CPU loop limited to half a
// core reads as half a core, tenants see only their own team's history, and bad queries get
// clear errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  request,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server; // collects (it holds the scheduler lease: it started first)
let replica; // same database, does not collect
let engine;
let A;
let B;
let busy;
let idle;

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });

async function run(tenant, name, cmd) {
  const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), as(tenant, {
    body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P), HostConfig: { NanoCpus: 500_000_000 } },
  }));
  expectStatus(assert, res, 201);
  expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(tenant)), 204);
  return res.json.Id;
}

function query(target, params, opts) {
  const q = new URLSearchParams({ target, ...params });
  return replica.api('GET', `/api/v1/metrics/query?${q}`, opts);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

before(async () => {
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  const args = ['--metrics-interval', '1', '--metrics-chunk', '10'];
  server = await startServer({ args });
  replica = await startServer({ args, replicaOf: server });
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
  busy = await run(A, 'busy', ['sh', '-c', 'while :; do :; done']);
  idle = await run(B, 'idle', ['sleep', '600']);
});

after(async () => {
  try {
    if (engine) await engine.cleanup(P);
  } finally {
    try {
      if (replica) await replica.stop();
    } finally {
      if (server) await server.stop();
    }
  }
});

describe('metrics history', { timeout: 180_000 }, () => {
  test('written chunks answer on a replica that does not collect: a CPU loop at half a core', async () => {
    let answer;
    await waitFor(
      async () => {
        const res = await query(`container:${busy}`, { metric: 'cpu_percent,memory_bytes', from: String(Date.now() / 1000 - 120), step: '2s' }, as(A));
        if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
        answer = res.json;
        return answer.series[0].points.length >= 8;
      },
      60_000,
      { what: 'ten seconds of samples written to the history', intervalMs: 1000 },
    );
    const scrape = await request(replica.target, 'GET', '/metrics');
    expectStatus(assert, scrape, 200);
    assert.doesNotMatch(scrape.text, /^dokkerr_container_cpu_seconds_total/m, 'the replica does not collect');
    assert.equal(answer.target, `container:${busy}`);
    assert.equal(answer.tier, 'raw');
    assert.equal(answer.step, 2);
    assert.deepEqual(answer.series.map((s) => s.metric), ['cpu_percent', 'memory_bytes']);
    const cpu = answer.series[0].points.map(([, v]) => v);
    assert.ok(median(cpu) > 25 && median(cpu) < 75, `busy container: ${cpu.join(', ')} % of one core`);
    for (const [t, v] of answer.series[1].points) {
      assert.ok(Number.isInteger(t / 2), `points sit on the step grid: ${t}`);
      assert.ok(v > 0, `memory ${v}`);
    }
    // RFC 3339 times and a step with a unit give the same series.
    const from = new Date(Date.now() - 120_000).toISOString();
    const res = await query(`container:${busy}`, { metric: 'cpu_percent', from, step: '1m' }, as(A));
    expectStatus(assert, res, 200);
    assert.equal(res.json.step, 60);
  });

  test('a team sums its containers; an environment sums what the caller may see in it', async () => {
    const team = await query(`team:${A.teamId}`, { metric: 'cpu_percent', from: String(Date.now() / 1000 - 60), step: '5' }, as(A));
    expectStatus(assert, team, 200);
    const teamCpu = team.json.series[0].points.map(([, v]) => v);
    assert.ok(teamCpu.length > 0 && median(teamCpu) > 25, `team A: ${teamCpu.join(', ')}`);
    const envForB = await query('environment:local', { metric: 'cpu_percent', from: String(Date.now() / 1000 - 60), step: '5' }, as(B));
    expectStatus(assert, envForB, 200);
    const bCpu = envForB.json.series[0].points.map(([, v]) => v);
    assert.ok(bCpu.length > 0, 'B sees its idle container');
    assert.ok(Math.max(...bCpu) < 15, `B's view of the environment holds only its idle container: ${bCpu.join(', ')}`);
    const envForAdmin = await query('environment:local', { metric: 'cpu_percent', from: String(Date.now() / 1000 - 60), step: '5' });
    expectStatus(assert, envForAdmin, 200);
    assert.ok(median(envForAdmin.json.series[0].points.map(([, v]) => v)) > 25);
  });

  test("another team's history is not there for them, whichever way they ask", async () => {
    const params = { metric: 'cpu_percent', from: String(Date.now() / 1000 - 120), step: '5' };
    for (const target of [`container:${busy}`, `team:${A.teamId}`]) {
      const res = await query(target, params, as(B));
      expectStatus(assert, res, 200);
      assert.deepEqual(res.json.series[0].points, [], `${target} for team B`);
    }
    const own = await query(`container:${idle}`, params, as(B));
    expectStatus(assert, own, 200);
    assert.ok(own.json.series[0].points.length > 0, 'B reads its own container');
    const unauthenticated = await request(replica.target, 'GET', `/api/v1/metrics/query?target=container:${busy}&metric=cpu_percent`);
    expectProblem(assert, unauthenticated, 401, 'authentication_required');
  });

  test('the busiest containers and each team\'s usage, of what the caller may see', async () => {
    const from = String(Date.now() / 1000 - 60);
    const top = await replica.api('GET', `/api/v1/metrics/top?by=cpu_percent&from=${from}&limit=5`, as(A));
    expectStatus(assert, top, 200);
    assert.equal(top.json.by, 'cpu_percent');
    assert.equal(top.json.items[0].container.id, busy);
    assert.equal(top.json.items[0].team_id, A.teamId);
    assert.ok(top.json.items[0].value > 25 && top.json.items[0].value < 75, JSON.stringify(top.json.items[0]));
    const topB = await replica.api('GET', `/api/v1/metrics/top?by=cpu_percent&from=${from}`, as(B));
    expectStatus(assert, topB, 200);
    assert.ok(!topB.json.items.some((i) => i.container.id === busy), 'B does not see A\'s container');
    assert.ok(topB.json.items.some((i) => i.container.id === idle));
    const byMemory = await replica.api('GET', `/api/v1/metrics/top?by=memory_bytes&team=${A.teamId}`, as(A));
    expectStatus(assert, byMemory, 200);
    assert.ok(byMemory.json.items.every((i) => i.team_id === A.teamId));

    const usage = await replica.api('GET', `/api/v1/metrics/usage?from=${from}`, as(A));
    expectStatus(assert, usage, 200);
    assert.equal(usage.json.items.length, 1, 'A sees its own team only');
    const [mine] = usage.json.items;
    assert.equal(mine.team_id, A.teamId);
    assert.equal(mine.containers, 1);
    assert.ok(mine.cpu_seconds > 0.25 * mine.seconds && mine.cpu_seconds < 0.75 * mine.seconds, JSON.stringify(mine));
    assert.ok(mine.memory_byte_seconds > 0);
    const everyone = await replica.api('GET', `/api/v1/metrics/usage?from=${from}`);
    expectStatus(assert, everyone, 200);
    assert.ok(everyone.json.items.some((i) => i.team_id === A.teamId) && everyone.json.items.some((i) => i.team_id === B.teamId));

    expectProblem(assert, await replica.api('GET', '/api/v1/metrics/top?by=load', as(A)), 400, 'unknown_metric');
    expectProblem(assert, await replica.api('GET', `/api/v1/metrics/top?team=${A.teamId}&environment=local`, as(A)), 400, 'invalid_parameter');
    expectProblem(assert, await replica.api('GET', '/api/v1/metrics/top?limit=1000', as(A)), 400, 'invalid_parameter');
    expectProblem(assert, await replica.api('GET', '/api/v1/metrics/usage?from=2000&to=1000', as(A)), 400, 'invalid_parameter');
  });

  test('bad queries get clear errors', async () => {
    const cases = [
      [{ target: `container:${busy}`, metric: 'load_average' }, 'unknown_metric'],
      [{ target: `container:${busy}`, metric: 'cpu_percent,' }, 'unknown_metric'],
      [{ target: `pod:${busy}`, metric: 'cpu_percent' }, 'invalid_parameter'],
      [{ target: 'container:', metric: 'cpu_percent' }, 'invalid_parameter'],
      [{ target: `container:${'x'.repeat(200)}`, metric: 'cpu_percent' }, 'invalid_parameter'],
      [{ metric: 'cpu_percent' }, 'invalid_parameter'],
      [{ target: `container:${busy}` }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', from: 'yesterday' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', from: '2026-13-01T00:00:00Z' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', from: '2000', to: '1000' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', from: '0', to: String(500 * 86400) }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', step: '0' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', step: '-5s' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', step: 'NaN' }, 'invalid_parameter'],
      [{ target: `container:${busy}`, metric: 'cpu_percent', from: String(Date.now() / 1000 - 30 * 86400), step: '1s' }, 'too_many_points'],
      [{ target: `team:${A.teamId}`, metric: 'memory_percent' }, 'metric_not_aggregatable'],
    ];
    for (const [params, code] of cases) {
      const q = new URLSearchParams(params);
      const res = await replica.api('GET', `/api/v1/metrics/query?${q}`, as(A));
      expectProblem(assert, res, 400, code);
    }
  });
});
