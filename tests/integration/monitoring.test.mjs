// Container metrics collected from the kernel (the containers' cgroups and network namespaces)
// by a server sampling once a second: the stats routes answer from them, a CPU loop shows as
// one, a restarted container is found again, a stopped one stops being reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  envPath,
  expectStatus,
  request,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;

async function run(name, cmd) {
  const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), {
    body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P), HostConfig: { NanoCpus: 500_000_000 } },
  });
  expectStatus(assert, res, 201);
  expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`)), 204);
  return res.json.Id;
}

// The docker CLI's CPU percentage over an engine stats document.
function cliCpuPercent(doc) {
  const cpuDelta = doc.cpu_stats.cpu_usage.total_usage - doc.precpu_stats.cpu_usage.total_usage;
  const systemDelta = doc.cpu_stats.system_cpu_usage - doc.precpu_stats.system_cpu_usage;
  return systemDelta > 0 ? (cpuDelta / systemDelta) * doc.cpu_stats.online_cpus * 100 : 0;
}

// The one-shot stats once the collector has two samples of the container (its document names
// all interfaces "all"; the engine's own names them by interface).
async function collectedStats(id) {
  let doc;
  await waitFor(
    async () => {
      const res = await server.api('GET', envPath(`containers/${id}/stats`));
      if (res.status !== 200) return false;
      doc = res.json;
      return doc.networks?.all !== undefined && doc.precpu_stats.cpu_usage.total_usage > 0;
    },
    20_000,
    { what: 'two collected samples', intervalMs: 250 },
  );
  return doc;
}

before(async () => {
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--metrics-interval', '1'] });
});

after(async () => {
  try {
    if (engine) await engine.cleanup(P);
  } finally {
    if (server) await server.stop();
  }
});

describe('container metrics from the kernel', { timeout: 120_000 }, () => {
  test('a CPU loop limited to half a core shows as about half a core; an idle container as idle', async () => {
    const busy = await run('busy', ['sh', '-c', 'while :; do :; done']);
    const idle = await run('idle', ['sleep', '600']);
    const busyDoc = await collectedStats(busy);
    const idleDoc = await collectedStats(idle);
    const busyPercent = cliCpuPercent(busyDoc);
    assert.ok(busyPercent > 25 && busyPercent < 75, `busy: ${busyPercent} % of one core (limit 50 %)`);
    assert.ok(cliCpuPercent(idleDoc) < 10, `idle: ${cliCpuPercent(idleDoc)} %`);
    assert.ok(busyDoc.memory_stats.usage > 0, JSON.stringify(busyDoc.memory_stats));
    assert.ok(busyDoc.memory_stats.limit > 0);
    assert.ok(busyDoc.pids_stats.current >= 1);
    assert.match(busyDoc.read, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

    // The stats board answers from the same samples.
    const ws = await server.ws(envPath(`stats?id=${busy}&id=${idle}`));
    try {
      assert.deepEqual((await ws.next(10_000)).json().missing, []);
      const seen = new Map();
      await waitFor(
        async () => {
          for (const item of (await ws.next(10_000)).json().items) seen.set(item.id, item);
          return seen.has(busy) && seen.has(idle) && typeof seen.get(busy).cpu_percent === 'number';
        },
        20_000,
        { what: 'board samples of both' },
      );
      const sample = seen.get(busy);
      assert.ok(sample.cpu_percent > 25 && sample.cpu_percent < 75, JSON.stringify(sample));
      assert.ok(typeof sample.at_ms === 'number' && sample.memory_bytes > 0, JSON.stringify(sample));
    } finally {
      await ws.close();
    }
  });

  test('a restarted container is measured again; a stopped one is no longer reported', async () => {
    const id = await run('restarted', ['sleep', '600']);
    const before = await collectedStats(id);
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/restart?t=0`)), 204);
    // A sample taken after the restart (a new init process, found again).
    await waitFor(
      async () => {
        const res = await server.api('GET', envPath(`containers/${id}/stats`));
        return res.status === 200 && res.json.networks?.all && Date.parse(res.json.read) > Date.parse(before.read) + 1500;
      },
      20_000,
      { what: 'a sample after the restart', intervalMs: 250 },
    );
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=0`)), 204);
    // Stopped: the engine answers again (its own document has no "all" interface).
    await waitFor(
      async () => {
        const res = await server.api('GET', envPath(`containers/${id}/stats`));
        return res.status === 200 && res.json.networks?.all === undefined;
      },
      20_000,
      { what: 'the collector to forget the stopped container', intervalMs: 250 },
    );
  });

  test('each engine in /metrics: up, its containers by state, its disk by kind, its containers\' totals', async () => {
    const id = await run('counted', ['sleep', '600']);
    let text = '';
    await waitFor(
      async () => {
        text = (await request(server.target, 'GET', '/metrics')).text;
        return /^dokkerr_engine_disk_bytes\{environment="local",kind="images"\} [1-9]/m.test(text);
      },
      30_000,
      { what: 'the engine\'s disk usage in /metrics', intervalMs: 500 },
    );
    assert.match(text, /^dokkerr_engine_up\{environment="local"\} 1$/m);
    const running = Number(/^dokkerr_engine_containers\{environment="local",state="running"\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(running >= 1, `running ${running}`);
    assert.match(text, /^dokkerr_engine_containers\{environment="local",state="stopped"\} \d+$/m);
    for (const kind of ['containers', 'volumes', 'build_cache']) {
      assert.match(text, new RegExp(`^dokkerr_engine_disk_bytes\\{environment="local",kind="${kind}"\\} \\d`, 'm'));
    }
    assert.match(text, /^dokkerr_engine_cpu_percent\{environment="local"\} [\d.e+-]+$/m);
    assert.match(text, /^dokkerr_engine_memory_usage_bytes\{environment="local"\} [1-9]/m);
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`)), 204);
  });
});
