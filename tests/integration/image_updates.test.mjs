// Image update detection against the real engine and registry: a container and a stack run an
// image from the registry; a newer image is pushed under the same tag; the check finds
// "update_available" by digest (through the stored login of the team, here the htpasswd
// registry) and, for the stack that opted in, the scheduled round on the lease holder pulls and
// redeploys it as its creator (audited), after which the image is current again. A stack that
// did not opt in is left alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';
import { pushImage, pushNewer as pushNewerImage } from './lib/registry.mjs';

const P = uniquePrefix();
const REGISTRY = process.env.DOKKERR_TEST_REGISTRY_AUTH;
const USER = process.env.DOKKERR_TEST_REGISTRY_AUTH_USER;
const PASSWORD = process.env.DOKKERR_TEST_REGISTRY_AUTH_PASSWORD;
const skip = !REGISTRY && 'DOKKERR_TEST_REGISTRY_AUTH is not set';
let server;
let engine;
let A;
let other;
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token, timeoutMs: 120_000 });

const login = () => ({ username: USER, password: PASSWORD, serveraddress: REGISTRY });
const push = (repo, tag) => pushImage(engine, repo, tag, login());
const pushNewer = (repo, tag, old) => pushNewerImage(engine, P, repo, tag, { old, login: login() });

const statusOf = (items, image) => items.find((u) => u.image === image)?.status;

before(async () => {
  if (skip) return;
  engine = new Engine(await ensureEngine());
  server = await startServer({ args: ['--allowed-registry', REGISTRY, '--image-update-interval', '2'] });
  A = await createTenant(server, { name: `${P}-a`, role: 'admin' });
  other = await createTenant(server, { name: `${P}-o` });
  const stored = await server.api('POST', '/api/v1/registries', as(A, {
    body: { name: `${P}-reg`, address: REGISTRY, team_id: A.teamId, username: USER, password: PASSWORD, insecure: true },
  }));
  expectStatus(assert, stored, 201);
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      if (engine) await releaseEngine();
    }
  }
});

describe('image update detection', { skip, timeout: 300_000 }, () => {
  const auto = () => `${REGISTRY}/${P}/auto`;
  const manual = () => `${REGISTRY}/${P}/manual`;

  test('a newer digest in the registry is "update_available"; an opted-in stack is redeployed', async () => {
    const old = (await engine.ok('GET', `/images/${encodeURIComponent(TEST_IMAGE)}/json`)).json.Id;
    for (const repo of [auto(), manual()]) {
      await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo)}&tag=1`);
      await push(repo, '1');
    }
    const compose = (image) => `services:\n  app:\n    image: ${image}:1\n    command: sleep 600\n`;
    expectStatus(assert, await server.api('POST', envPath('stacks'), as(A, { body: { name: `${P}-auto`, compose: compose(auto()) } })), 201);
    expectStatus(assert, await server.api('POST', envPath('stacks'), as(A, { body: { name: `${P}-manual`, compose: compose(manual()) } })), 201);
    const optIn = await server.api('PUT', envPath(`stacks/${P}-auto/auto-update`), as(A, { body: { enabled: true } }));
    expectStatus(assert, optIn, 200);
    assert.equal(optIn.json.auto_update, true);
    expectProblem(assert, await server.api('PUT', envPath(`stacks/${P}-auto/auto-update`), as(other, { body: { enabled: false } })), 404, 'stack_not_found');
    expectProblem(assert, await server.api('PUT', envPath(`stacks/${P}-auto/auto-update`), as(A, { body: { enabled: 'yes' } })), 400, 'invalid_body');

    const current = await server.api('POST', envPath('image-updates/check'), as(A));
    expectStatus(assert, current, 200);
    assert.equal(statusOf(current.json.items, `${auto()}:1`), 'up_to_date', current.text);
    assert.equal(statusOf(current.json.items, `${manual()}:1`), 'up_to_date', current.text);

    const before = (await server.api('GET', envPath(`stacks/${P}-auto`), as(A))).json.containers[0];
    const beforeManual = (await server.api('GET', envPath(`stacks/${P}-manual`), as(A))).json.containers[0];
    await pushNewer(auto(), '1', old);
    await pushNewer(manual(), '1', old);
    // The scheduled round (every 2 s here) finds both newer and redeploys the opted-in stack.
    const replaced = await waitFor(async () => {
      const view = (await server.api('GET', envPath(`stacks/${P}-auto`), as(A))).json;
      return view.containers[0]?.id !== before.id && view.containers[0]?.state === 'running' ? view : null;
    }, 90_000, { intervalMs: 500, what: 'the auto-update redeploy' });
    assert.equal(replaced.version, 1);
    const listed = await waitFor(async () => {
      const res = await server.api('GET', envPath('image-updates'), as(other));
      return statusOf(res.json.items, `${auto()}:1`) === 'up_to_date' && statusOf(res.json.items, `${manual()}:1`) === 'update_available' ? res.json : null;
    }, 30_000, { intervalMs: 500, what: 'the statuses after the redeploy' });
    const manualRow = listed.items.find((u) => u.image === `${manual()}:1`);
    assert.match(manualRow.local_digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(manualRow.remote_digest, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(manualRow.local_digest, manualRow.remote_digest);
    // Not opted in: untouched until someone redeploys it.
    assert.equal((await server.api('GET', envPath(`stacks/${P}-manual`), as(A))).json.containers[0].id, beforeManual.id);

    const audit = await server.api('GET', '/api/v1/audit?action=stacks.auto_update&limit=10');
    const entry = audit.json.items.find((e) => e.target === `stack:local/${P}-auto`);
    assert.ok(entry, audit.text);
    assert.equal(entry.result, 'success');
    assert.equal(entry.actor.name, A.username);
    assert.ok(!audit.json.items.some((e) => e.target === `stack:local/${P}-manual`));

    const manualRedeploy = await server.api('POST', envPath(`stacks/${P}-manual/redeploy`), as(A));
    expectStatus(assert, manualRedeploy, 200);
    assert.notEqual(manualRedeploy.json.containers[0].id, beforeManual.id);
    const after = await server.api('POST', envPath('image-updates/check'), as(A));
    assert.equal(statusOf(after.json.items, `${manual()}:1`), 'up_to_date', after.text);
  });

  test('images built here or pinned by id are "unknown", with the reason', async () => {
    const made = await server.api('POST', envPath(`containers?name=${P}-local`), as(A, { body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) } }));
    expectStatus(assert, made, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${made.json.Id}/start`), as(A)), 204);
    const res = await server.api('POST', envPath('image-updates/check'), as(A));
    const row = res.json.items.find((u) => u.image === TEST_IMAGE);
    assert.ok(row, res.text);
    assert.equal(row.status, 'unknown');
    assert.ok(row.error.length > 0);
    for (const name of [`${P}-auto`, `${P}-manual`]) {
      expectStatus(assert, await server.api('DELETE', envPath(`stacks/${name}`), as(A)), 204);
    }
    for (const repo of [auto(), manual()]) await engine.call('DELETE', `/images/${encodeURIComponent(`${repo}:1`)}?force=1`);
  });
});
