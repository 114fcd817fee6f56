// Audit fails closed: a request that changes something writes its audit intent before it acts.
// When the database refuses that write, the request is 503 audit_unavailable and the engine
// is never asked: no container, network or volume appears, nothing starts. Once the log can be
// written again everything works and the chain is intact.
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

const P = uniquePrefix();
let server;
let engine;
let tenant;

// The database refuses every new audit entry, as a revoked INSERT or a read-only file would,
// while the rest of it stays writable; a trigger does that the same way on both backends.
const REFUSE = {
  sqlite: [`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END;`],
  postgres: [
    `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;`,
    'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();',
  ],
};
const ALLOW = {
  sqlite: ['DROP TRIGGER refuse_audit;'],
  postgres: ['DROP TRIGGER refuse_audit ON audit_log;', 'DROP FUNCTION refuse_audit();'],
};

async function run(statements) {
  for (const sql of statements[server.backend]) await server.sql(sql);
}

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

async function auditOf(requestId) {
  const res = await server.api('GET', `/api/v1/audit?limit=1000`);
  expectStatus(assert, res, 200);
  return res.json.items.filter((e) => e.request_id === requestId);
}

describe('audit intent before the act', { timeout: 120_000 }, () => {
  let existing;

  test('a create writes its intent, then its outcome, under one request id', async () => {
    const res = await server.api('POST', envPath(`containers?name=${P}-first&team=${tenant.teamId}`), {
      token: tenant.token,
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    existing = res.json.Id;
    const entries = await auditOf(res.headers['x-request-id']);
    assert.deepEqual(entries.map((e) => [e.action, e.result]).sort(), [['containers.create', 'intent'], ['containers.create', 'success']]);
    const intent = entries.find((e) => e.result === 'intent');
    const outcome = entries.find((e) => e.result === 'success');
    assert.ok(intent.seq < outcome.seq, 'the intent comes first');
    assert.equal(intent.actor.id, tenant.userId);
  });

  test('audit log refusing writes: every change is 503 audit_unavailable and the engine is untouched', async () => {
    await run(REFUSE);
    try {
      const name = `${P}-refused`;
      const create = await server.api('POST', envPath(`containers?name=${name}&team=${tenant.teamId}`), {
        token: tenant.token,
        body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
      });
      expectProblem(assert, create, 503, 'audit_unavailable');
      assert.equal(await engine.inspectContainer(name), null, 'no container was created');

      const network = await server.api('POST', envPath(`networks?team=${tenant.teamId}`), {
        token: tenant.token,
        body: { Name: `${P}-net`, Labels: testLabels(P) },
      });
      expectProblem(assert, network, 503, 'audit_unavailable');
      const networks = await engine.call('GET', `/networks?filters=${encodeURIComponent(JSON.stringify({ name: [`${P}-net`] }))}`);
      assert.deepEqual(networks.json, [], 'no network was created');

      const volume = await server.api('POST', envPath(`volumes?team=${tenant.teamId}`), {
        token: tenant.token,
        body: { Name: `${P}-vol`, Labels: testLabels(P) },
      });
      expectProblem(assert, volume, 503, 'audit_unavailable');
      expectStatus(assert, await engine.call('GET', `/volumes/${P}-vol`), 404);

      const start = await server.api('POST', envPath(`containers/${existing}/start`), { token: tenant.token });
      expectProblem(assert, start, 503, 'audit_unavailable');
      assert.equal((await engine.inspectContainer(existing)).State.Running, false, 'nothing was started');

      const remove = await server.api('DELETE', envPath(`containers/${existing}?force=1`), { token: tenant.token });
      expectProblem(assert, remove, 503, 'audit_unavailable');
      assert.ok(await engine.inspectContainer(existing), 'nothing was removed');

      // Reads do not write the audit log and go on working.
      expectStatus(assert, await server.api('GET', envPath('containers?all=1'), { token: tenant.token }), 200);
    } finally {
      await run(ALLOW);
    }
  });

  test('once the log can be written again, changes work and the chain verifies', async () => {
    const res = await server.api('POST', envPath(`containers?name=${P}-after&team=${tenant.teamId}`), {
      token: tenant.token,
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${existing}/start`), { token: tenant.token }), 204);
    const verify = await server.api('GET', '/api/v1/audit/verify');
    expectStatus(assert, verify, 200);
    assert.equal(verify.json.ok, true, verify.text);
  });
});
