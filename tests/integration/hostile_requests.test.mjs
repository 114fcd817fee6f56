// Requests shaped so the engine could read them differently from our checks (the
// CVE-2024-41110 class), and Docker routes Dokkerr does not expose. Each is refused or checked
// exactly as it would be forwarded, and nothing reaches the engine.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectProblem,
  releaseEngine,
  startServer,
  testLabels,
  uniquePrefix,
  withTimeout,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;
let tenant;

before(async () => {
  engine = new Engine(await ensureEngine());
  server = await startServer();
  tenant = await createTenant(server, { name: `${P}-t` });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    if (engine) await engine.cleanup(P);
    await releaseEngine();
  }
});

const privileged = (mark) => JSON.stringify({ Image: TEST_IMAGE, Labels: testLabels(P, { 'test.dokkerr.mark': mark }), HostConfig: { Privileged: true } });

async function containersMarked(mark) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.mark=${mark}`] }));
  return (await engine.call('GET', `/containers/json?all=1&filters=${filters}`)).json;
}

// Sends raw bytes on a fresh connection; resolves the status line's code (0: closed unanswered).
async function raw(bytes) {
  const socket = await server.connect();
  const chunks = [];
  socket.on('data', (c) => chunks.push(c));
  socket.write(bytes);
  await withTimeout(once(socket, 'close'), 15_000, 'the server to answer and close').catch(() => socket.destroy());
  const text = Buffer.concat(chunks).toString('latin1');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return { status: m ? Number(m[1]) : 0, text };
}

describe('bodies the engine could read differently', { timeout: 120_000 }, () => {
  test('a create body padded past 1 MiB is checked whole: the Privileged at its end is refused', async () => {
    const mark = `${P}-padded`;
    const body = `{"Image":"${TEST_IMAGE}","Labels":${JSON.stringify(testLabels(P, { 'test.dokkerr.mark': mark }))},${' '.repeat(1_200_000)}"HostConfig":{"Privileged":true}}`;
    const res = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), {
      token: tenant.token,
      raw: body,
      headers: { 'Content-Type': 'application/json' },
    });
    expectProblem(assert, res, 403, 'policy_denied');
    assert.deepEqual(await containersMarked(mark), []);
  });

  test('Content-Length: 0 together with a chunked body is refused', async () => {
    const mark = `${P}-smuggled`;
    const body = privileged(mark);
    const res = await raw(
      `POST ${envPath(`containers?team=${tenant.teamId}`)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    assert.ok(res.status >= 400 && res.status < 500, `refused: ${res.text.slice(0, 300)}`);
    assert.deepEqual(await containersMarked(mark), []);
  });

  test('a gzip-encoded body is refused, not passed on undecoded', async () => {
    const mark = `${P}-gzip`;
    const res = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), {
      token: tenant.token,
      raw: gzipSync(Buffer.from(privileged(mark))),
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    expectProblem(assert, res, 415, 'unsupported_content_encoding');
    assert.deepEqual(await containersMarked(mark), []);
  });
});

describe('Docker routes Dokkerr does not expose', { timeout: 120_000 }, () => {
  const unexposed = [
    ['GET', '/plugins'],
    ['POST', '/plugins/pull?remote=evil/plugin'],
    ['POST', '/swarm/init'],
    ['POST', '/swarm/join'],
    ['POST', '/swarm/leave?force=1'],
    ['POST', '/swarm/unlock'],
    ['POST', '/build?t=evil'],
    ['POST', '/session'],
    ['PUT', '/containers/x/archive?path=/'],
    ['POST', '/containers/x/attach?stream=1'],
    ['POST', '/commit?container=x'],
    ['GET', '/secrets/x/json'],
  ];

  test('answer 404 for everyone, admin included, and the engine never hears of them', async () => {
    const swarmBefore = (await engine.call('GET', '/info')).json.Swarm.LocalNodeState;
    for (const [method, rest] of unexposed) {
      for (const token of [tenant.token, server.token]) {
        const res = await server.api(method, envPath(rest.replace(/^\//, '')), { token, body: {} });
        expectProblem(assert, res, 404, 'route_not_found');
      }
      // Engine-API-shaped paths at the root are not a proxy either.
      const root = await server.api(method, `/v1.41${rest}`, { body: {} });
      assert.equal(root.status, 404, `${method} /v1.41${rest}: ${root.status}`);
    }
    assert.equal((await engine.call('GET', '/info')).json.Swarm.LocalNodeState, swarmBefore, 'no swarm was initialized');
    const images = (await engine.call('GET', `/images/json?filters=${encodeURIComponent(JSON.stringify({ reference: ['evil'] }))}`)).json;
    assert.deepEqual(images, [], 'nothing was built');
  });
});
