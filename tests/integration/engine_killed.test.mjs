// dockerd killed with SIGKILL under a running server: an open exec console, a chunked log
// follow, a stats WebSocket, an image pull the engine is in the middle of, and a create each end
// with a clear error within their bound (no hang), and the server reports the engine down. When
// the engine comes back, the model resyncs: nothing is listed in the state it had before the
// kill. The pull goes to a registry of the test's own on loopback that answers the engine's
// version check and then holds the manifest request open, so the engine is inside the pull when
// it dies. The file runs its own engine (`dockerd.sh start killed`), which it stops afterwards.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  envPath,
  expectList,
  expectStatus,
  startServer,
  testLabels,
  testenv,
  testenvDir,
  testenvRunning,
  uniquePrefix,
  waitFor,
  withTimeout,
} from './lib/harness.mjs';

const P = uniquePrefix();
const ENGINE_NAME = 'killed';
const BOUND_MS = 20_000;
let server;
let engine;

// A registry that answers GET /v2/ and holds every other request (the manifest) open.
function stallingRegistry() {
  const seen = [];
  const held = [];
  const registry = http.createServer((req, res) => {
    seen.push(req.url);
    if (req.url === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    held.push(res);
  });
  return {
    seen,
    listen: () => new Promise((resolve) => registry.listen(0, '127.0.0.1', () => resolve(registry.address().port))),
    close: () => {
      for (const res of held) res.destroy();
      registry.closeAllConnections();
      return new Promise((resolve) => registry.close(resolve));
    },
  };
}

before(async () => {
  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME);
  const env = await testenv('start', ENGINE_NAME);
  engine = new Engine(env.DOCKER_HOST);
  server = await startServer({ dockerHost: env.DOCKER_HOST });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (await testenvRunning(ENGINE_NAME)) await engine.cleanup(P).catch(() => {});
    } finally {
      await testenv('stop', ENGINE_NAME);
    }
  }
});

describe('dockerd killed mid-request', { timeout: 240_000 }, () => {
  test('exec, log follow, stats and create end with a clear error within their bound', async () => {
    const made = await server.api('POST', envPath(`containers?name=${P}-victim`), {
      body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', 'while true; do echo tick; sleep 1; done'], Labels: testLabels(P) },
    });
    expectStatus(assert, made, 201);
    const victim = made.json.Id;
    expectStatus(assert, await server.api('POST', envPath(`containers/${victim}/start`)), 204);
    const exec = await server.ws(envPath(`containers/${victim}/exec?cmd=cat`));
    const stats = await server.ws(envPath(`containers/${victim}/stats`));
    const follow = await server.stream('GET', envPath(`containers/${victim}/logs?follow=1`));
    assert.equal(follow.status, 200);
    assert.ok(await follow.nextLine(10_000), 'the follow is flowing');
    const followEnded = follow.readAll(BOUND_MS * 3).then((lines) => ({ lines }), (error) => ({ error }));

    const registry = stallingRegistry();
    const port = await registry.listen();
    let pullEnded;
    try {
      pullEnded = server
        .stream('POST', envPath('images/pull'), { body: { image: `127.0.0.1:${port}/${P}-stall`, tag: 'latest' }, timeoutMs: BOUND_MS * 3 })
        .then(async (res) => ({ status: res.status, lines: await res.readAll(BOUND_MS * 3).catch((error) => [`read failed: ${error}`]) }))
        .catch((error) => ({ error }));
      await waitFor(() => registry.seen.some((url) => url.includes('/manifests/')), 30_000, { what: 'the engine to be inside the pull' });
    } catch (error) {
      await registry.close();
      throw error;
    }

    const pidFile = path.join(testenvDir(), `dockerd-${ENGINE_NAME}`, 'docker.pid');
    const killedAt = Date.now();
    process.kill(Number((await fsp.readFile(pidFile, 'utf8')).trim()), 'SIGKILL');

    await withTimeout(exec.closed, BOUND_MS, 'the exec console to close');
    await withTimeout(stats.closed, BOUND_MS, 'the stats stream to close');
    const ended = await withTimeout(followEnded, BOUND_MS, 'the log follow to end');
    assert.ok(!ended.error, `the follow ended cleanly: ${ended.error}`);
    const last = JSON.parse(ended.lines.at(-1));
    assert.equal(last.code, 'engine_unavailable', `its last line says why: ${ended.lines.at(-1)}`);

    const pull = await withTimeout(pullEnded, BOUND_MS, 'the pull to end');
    await registry.close();
    assert.ok(!pull.error, `the pull answered: ${pull.error}`);
    const said = JSON.parse(pull.lines.at(-1));
    if (pull.status === 200) {
      // The engine had started its progress stream: the last line is the error.
      assert.ok(said.error && ['engine_unavailable', 'image_pull_failed'].includes(said.code), `last pull line: ${pull.lines.at(-1)}`);
    } else {
      assert.ok([502, 503].includes(pull.status), `pull: ${pull.status} ${pull.lines.join('')}`);
      assert.ok(['engine_unavailable', 'engine_error'].includes(said.code), pull.lines.join(''));
    }

    const create = await withTimeout(
      server.api('POST', envPath(`containers?name=${P}-during`), { body: { Image: TEST_IMAGE, Labels: testLabels(P) } }),
      BOUND_MS,
      'a create during the outage to answer',
    );
    assert.ok([502, 503].includes(create.status), `create during the outage: ${create.status} ${create.text}`);
    assert.ok(Date.now() - killedAt < BOUND_MS * 2, 'every request ended within its bound');

    const ready = await server.api('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.checks.environments.local.status, 'down', ready.text);
  });

  test('the engine back: the model resyncs, nothing listed as it was before the kill', async () => {
    await testenv('stop', ENGINE_NAME); // clears what the killed engine left behind
    await testenv('start', ENGINE_NAME); // same data root: the containers persist
    await waitFor(async () => (await server.api('GET', '/readyz')).status === 200, 60_000, { what: 'readyz after the engine returned' });
    // The victim was running when its engine died; the engine's truth now is that it is not.
    const truth = new Map();
    const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`] }));
    for (const c of (await engine.ok('GET', `/containers/json?all=1&filters=${filters}`)).json) truth.set(c.Id, c.State);
    assert.ok(truth.size >= 1, 'the engine kept the victim');
    const listed = await waitFor(async () => {
      const res = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`));
      if (res.status !== 200) return null;
      const items = expectList(assert, res);
      const same = items.length === truth.size && items.every((c) => truth.get(c.Id) === c.State);
      return same ? items : null;
    }, 30_000, { what: 'the list to match the engine after the restart' });
    assert.ok(listed.every((c) => c.State !== 'running'), JSON.stringify(listed.map((c) => [c.Names, c.State])));
    expectStatus(assert, await server.api('POST', envPath(`containers/${listed[0].Id}/start`)), 204);
  });
});
