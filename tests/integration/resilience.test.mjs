// Resilience: the engine goes away under a running server and comes back.
//
// This file runs its own engine (`dockerd.sh start resil`) so stopping it disturbs no other test.
// The server reaches it through a symlink to the engine socket: removing the link keeps the
// engine invisible to the server after the engine restarts, so we can change the engine "while
// it is down" (from the server's point of view) and check the server's lists are not stale once
// it can see the engine again.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  envPath,
  expectList,
  expectProblem,
  expectStatus,
  startServer,
  testLabels,
  testenv,
  testenvRunning,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
const ENGINE_NAME = 'resil';
let server;
let engine; // direct, through the real socket
let tmp;
let link; // the socket path the server uses (a symlink)
let realSocket;

async function linkUp() {
  await fsp.rm(link, { force: true });
  await fsp.symlink(realSocket, link);
}

async function ourIds() {
  const res = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`));
  return expectList(assert, res).map((c) => c.Id);
}

before(async () => {
  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME); // a stale one from an aborted run
  const env = await testenv('start', ENGINE_NAME);
  realSocket = env.DOKKERR_TESTENV_SOCKET;
  engine = new Engine(env.DOCKER_HOST);
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dkt-resil-'));
  link = path.join(tmp, 'engine.sock');
  await linkUp();
  server = await startServer({ dockerHost: `unix://${link}` });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (await testenvRunning(ENGINE_NAME)) await engine.cleanup(P);
    } finally {
      await testenv('stop', ENGINE_NAME);
      if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
});

describe('engine outage and recovery', { timeout: 240_000 }, () => {
  let kept; // made through the API before the outage
  let goner; // removed while the server cannot see the engine
  let newcomer; // created while the server cannot see the engine

  test('before: the list has what we made', async () => {
    const res = await server.api('POST', envPath(`containers?name=${P}-kept`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    kept = res.json.Id;
    goner = await engine.createContainer(`${P}-goner`, { Labels: testLabels(P) });
    await waitFor(async () => {
      const ids = await ourIds();
      return ids.includes(kept) && ids.includes(goner);
    }, 10_000, { what: 'both containers listed' });
    const ready = await server.api('GET', '/readyz');
    expectStatus(assert, ready, 200);
  });

  test('engine stopped: 503 engine_unavailable, readyz names local, healthz stays up', async () => {
    await testenv('stop', ENGINE_NAME);
    const res = await waitFor(async () => {
      const r = await server.api('GET', envPath('containers?all=1'));
      return r.status === 503 ? r : null;
    }, 20_000, { what: 'the container list to answer 503' });
    expectProblem(assert, res, 503, 'engine_unavailable');
    for (const p of [`containers/${kept}`, 'images', 'networks', 'volumes', 'system/info']) {
      expectProblem(assert, await server.api('GET', envPath(p)), 503, 'engine_unavailable');
    }
    expectProblem(assert, await server.api('POST', envPath(`containers/${kept}/start`)), 503, 'engine_unavailable');

    const ready = await server.api('GET', '/readyz');
    expectStatus(assert, ready, 503);
    assert.equal(ready.json.status, 'not_ready');
    assert.equal(ready.json.checks.database.status, 'up');
    assert.equal(ready.json.checks.environments.local.status, 'down');
    assert.equal(typeof ready.json.checks.environments.local.error, 'string');

    const envs = expectList(assert, await server.api('GET', '/api/v1/environments'));
    const local = envs.find((e) => e.id === 'local');
    assert.equal(local.status, 'down');
    assert.equal(typeof local.error, 'string');

    expectStatus(assert, await server.api('GET', '/healthz'), 200);
  });

  test('changes made while the server could not see the engine show after recovery', async () => {
    await fsp.rm(link, { force: true }); // the server still sees nothing
    await testenv('start', ENGINE_NAME); // same state: containers persist
    assert.ok(await engine.inspectContainer(kept), 'the engine kept our container');
    await engine.removeContainer(goner);
    newcomer = await engine.createContainer(`${P}-newcomer`, { Labels: testLabels(P) });
    expectProblem(assert, await server.api('GET', envPath('containers?all=1')), 503, 'engine_unavailable');

    await linkUp();
    const ids = await waitFor(async () => {
      const r = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`));
      if (r.status !== 200) return null;
      const list = r.json.items.map((c) => c.Id);
      return list.includes(newcomer) && !list.includes(goner) ? list : null;
    }, 30_000, { what: 'a fresh list after recovery' });
    assert.ok(ids.includes(kept));
    expectProblem(assert, await server.api('GET', envPath(`containers/${goner}`)), 404, 'container_not_found');

    const ready = await waitFor(async () => {
      const r = await server.api('GET', '/readyz');
      return r.status === 200 ? r : null;
    }, 30_000, { what: 'readyz to recover' });
    assert.equal(ready.json.status, 'ready');
    assert.equal(ready.json.checks.environments.local.status, 'up');
    const local = (await server.api('GET', '/api/v1/environments/local')).json;
    assert.equal(local.status, 'up');
  });

  test('state changes after recovery are seen (events resumed)', async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${kept}/start`)), 204);
    await engine.ok('POST', `/containers/${newcomer}/start`);
    await waitFor(async () => {
      const res = await server.api('GET', envPath(`containers?label=test.dokkerr.run=${P}&status=running`));
      const ids = expectList(assert, res).map((c) => c.Id);
      return ids.includes(kept) && ids.includes(newcomer);
    }, 15_000, { what: 'both containers listed as running' });
    await engine.ok('POST', `/containers/${newcomer}/kill`);
    await waitFor(async () => {
      const res = await server.api('GET', envPath(`containers?label=test.dokkerr.run=${P}&status=running`));
      return !expectList(assert, res).some((c) => c.Id === newcomer);
    }, 15_000, { what: 'the killed container to leave the running list' });
  });

  test('a plain engine restart is survived too', async () => {
    await testenv('restart', ENGINE_NAME);
    await waitFor(async () => (await server.api('GET', '/readyz')).status === 200, 30_000, {
      what: 'readyz after an engine restart',
    });
    const ids = await waitFor(async () => {
      const r = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`));
      return r.status === 200 ? r.json.items.map((c) => c.Id) : null;
    }, 30_000, { what: 'the list after an engine restart' });
    assert.ok(ids.includes(kept) && ids.includes(newcomer));
  });
});
