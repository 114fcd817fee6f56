// A two-node swarm: two private engines, each in a network namespace of its own, joined by a veth
// pair on 198.19.252.0/30 (the benchmark range the test network may use). The first is the
// manager Dokkerr manages; the second joins as a worker. A developer's replicas spread over both
// nodes, a placement constraint keeps tasks on the worker, and draining the worker moves its tasks
// to the manager.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectStatus,
  startServer,
  testenv,
  testenvDir,
  testenvRunning,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const MANAGER = 'swarm-manager';
const WORKER = 'swarm-worker';
const MANAGER_ADDR = '198.19.252.1';
const WORKER_ADDR = '198.19.252.2';
const LINK = ['dkt-swm', 'dkt-sww'];
const P = uniquePrefix();

let manager;
let worker;
let server;
let dev;
let nodeIds; // {manager, worker}

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });
const ip = (...args) => execFileP('ip', args, { timeout: 15_000 });

async function namespaceOf(name) {
  return (await readFile(path.join(testenvDir(), `dockerd-${name}`, 'netns'), 'utf8')).trim();
}

async function startEngine(name) {
  if (await testenvRunning(name)) await testenv('stop', name); // left by an aborted run
  const env = await testenv('start-netns', name);
  const engine = new Engine(env.DOCKER_HOST);
  await engine.call('POST', '/swarm/leave?force=1'); // the data root outlives a stop
  return engine;
}

// Running tasks of a service, by node id.
async function placement(name) {
  const res = await server.api('GET', envPath(`services/${name}/tasks`), as(dev));
  expectStatus(assert, res, 200);
  const counts = {};
  for (const task of res.json.items) {
    if (task.state === 'running' && task.desired_state === 'running') counts[task.node_id] = (counts[task.node_id] ?? 0) + 1;
  }
  return counts;
}

before(async () => {
  manager = await startEngine(MANAGER);
  worker = await startEngine(WORKER);
  await ip('link', 'del', LINK[0]).catch(() => {});
  await ip('link', 'add', LINK[0], 'type', 'veth', 'peer', 'name', LINK[1]);
  const spaces = [await namespaceOf(MANAGER), await namespaceOf(WORKER)];
  const addrs = [MANAGER_ADDR, WORKER_ADDR];
  for (const i of [0, 1]) {
    await ip('link', 'set', LINK[i], 'netns', spaces[i]);
    await ip('-n', spaces[i], 'addr', 'add', `${addrs[i]}/30`, 'dev', LINK[i]);
    await ip('-n', spaces[i], 'link', 'set', LINK[i], 'up');
  }
  await manager.ok('POST', '/swarm/init', {
    body: { ListenAddr: `${MANAGER_ADDR}:2377`, AdvertiseAddr: MANAGER_ADDR, DefaultAddrPool: ['198.19.128.0/17'], SubnetSize: 24 },
  });
  const token = (await manager.ok('GET', '/swarm')).json.JoinTokens.Worker;
  await worker.ok('POST', '/swarm/join', {
    body: { ListenAddr: `${WORKER_ADDR}:2377`, AdvertiseAddr: WORKER_ADDR, RemoteAddrs: [`${MANAGER_ADDR}:2377`], JoinToken: token },
    timeoutMs: 60_000,
  });
  server = await startServer({ dockerHost: manager.dockerHost });
  dev = await createTenant(server, { name: `${P}-dev` });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    for (const [engine, name] of [[worker, WORKER], [manager, MANAGER]]) {
      if (engine && (await testenvRunning(name))) await engine.call('POST', '/swarm/leave?force=1');
      await testenv('stop', name); // deleting the namespaces deletes the veth pair with them
    }
  }
});

describe('a two-node swarm', { timeout: 540_000 }, () => {
  test('both nodes are listed, ready, with their roles', async () => {
    const nodes = await waitFor(async () => {
      const res = await server.api('GET', envPath('swarm/nodes'), as(dev));
      expectStatus(assert, res, 200);
      return res.json.items.length === 2 && res.json.items.every((n) => n.state === 'ready') ? res.json.items : null;
    }, 60_000, { intervalMs: 500, what: 'two ready nodes' });
    const lead = nodes.find((n) => n.role === 'manager');
    const work = nodes.find((n) => n.role === 'worker');
    assert.ok(lead && work, JSON.stringify(nodes));
    assert.equal(lead.leader, true);
    assert.equal(lead.address, MANAGER_ADDR);
    assert.equal(work.address, WORKER_ADDR);
    nodeIds = { manager: lead.id, worker: work.id };
    const status = await server.api('GET', envPath('swarm'), as(dev));
    assert.equal(status.json.nodes, 2);
    assert.equal(status.json.managers, 1);
  });

  test("a developer's replicas spread over both nodes", async () => {
    const created = await server.api('POST', envPath('services'), as(dev, {
      body: { name: `${P}-spread`, image: TEST_IMAGE, command: ['sleep', '600'], replicas: 4 },
    }));
    expectStatus(assert, created, 201);
    const counts = await waitFor(async () => {
      const c = await placement(`${P}-spread`);
      return (c[nodeIds.manager] ?? 0) + (c[nodeIds.worker] ?? 0) === 4 ? c : null;
    }, 90_000, { intervalMs: 500, what: 'four running tasks' });
    assert.ok(counts[nodeIds.manager] > 0 && counts[nodeIds.worker] > 0, JSON.stringify(counts));
  });

  test('a placement constraint keeps the tasks on the worker', async () => {
    const created = await server.api('POST', envPath('services'), as(dev, {
      body: { name: `${P}-placed`, image: TEST_IMAGE, command: ['sleep', '600'], replicas: 2, constraints: ['node.role==worker'] },
    }));
    expectStatus(assert, created, 201);
    const counts = await waitFor(async () => {
      const c = await placement(`${P}-placed`);
      return c[nodeIds.worker] === 2 ? c : null;
    }, 90_000, { intervalMs: 500, what: 'two tasks on the worker' });
    assert.equal(counts[nodeIds.manager], undefined);
  });

  test('draining the worker moves its tasks to the manager; activating it takes tasks again', async () => {
    const drained = await server.api('PUT', envPath(`swarm/nodes/${nodeIds.worker}/availability`), { body: { availability: 'drain' } });
    expectStatus(assert, drained, 200);
    assert.equal(drained.json.availability, 'drain');
    await waitFor(async () => {
      const c = await placement(`${P}-spread`);
      return c[nodeIds.manager] === 4 && !c[nodeIds.worker];
    }, 120_000, { intervalMs: 500, what: 'all four tasks on the manager' });
    // The constrained service has nowhere to go: its tasks wait, saying why.
    const pending = await waitFor(async () => {
      const res = await server.api('GET', envPath(`services/${P}-placed/tasks`), as(dev));
      const waiting = res.json.items.filter((t) => t.desired_state === 'running' && t.state === 'pending');
      return waiting.length === 2 ? waiting : null;
    }, 60_000, { intervalMs: 500, what: 'the constrained tasks to wait' });
    assert.match(pending[0].error || pending[0].message, /no suitable node/i);

    const active = await server.api('PUT', envPath(`swarm/nodes/${nodeIds.worker}/availability`), { body: { availability: 'active' } });
    expectStatus(assert, active, 200);
    await waitFor(async () => (await placement(`${P}-placed`))[nodeIds.worker] === 2, 90_000, {
      intervalMs: 500,
      what: 'the constrained tasks on the worker again',
    });
    for (const name of [`${P}-spread`, `${P}-placed`]) {
      expectStatus(assert, await server.api('DELETE', envPath(`services/${name}`), as(dev)), 204);
    }
  });
});
