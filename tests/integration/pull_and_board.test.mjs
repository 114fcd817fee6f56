// Creating a container whose image the engine lacks (?pull=missing|always, pulled from the test
// registry first, under the same rules as an image pull), and the stats board: live CPU and
// memory of several containers over one WebSocket, each caller seeing only their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
const REGISTRY = process.env.DOKKERR_TEST_REGISTRY;
let server;
let engine;
let developer; // team A, developer
let outsider; // team B, developer
let noPull; // team A, a custom role that may create containers but not pull

// Publishes the test image in the registry as `repo:tag` and removes it locally.
async function publish(repo, tag) {
  await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo)}&tag=${tag}`);
  const push = await engine.call('POST', `/images/${encodeURIComponent(repo)}/push?tag=${tag}`, {
    headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
  });
  assert.equal(push.status, 200, push.text);
  assert.ok(!push.text.includes('"error"'), push.text);
  await engine.ok('DELETE', `/images/${encodeURIComponent(`${repo}:${tag}`)}`);
}

async function imagePresent(ref) {
  return (await engine.call('GET', `/images/${encodeURIComponent(ref)}/json`)).status === 200;
}

async function containerNamed(name) {
  const res = await engine.call('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: [`^/${name}$`] }))}`);
  return res.json;
}

before(async () => {
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: REGISTRY ? ['--allowed-registry', REGISTRY] : [] });
  developer = await createTenant(server, { name: `${P}-a` });
  outsider = await createTenant(server, { name: `${P}-b` });
  const role = await server.api('POST', `/api/v1/organizations/${developer.orgId}/roles`, {
    body: { name: `${P}-creator`, permissions: ['containers:read', 'containers:create', 'images:read', 'environments:read'] },
  });
  expectStatus(assert, role, 201);
  noPull = await createTenant(server, { name: `${P}-c`, orgId: developer.orgId, teamId: developer.teamId, role: `role:${role.json.id}` });
});

after(async () => {
  try {
    if (engine) await engine.cleanup(P);
  } finally {
    if (server) await server.stop();
  }
});

describe('create with ?pull=', { skip: !REGISTRY && 'DOKKERR_TEST_REGISTRY is not set', timeout: 180_000 }, () => {
  test('pull=missing pulls an image the engine lacks, then creates', async () => {
    const repo = `${REGISTRY}/${P}/app`;
    await publish(repo, 'v1');
    assert.equal(await imagePresent(`${repo}:v1`), false);
    const body = { Image: `${repo}:v1`, Cmd: ['sleep', '600'], Labels: testLabels(P) };

    // Engine-compatible without the parameter: the engine's own refusal.
    const plain = await server.api('POST', envPath(`containers?name=${P}-plain`), { token: developer.token, body });
    expectProblem(assert, plain, 404, 'image_not_found');

    const created = await server.api('POST', envPath(`containers?name=${P}-pulled&pull=missing`), { token: developer.token, body, timeoutMs: 120_000 });
    expectStatus(assert, created, 201);
    assert.equal(await imagePresent(`${repo}:v1`), true);
    const start = await server.api('POST', envPath(`containers/${created.json.Id}/start`), { token: developer.token });
    expectStatus(assert, start, 204);
    const inspect = await server.api('GET', envPath(`containers/${created.json.Id}`), { token: developer.token });
    assert.equal(inspect.json.State.Running, true);
    assert.equal(inspect.json.Config.Labels['io.dokkerr.team'], developer.teamId);
    assert.deepEqual(inspect.json.Dokkerr, { environment: 'local', team: developer.teamId });
    const listed = await server.api('GET', envPath(`containers?all=1&name=${P}-pulled`), { token: developer.token });
    assert.deepEqual(listed.json.items.map((c) => c.Dokkerr), [{ environment: 'local', team: developer.teamId }]);

    // Present now: missing asks the registry nothing more; always pulls again; both create.
    const again = await server.api('POST', envPath(`containers?name=${P}-again&pull=missing`), { token: developer.token, body });
    expectStatus(assert, again, 201);
    const always = await server.api('POST', envPath(`containers?name=${P}-always&pull=always`), { token: developer.token, body, timeoutMs: 120_000 });
    expectStatus(assert, always, 201);
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo}:v1`)}?force=1`);
  });

  test('hostile and refused pulls create nothing', async () => {
    const body = (image) => ({ Image: image, Cmd: ['true'], Labels: testLabels(P) });
    for (const value of ['bogus', '', 'MISSING', 'missing,always']) {
      const res = await server.api('POST', envPath(`containers?name=${P}-bad&pull=${encodeURIComponent(value)}`), {
        token: developer.token,
        body: body(TEST_IMAGE),
      });
      expectProblem(assert, res, 400, 'invalid_parameter');
    }
    // A role that may create but not pull.
    const denied = await server.api('POST', envPath(`containers?name=${P}-nopull&pull=missing`), { token: noPull.token, body: body(TEST_IMAGE) });
    expectProblem(assert, denied, 403, 'permission_denied');
    // A registry that is not public and not listed: the guard of image pulls applies.
    const guarded = await server.api('POST', envPath(`containers?name=${P}-guarded&pull=always`), {
      token: developer.token,
      body: body('169.254.169.254/library/x:1'),
    });
    expectProblem(assert, guarded, 403, 'registry_not_allowed');
    // An image no registry has: the pull's failure, not a created container.
    const unknown = await server.api('POST', envPath(`containers?name=${P}-unknown&pull=missing`), {
      token: developer.token,
      body: body(`${REGISTRY}/${P}/never-published:1`),
      timeoutMs: 60_000,
    });
    assert.ok([404, 502].includes(unknown.status), unknown.text);
    assert.ok(['image_not_found', 'image_pull_failed'].includes(unknown.json.code), unknown.text);
    for (const name of ['bad', 'nopull', 'guarded', 'unknown']) {
      assert.deepEqual(await containerNamed(`${P}-${name}`), [], `${name} was not created`);
    }
  });
});

describe('the stats board', { timeout: 120_000 }, () => {
  let mine;
  let idle;
  let theirs;

  before(async () => {
    const make = async (tenant, name, cmd) => {
      const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), {
        token: tenant.token,
        body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P) },
      });
      expectStatus(assert, res, 201);
      expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), { token: tenant.token }), 204);
      return res.json.Id;
    };
    mine = await make(developer, 'busy', ['sh', '-c', 'while :; do :; done']);
    idle = await make(developer, 'idle', ['sleep', '600']);
    theirs = await make(outsider, 'theirs', ['sleep', '600']);
  });

  after(async () => {
    for (const id of [mine, idle, theirs]) if (id) await engine.call('DELETE', `/containers/${id}?force=1`);
  });

  test('one socket: the newest sample of each container once a second, CPU and memory included', async () => {
    const ws = await server.ws(envPath(`stats?id=${mine}&id=${idle}&id=${mine}`), { token: developer.token });
    try {
      const first = (await ws.next(10_000)).json();
      assert.deepEqual(first, { items: [], missing: [] });
      const seen = new Map();
      await waitFor(
        async () => {
          const message = (await ws.next(10_000)).json();
          for (const item of message.items) seen.set(item.id, item);
          return typeof seen.get(mine)?.cpu_percent === 'number' && seen.has(idle);
        },
        30_000,
        { what: 'samples of both containers with a CPU figure' },
      );
      const busy = seen.get(mine);
      assert.ok(busy.cpu_percent > 20, `a CPU loop shows high CPU: ${JSON.stringify(busy)}`);
      assert.ok(busy.memory_bytes > 0 && busy.memory_limit_bytes > 0, JSON.stringify(busy));
      for (const key of ['network_rx_bytes', 'network_tx_bytes', 'block_read_bytes', 'block_write_bytes', 'pids', 'read']) {
        assert.ok(key in busy, `${key} in ${JSON.stringify(busy)}`);
      }
      assert.ok(seen.get(idle).cpu_percent === null || seen.get(idle).cpu_percent < 20);
    } finally {
      await ws.close();
    }
  });

  test('another team’s container is missing exactly like one that does not exist', async () => {
    const ws = await server.ws(envPath(`stats?id=${theirs}&id=${P}-nonexistent&id=${mine}`), { token: developer.token });
    try {
      const first = (await ws.next(10_000)).json();
      assert.deepEqual(first.missing, [`${P}-nonexistent`, theirs].sort());
      const later = (await ws.next(10_000)).json();
      assert.ok(later.items.every((item) => item.id === mine), JSON.stringify(later));
    } finally {
      await ws.close();
    }
    // The owner sees it.
    const own = await server.ws(envPath(`stats?id=${theirs}`), { token: outsider.token });
    try {
      assert.deepEqual((await own.next(10_000)).json().missing, []);
    } finally {
      await own.close();
    }
  });

  test('no ids, too many ids, or no upgrade are refused with a problem', async () => {
    const none = await server.ws(envPath('stats'), { token: developer.token }).catch((error) => error);
    assert.equal(none.status, 400, String(none));
    assert.equal(none.json.code, 'invalid_parameter');
    const many = Array.from({ length: 51 }, (_, i) => `id=c${i}`).join('&');
    const tooMany = await server.ws(envPath(`stats?${many}`), { token: developer.token }).catch((error) => error);
    assert.equal(tooMany.status, 400, String(tooMany));
    const plain = await server.api('GET', envPath(`stats?id=${mine}`), { token: developer.token });
    expectProblem(assert, plain, 426, 'websocket_required');
  });
});
