// Redeploy webhooks and "pull and redeploy" against the real engine and the test registry: a
// stack runs an image from the registry; a newer image is pushed under the same tag; the
// stack's secret URL, called without credentials, pulls it and recreates only the service that
// runs it, as its issuer. A wrong token is 404 and audited; tokens are never stored or logged in
// clear; guessing is held to the sign-in budget; who may issue, read and revoke a hook.
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
} from './lib/harness.mjs';
import { pushImage, pushNewer as pushNewerImage } from './lib/registry.mjs';

const P = uniquePrefix();
const REGISTRY = process.env.DOKKERR_TEST_REGISTRY;
const skip = !REGISTRY && 'DOKKERR_TEST_REGISTRY is not set';
let server;
let engine;
let A;
let viewer;
let B;
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token, timeoutMs: 120_000 });

async function imageId(ref) {
  return (await engine.ok('GET', `/images/${encodeURIComponent(ref)}/json`)).json.Id;
}

const push = (repo, tag) => pushImage(engine, repo, tag);
const pushNewer = (repo, tag) => pushNewerImage(engine, P, repo, tag);

before(async () => {
  if (skip) return;
  engine = new Engine(await ensureEngine());
  server = await startServer({ args: ['--allowed-registry', REGISTRY] });
  A = await createTenant(server, { name: `${P}-a` });
  viewer = await createTenant(server, { name: `${P}-v`, orgId: A.orgId, teamId: A.teamId, role: 'viewer' });
  B = await createTenant(server, { name: `${P}-b` });
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

describe('stack redeploy webhooks', { skip, timeout: 300_000 }, () => {
  const stack = `${P}-hooked`;
  const repo = () => `${REGISTRY}/${P}/hooked`;
  let token;

  test('a stack runs an image from the registry; a hook is issued once', async () => {
    await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo())}&tag=1`);
    await push(repo(), '1');
    const compose = `services:\n  app:\n    image: ${repo()}:1\n    command: sleep 600\n  side:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    pull_policy: never\n`;
    const res = await server.api('POST', envPath('stacks'), as(A, { body: { name: stack, compose } }));
    expectStatus(assert, res, 201);

    expectProblem(assert, await server.api('GET', envPath(`stacks/${stack}/hook`), as(A)), 404, 'hook_not_found');
    const issued = await server.api('PUT', envPath(`stacks/${stack}/hook`), as(A));
    expectStatus(assert, issued, 201);
    token = issued.json.token;
    assert.match(token, /^dkh_[0-9a-f]{64}$/);
    assert.equal(issued.json.url, `/api/v1/hooks/stacks/${token}`);
    assert.equal(issued.json.last_used_at, null);
    const shown = await server.api('GET', envPath(`stacks/${stack}/hook`), as(viewer));
    expectStatus(assert, shown, 200);
    assert.equal(shown.json.token, undefined);
    assert.ok(!shown.text.includes(token.slice(4)));
    const stored = await server.storedText();
    assert.ok(!stored.includes(token.slice(4)), 'the hook token is stored in clear');
  });

  test('who may issue, read and revoke a hook', async () => {
    expectProblem(assert, await server.api('PUT', envPath(`stacks/${stack}/hook`), as(viewer)), 403, 'permission_denied');
    expectProblem(assert, await server.api('DELETE', envPath(`stacks/${stack}/hook`), as(viewer)), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', envPath(`stacks/${stack}/redeploy`), as(viewer)), 403, 'permission_denied');
    expectProblem(assert, await server.api('PUT', envPath(`stacks/${stack}/hook`), as(B)), 404, 'stack_not_found');
    expectProblem(assert, await server.api('GET', envPath(`stacks/${stack}/hook`), as(B)), 404, 'stack_not_found');
  });

  test('the hook pulls the newer image and recreates only the service that runs it', async () => {
    const before = (await server.api('GET', envPath(`stacks/${stack}`), as(A))).json;
    const oldApp = before.containers.find((c) => c.service === 'app');
    const oldSide = before.containers.find((c) => c.service === 'side');
    const newer = await pushNewer(repo(), '1');
    assert.notEqual(await imageId(`${repo()}:1`), newer, 'the engine still has the old image');

    const fired = await server.api('POST', `/api/v1/hooks/stacks/${token}`, { token: null, headers: { 'User-Agent': 'ci-job/1' }, timeoutMs: 120_000 });
    expectStatus(assert, fired, 200);
    assert.deepEqual(fired.json, { environment: 'local', stack, version: 1, status: 'running' });
    assert.equal(await imageId(`${repo()}:1`), newer);
    const after = (await server.api('GET', envPath(`stacks/${stack}`), as(A))).json;
    const newApp = after.containers.find((c) => c.service === 'app');
    assert.notEqual(newApp.id, oldApp.id);
    assert.equal(newApp.state, 'running');
    assert.equal((await engine.ok('GET', `/containers/${newApp.id}/json`)).json.Image, newer);
    assert.equal(after.containers.find((c) => c.service === 'side').id, oldSide.id);
    assert.notEqual((await server.api('GET', envPath(`stacks/${stack}/hook`), as(A))).json.last_used_at, null);

    // Nothing newer: the same call replaces nothing; the API's own "pull and redeploy" too.
    const again = await server.api('POST', `/api/v1/hooks/stacks/${token}`, { token: null, timeoutMs: 120_000 });
    expectStatus(assert, again, 200);
    const redeployed = await server.api('POST', envPath(`stacks/${stack}/redeploy`), as(A));
    expectStatus(assert, redeployed, 200);
    assert.equal(redeployed.json.containers.find((c) => c.service === 'app').id, newApp.id);

    const audit = await server.api('GET', '/api/v1/audit?action=stacks.hook.fire&limit=10');
    const success = audit.json.items.find((e) => e.result === 'success');
    assert.ok(success, audit.text);
    assert.equal(success.actor.name, A.username);
    assert.equal(success.target, `stack:local/${stack}`);
    assert.ok(!audit.text.includes(token.slice(4)));
  });

  test('a wrong token is 404 and audited; no credential is needed or taken', async () => {
    const wrong = `dkh_${'0'.repeat(64)}`;
    expectProblem(assert, await server.api('POST', `/api/v1/hooks/stacks/${wrong}`, { token: null }), 404, 'hook_not_found');
    // An encoded NUL matches no route at all.
    assert.equal((await server.api('POST', '/api/v1/hooks/stacks/garbage%00', { token: null })).status, 404);
    expectProblem(assert, await server.api('POST', '/api/v1/hooks/stacks/garbage', { token: null }), 404, 'hook_not_found');
    expectProblem(assert, await server.api('POST', `/api/v1/hooks/stacks/${'x'.repeat(5000)}`, { token: null }), 404, 'hook_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/hooks/stacks/${token}`, { token: null }), 405, 'method_not_allowed');
    const audit = await server.api('GET', '/api/v1/audit?action=stacks.hook.fire&limit=50');
    const denied = audit.json.items.filter((e) => e.result === 'denied');
    assert.ok(denied.length >= 3, audit.text);
    assert.ok(denied.some((e) => e.target.startsWith('hook:') && e.target !== 'hook:malformed'));
  });

  test('a new token replaces the old; revoking and removing the stack end it', async () => {
    const again = await server.api('PUT', envPath(`stacks/${stack}/hook`), as(A));
    expectStatus(assert, again, 201);
    expectProblem(assert, await server.api('POST', `/api/v1/hooks/stacks/${token}`, { token: null }), 404, 'hook_not_found');
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${stack}/hook`), as(A)), 204);
    expectProblem(assert, await server.api('POST', `/api/v1/hooks/stacks/${again.json.token}`, { token: null }), 404, 'hook_not_found');
    const third = await server.api('PUT', envPath(`stacks/${stack}/hook`), as(A));
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${stack}?volumes=1`), as(A)), 204);
    expectProblem(assert, await server.api('POST', `/api/v1/hooks/stacks/${third.json.token}`, { token: null }), 404, 'hook_not_found');
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo()}:1`)}?force=1`);
  });
});

describe('an image that does not become healthy', { skip, timeout: 300_000 }, () => {
  test('is rolled back: the previous container runs again under its name', async () => {
    const repo = `${REGISTRY}/${P}/healthy`;
    // Version 1 has /ok, which the stack's health check looks for; version 2 does not.
    const made = await engine.ok('POST', '/containers/create', {
      body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', 'echo > /ok'], Labels: testLabels(P), HostConfig: { NetworkMode: 'none' } },
    });
    await engine.ok('POST', `/containers/${made.json.Id}/start`);
    await engine.ok('POST', `/containers/${made.json.Id}/wait`, { timeoutMs: 60_000 });
    const good = (await engine.ok('POST', `/commit?container=${made.json.Id}&repo=${encodeURIComponent(repo)}&tag=1`)).json.Id;
    await engine.call('DELETE', `/containers/${made.json.Id}?force=1`);
    await push(repo, '1');
    const name = `${P}-health`;
    const compose = `services:\n  app:\n    image: ${repo}:1\n    command: sleep 600\n    healthcheck:\n      test: ["CMD", "test", "-f", "/ok"]\n      interval: 1s\n      retries: 2\n`;
    expectStatus(assert, await server.api('POST', envPath('stacks'), as(A, { body: { name, compose } })), 201);
    const before = (await server.api('GET', envPath(`stacks/${name}`), as(A))).json.containers[0];

    await pushNewer(repo, '1');  // the test image itself: no /ok
    await engine.ok('POST', `/images/${good}/tag?repo=${encodeURIComponent(repo)}&tag=1`);
    const refused = await server.api('POST', envPath(`stacks/${name}/redeploy`), as(A));
    expectProblem(assert, refused, 409, 'stack_update_rolled_back');
    assert.match(refused.json.detail, /services\.app/);
    const after = (await server.api('GET', envPath(`stacks/${name}`), as(A))).json;
    assert.equal(after.status, 'failed');
    assert.deepEqual(after.containers.map((c) => [c.id, c.name, c.state]), [[before.id, `${name}-app-1`, 'running']]);
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${name}`), as(A)), 204);
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo}:1`)}?force=1`);
  });
});

describe('guessing hook tokens', { skip, timeout: 120_000 }, () => {
  test('is held to the sign-in budget', async () => {
    const tight = await startServer({ args: ['--rate-limit', 'sign_in=2:2'] });
    try {
      const statuses = [];
      for (let i = 0; i < 8; i++) {
        statuses.push((await tight.api('POST', `/api/v1/hooks/stacks/dkh_${String(i).padStart(64, '0')}`, { token: null })).status);
      }
      assert.ok(statuses.includes(429), statuses.join(','));
      assert.ok(statuses.every((s) => s === 404 || s === 429), statuses.join(','));
    } finally {
      await tight.stop();
    }
  });
});
