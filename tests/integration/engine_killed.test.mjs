// dockerd killed with SIGKILL under a running server: an open exec console, a chunked log
// follow, a stats WebSocket and a create each end with a clear error within their bound (no
// hang), and the server reports the engine down. (The model catching up once an engine returns
// is resilience.test.mjs.) The file runs its own engine (`dockerd.sh start killed`), which it
// only stops afterwards.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  envPath,
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

    const pidFile = path.join(testenvDir(), `dockerd-${ENGINE_NAME}`, 'docker.pid');
    const killedAt = Date.now();
    process.kill(Number((await fsp.readFile(pidFile, 'utf8')).trim()), 'SIGKILL');

    await withTimeout(exec.closed, BOUND_MS, 'the exec console to close');
    await withTimeout(stats.closed, BOUND_MS, 'the stats stream to close');
    const ended = await withTimeout(followEnded, BOUND_MS, 'the log follow to end');
    assert.ok(!ended.error, `the follow ended cleanly: ${ended.error}`);
    const last = JSON.parse(ended.lines.at(-1));
    assert.equal(last.code, 'engine_unavailable', `its last line says why: ${ended.lines.at(-1)}`);

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
});
