// Idempotency-Key on creates: the first answer replayed for a retry, 409 while the first is in
// flight, 422 for the same key with another request, keys per caller; and a server killed with
// SIGKILL in the middle of a loop of keyed container creates: after a restart every
// acknowledged create exists exactly once, with its owner and audit entry, no container is
// left without an owner, and retrying every key creates nothing twice.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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
  sleep,
  startServer,
  testLabels,
  uniquePrefix,
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

const withKey = (key, extra = {}) => ({ token: tenant.token, ...extra, headers: { 'Idempotency-Key': key, ...(extra.headers ?? {}) } });
const containerBody = (mark) => ({ Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P, { 'test.dokkerr.mark': mark }) });

async function containersMarked(mark) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.mark=${mark}`] }));
  const res = await engine.call('GET', `/containers/json?all=1&filters=${filters}`);
  assert.equal(res.status, 200, res.text);
  return res.json.map((c) => c.Id);
}

describe('Idempotency-Key', { timeout: 120_000 }, () => {
  test('a retried container create answers the first result and creates nothing more', async () => {
    const mark = `${P}-once`;
    const path = envPath(`containers?team=${tenant.teamId}`);
    const first = await server.api('POST', path, withKey(`${P}-k1`, { body: containerBody(mark) }));
    expectStatus(assert, first, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    for (let i = 0; i < 3; i += 1) {
      const again = await server.api('POST', path, withKey(`${P}-k1`, { body: containerBody(mark) }));
      expectStatus(assert, again, 201);
      assert.equal(again.json.Id, first.json.Id);
      assert.equal(again.headers['idempotent-replayed'], 'true');
    }
    assert.deepEqual(await containersMarked(mark), [first.json.Id]);

    // The same key with another body is refused; nothing is created.
    const other = await server.api('POST', path, withKey(`${P}-k1`, { body: containerBody(`${mark}-other`) }));
    expectProblem(assert, other, 422, 'idempotency_key_reused');
    assert.deepEqual(await containersMarked(`${mark}-other`), []);
    // Without a key, a create is a create.
    expectStatus(assert, await server.api('POST', path, { token: tenant.token, body: containerBody(mark) }), 201);
    assert.equal((await containersMarked(mark)).length, 2);
  });

  test("another account's key of the same name is its own", async () => {
    const other = await createTenant(server, { name: `${P}-o` });
    const mark = `${P}-theirs`;
    const mine = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), withKey(`${P}-shared`, { body: containerBody(mark) }));
    expectStatus(assert, mine, 201);
    const theirs = await server.api('POST', envPath(`containers?team=${other.teamId}`), {
      token: other.token,
      headers: { 'Idempotency-Key': `${P}-shared` },
      body: containerBody(mark),
    });
    expectStatus(assert, theirs, 201);
    assert.notEqual(theirs.json.Id, mine.json.Id);
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
  });

  test('networks and volumes: one object per key', async () => {
    const net = { Name: `${P}-net`, Labels: testLabels(P) };
    const n1 = await server.api('POST', envPath(`networks?team=${tenant.teamId}`), withKey(`${P}-n`, { body: net }));
    expectStatus(assert, n1, 201);
    const n2 = await server.api('POST', envPath(`networks?team=${tenant.teamId}`), withKey(`${P}-n`, { body: net }));
    expectStatus(assert, n2, 201);
    assert.equal(n2.json.Id, n1.json.Id);
    assert.equal(n2.headers['idempotent-replayed'], 'true');

    const vol = { Name: `${P}-vol`, Labels: testLabels(P) };
    const v1 = await server.api('POST', envPath(`volumes?team=${tenant.teamId}`), withKey(`${P}-v`, { body: vol }));
    expectStatus(assert, v1, 201);
    const v2 = await server.api('POST', envPath(`volumes?team=${tenant.teamId}`), withKey(`${P}-v`, { body: vol }));
    expectStatus(assert, v2, 201);
    assert.deepEqual(v2.json, v1.json);
  });

  test('while the first request with a key runs, the retry is 409', async () => {
    const target = envPath(`containers?team=${tenant.teamId}`);
    const body = JSON.stringify(containerBody(`${P}-flight`));
    const fingerprint = createHash('sha256').update(`POST ${target}\n${body}`).digest('hex');
    // A first request still running, as another replica would hold it.
    await server.sql(
      `INSERT INTO idempotency_keys (caller, idempotency_key, fingerprint, token, state, locked_until, expires_at) ` +
        `VALUES ('${tenant.userId}', '${P}-flight', '${fingerprint}', 't', 'in_flight', '2999-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z')`,
    );
    const res = await server.api('POST', target, withKey(`${P}-flight`, { raw: body, headers: { 'Content-Type': 'application/json' } }));
    expectProblem(assert, res, 409, 'idempotency_key_in_flight');
    assert.deepEqual(await containersMarked(`${P}-flight`), []);
  });

  test('a malformed key is 400 and does nothing', async () => {
    for (const key of ['x'.repeat(256), 'has space', 'ünï']) {
      const res = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), withKey(key, { body: containerBody(`${P}-bad`) }));
      expectProblem(assert, res, 400, 'invalid_idempotency_key');
    }
    assert.deepEqual(await containersMarked(`${P}-bad`), []);
  });
});

describe('a server killed in the middle of keyed creates', { timeout: 240_000 }, () => {
  let first;
  let second;
  let crashTenant;

  after(async () => {
    if (second) await second.stop();
    if (first) await first.stop();
  });

  test('every acknowledged create exists once with its owner and audit entry; retries create nothing twice', async () => {
    first = await startServer();
    crashTenant = await createTenant(first, { name: `${P}-crash` });
    const mark = `${P}-crash`;
    const path = envPath(`containers?team=${crashTenant.teamId}`);
    const keys = Array.from({ length: 12 }, (_, i) => `${P}-crash-${i}`);
    const acknowledged = new Map(); // key → {id, requestId}
    const create = (server, key) =>
      server.api('POST', path, { token: crashTenant.token, headers: { 'Idempotency-Key': key }, body: containerBody(mark), timeoutMs: 15_000 });

    // Creates run one after another; the kill lands while one is on its way.
    const loop = (async () => {
      for (const key of keys) {
        let res;
        try {
          res = await create(first, key);
        } catch {
          return; // the server is gone
        }
        if (res.status === 201) acknowledged.set(key, { id: res.json.Id, requestId: res.headers['x-request-id'] });
        else return;
      }
    })();
    while (acknowledged.size < 4) await sleep(20);
    await sleep(Math.floor(Math.random() * 60));
    await first.kill();
    await loop;
    assert.ok(acknowledged.size >= 4, `acknowledged ${acknowledged.size}`);

    second = await startServer({ replicaOf: first });
    // Every acknowledged create: on the engine once, owned by the team, in the audit log; and
    // after the start's reconcile no container the creates made lacks its owner row.
    const onEngine = await containersMarked(mark);
    for (const id of onEngine) {
      const row = await second.sql(`SELECT team_id FROM resource_owners WHERE kind = 'container' AND resource_id = '${id}'`);
      assert.equal(row, crashTenant.teamId, `${id} has its owner row`);
    }
    for (const [key, { id, requestId }] of acknowledged) {
      assert.equal(onEngine.filter((c) => c === id).length, 1, `${key}: ${id} exists once`);
      expectStatus(assert, await second.api('GET', envPath(`containers/${id}`), { token: crashTenant.token }), 200);
      const audit = (await second.api('GET', '/api/v1/audit?action=containers.create&limit=1000')).json.items;
      assert.ok(audit.some((e) => e.request_id === requestId && e.result === 'success'), `${key}: audited`);
    }

    // Retrying every key: the acknowledged ones answer what they answered; the one the kill
    // interrupted is in flight until its claim runs out (60 s), then finishes once.
    const answers = new Map();
    const deadline = Date.now() + 90_000;
    for (const key of keys) {
      for (;;) {
        const res = await create(second, key);
        if (res.status === 201) {
          answers.set(key, res.json.Id);
          break;
        }
        expectProblem(assert, res, 409, 'idempotency_key_in_flight');
        assert.ok(!acknowledged.has(key), `${key} was acknowledged, yet is in flight`);
        assert.ok(Date.now() < deadline, `${key} still in flight`);
        await sleep(2_000);
      }
      if (acknowledged.has(key)) assert.equal(answers.get(key), acknowledged.get(key).id, `${key}: the same container`);
    }

    // Exactly one container per key, each owned by the team: nothing without an owner row.
    const final = await containersMarked(mark);
    assert.equal(final.length, keys.length, `one container per key: ${final.length} for ${keys.length}`);
    assert.deepEqual([...new Set(answers.values())].sort(), [...final].sort());
    for (const id of final) {
      expectStatus(assert, await second.api('GET', envPath(`containers/${id}`), { token: crashTenant.token }), 200);
    }
    // And a second round of retries changes nothing.
    for (const key of keys) {
      const res = await create(second, key);
      expectStatus(assert, res, 201);
      assert.equal(res.json.Id, answers.get(key));
    }
    assert.equal((await containersMarked(mark)).length, keys.length);
  });
});

describe('reconcile at start', { timeout: 120_000 }, () => {
  let first;
  let second;

  after(async () => {
    if (second) await second.stop();
    if (first) await first.stop();
  });

  const ownerRow = (server, id) => server.sql(`SELECT team_id FROM resource_owners WHERE kind = 'container' AND resource_id = '${id}'`);

  test("a container left without its owner row is adopted by its label's team; one of a team that is gone is reported", async () => {
    first = await startServer();
    const t = await createTenant(first, { name: `${P}-rec` });
    // What a server stopped between the engine's create and the owner row leaves behind.
    const left = await engine.createContainer(`${P}-rec-left`, { Labels: testLabels(P, { 'io.dokkerr.team': t.teamId }) });
    const gone = await engine.createContainer(`${P}-rec-gone`, { Labels: testLabels(P, { 'io.dokkerr.team': 'no-such-team' }) });
    assert.equal(await ownerRow(first, left), '');

    second = await startServer({ replicaOf: first });
    assert.equal(await ownerRow(second, left), t.teamId, 'adopted');
    expectStatus(assert, await second.api('GET', envPath(`containers/${left}`), { token: t.token }), 200);
    assert.equal(await ownerRow(second, gone), '', 'no row for a team that does not exist');
    const orphans = (await second.api('GET', '/api/v1/audit?action=containers.orphan&limit=1000')).json.items;
    assert.ok(orphans.some((e) => e.target.endsWith(`/containers/${gone}`)), 'the orphan is reported');
    assert.ok(!orphans.some((e) => e.target.endsWith(`/containers/${left}`)), 'the adopted one is not');
  });
});
