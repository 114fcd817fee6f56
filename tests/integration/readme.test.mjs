// The README's first example, run as written with bash and curl against a fresh server: setup
// with the printed token, sign in, create `hello` from busybox with pull=missing, start it.
// busybox comes from "Docker Hub" as a newcomer's engine would fetch it: the engine here uses
// the test registry as its Docker Hub mirror. Then the README's offline alternative (import
// Debian's busybox-static) on an engine that has no mirror.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  REPO_ROOT,
  TEST_IMAGE,
  envPath,
  expectStatus,
  startServer,
  testenv,
  testenvRunning,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const ENGINE_NAME = 'readme';
const REGISTRY = process.env.DOKKERR_TEST_REGISTRY;
const MIRRORED = `${REGISTRY}/library/busybox`;

// The shell blocks of the README, in order.
function readmeBlocks() {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

// A README block as the reader would run it against `server`: its address and setup token.
function asRun(block, server) {
  return block.replaceAll('localhost:8080', `127.0.0.1:${server.port}`).replaceAll('3q2Lk…', server.setupToken ?? '');
}

async function bash(script, timeoutMs = 120_000) {
  const { stdout } = await execFileP('bash', ['-euo', 'pipefail', '-c', script], { timeout: timeoutMs, maxBuffer: 1 << 20 });
  return stdout;
}

function setupToken(server) {
  const m = /Dokkerr setup token: (\S+)/.exec(server.child.stdoutText());
  assert.ok(m, 'the server printed a setup token');
  return m[1];
}

let testEngine;
let mirrorEngine;
const servers = [];

before(async () => {
  testEngine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  // The mirror's busybox is the offline test image, published as library/busybox.
  await testEngine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(MIRRORED)}&tag=latest`);
  const push = await testEngine.call('POST', `/images/${encodeURIComponent(MIRRORED)}/push?tag=latest`, {
    headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
  });
  assert.equal(push.status, 200, push.text);
  assert.ok(!push.text.includes('"error"'), push.text);
  await testEngine.call('DELETE', `/images/${encodeURIComponent(`${MIRRORED}:latest`)}`);

  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME);
  process.env.DOKKERR_TESTENV_REGISTRY_MIRROR = `http://${REGISTRY}`;
  try {
    const env = await testenv('start', ENGINE_NAME);
    mirrorEngine = new Engine(env.DOCKER_HOST);
  } finally {
    delete process.env.DOKKERR_TESTENV_REGISTRY_MIRROR;
  }
});

after(async () => {
  for (const server of servers) await server.stop().catch(() => {});
  if (testEngine) {
    await testEngine.call('DELETE', '/containers/hello?force=1');
    await testEngine.call('DELETE', `/images/${encodeURIComponent('busybox:latest')}?force=1`);
  }
  if (mirrorEngine) await testenv('stop', ENGINE_NAME);
});

describe('the README example', { skip: !REGISTRY && 'DOKKERR_TEST_REGISTRY is not set', timeout: 240_000 }, () => {
  test('runs as written on a fresh install: busybox is pulled, hello runs', async () => {
    const blocks = readmeBlocks();
    const example = blocks.find((b) => b.includes('/api/v1/setup') && b.includes('name=hello'));
    assert.ok(example, 'the README has the example');
    assert.ok(example.includes('pull=missing'), 'the example pulls a missing image');
    // As on a fresh install (an interrupted earlier run may have left it in this engine's data).
    await mirrorEngine.call('DELETE', '/containers/hello?force=1');
    await mirrorEngine.call('DELETE', `/images/${encodeURIComponent('busybox:latest')}?force=1`);
    assert.equal((await mirrorEngine.call('GET', '/images/busybox:latest/json')).status, 404, 'the engine lacks busybox');

    const server = await startServer({ dockerHost: mirrorEngine.dockerHost, bootstrap: false });
    servers.push(server);
    server.setupToken = setupToken(server);
    const out = await bash(asRun(example, server));
    assert.doesNotMatch(out, /"code"\s*:/, `no problem document in the output:\n${out}`);

    const login = await server.login('admin', 'a long passphrase');
    const listed = await server.api('GET', envPath('containers?name=hello'), { token: login.access_token });
    expectStatus(assert, listed, 200);
    const hello = listed.json.items.find((c) => c.Names?.includes('/hello'));
    assert.ok(hello, `hello is listed: ${listed.text}`);
    assert.equal(hello.State, 'running');
    assert.equal(hello.Image, 'busybox');
    expectStatus(assert, await server.api('DELETE', envPath('containers/hello?force=1'), { token: login.access_token }), 204);
  });

  test('the offline alternative: import busybox-static, then the same create needs no registry', async () => {
    const blocks = readmeBlocks();
    const example = blocks.find((b) => b.includes('/api/v1/setup') && b.includes('name=hello'));
    const offline = blocks.find((b) => b.includes('images/import'));
    assert.ok(offline, 'the README has the offline block');
    await testEngine.call('DELETE', `/images/${encodeURIComponent('busybox:latest')}?force=1`);

    const server = await startServer({ bootstrap: false });
    servers.push(server);
    server.setupToken = setupToken(server);
    // Setup and sign-in come from the example; the import before its create.
    const lines = example.split('\n');
    const createAt = lines.findIndex((l) => l.includes('name=hello'));
    const script = [...lines.slice(0, createAt), offline, ...lines.slice(createAt)].join('\n');
    const out = await bash(asRun(script, server));
    assert.doesNotMatch(out, /"code"\s*:/, `no problem document in the output:\n${out}`);

    const login = await server.login('admin', 'a long passphrase');
    const inspect = await server.api('GET', envPath('containers/hello'), { token: login.access_token });
    expectStatus(assert, inspect, 200);
    assert.equal(inspect.json.State.Running, true);
  });
});
