// The database going away mid-run: PostgreSQL stopped under a running server (PostgreSQL pass,
// with a PostgreSQL of this test's own), or the SQLite file moved away (SQLite pass). Requests
// that need it are 503 database_unavailable (none is answered from the authorization caches,
// which could be stale by then), /readyz says so while /healthz stays up, and everything works
// again, with the same tokens, once the database is back.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  freePort,
  ownPostgres,
  sleep,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
const postgresPass = process.env.DOKKERR_TEST_DATABASE === 'postgres';
const sqlitePass = !process.env.DOKKERR_TEST_DATABASE || process.env.DOKKERR_TEST_DATABASE === 'sqlite';
let stateDir;
let port;
let server;
let tenant;

before(async () => {
  if (sqlitePass) {
    server = await startServer();
    tenant = await createTenant(server, { name: `${P}-t` });
    return;
  }
  if (!postgresPass) return;
  stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-pg-outage-'));
  await fsp.chmod(stateDir, 0o755); // the cluster runs as the postgres user
  port = await freePort();
  await ownPostgres(stateDir, 'start', port);
  process.env.DOKKERR_TEST_DATABASE_URL = await ownPostgres(stateDir, 'url', port);
  server = await startServer();
  tenant = await createTenant(server, { name: `${P}-t` });
});

after(async () => {
  try {
    if (server) {
      if (stateDir) await ownPostgres(stateDir, 'start', port).catch(() => {});
      await server.stop();
    }
  } finally {
    if (stateDir) {
      await ownPostgres(stateDir, 'stop', port).catch(() => {});
      await fsp.rm(stateDir, { recursive: true, force: true });
    }
  }
});

describe('PostgreSQL stopped and started under a running server', { timeout: 180_000, skip: !postgresPass && 'PostgreSQL pass only' }, () => {
  test('before: a cached caller is served', async () => {
    for (let i = 0; i < 3; i += 1) expectStatus(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 200);
    expectStatus(assert, await server.api('GET', '/readyz'), 200);
  });

  test('while it is down: 503 database_unavailable, never a cached answer; readyz down, healthz up', async () => {
    await ownPostgres(stateDir, 'stop', port);
    // The caches stop serving within one change-watch poll (250 ms).
    await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: tenant.token })).status === 503, 5_000, {
      what: 'the first 503',
    });
    for (let i = 0; i < 5; i += 1) {
      expectProblem(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 503, 'database_unavailable');
      await sleep(200);
    }
    expectProblem(assert, await server.api('GET', envPath('containers'), { token: tenant.token }), 503, 'database_unavailable');
    const create = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), {
      token: tenant.token,
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    });
    expectProblem(assert, create, 503, 'database_unavailable');
    const login = await server.api('POST', '/api/v1/auth/login', { token: null, body: { username: tenant.username, password: 'x'.repeat(14) } });
    expectProblem(assert, login, 503, 'database_unavailable');
    const ready = await server.api('GET', '/readyz');
    assert.equal(ready.status, 503, ready.text);
    assert.equal(ready.json.checks.database.status, 'down', ready.text);
    expectStatus(assert, await server.api('GET', '/healthz'), 200);
  });

  test('once it is back: ready again by itself, the same tokens work, changes go through', async () => {
    await ownPostgres(stateDir, 'start', port);
    await waitFor(async () => (await server.api('GET', '/readyz')).status === 200, 30_000, { what: 'readyz 200 again' });
    await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: tenant.token })).status === 200, 10_000, {
      what: 'the tenant served again',
    });
    const create = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), {
      token: tenant.token,
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    });
    expectStatus(assert, create, 201);
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${create.json.Id}?force=1`), { token: tenant.token }), 204);
  });
});

describe('the SQLite file moved away and back under a running server', { timeout: 120_000, skip: !sqlitePass && 'SQLite pass only' }, () => {
  const file = () => path.join(server.dataDir, 'dokkerr.db');

  test('moved away: 503 database_unavailable, readyz down; moved back: served again by itself', async () => {
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 200);
    await fsp.rename(file(), `${file()}.away`);
    try {
      await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: tenant.token })).status === 503, 5_000, {
        what: 'the first 503',
      });
      for (let i = 0; i < 3; i += 1) {
        expectProblem(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 503, 'database_unavailable');
        await sleep(200);
      }
      const create = await server.api('POST', envPath(`containers?team=${tenant.teamId}`), {
        token: tenant.token,
        body: { Image: TEST_IMAGE, Labels: testLabels(P) },
      });
      expectProblem(assert, create, 503, 'database_unavailable');
      const ready = await server.api('GET', '/readyz');
      assert.equal(ready.status, 503, ready.text);
      assert.equal(ready.json.checks.database.status, 'down', ready.text);
      expectStatus(assert, await server.api('GET', '/healthz'), 200);
    } finally {
      await fsp.rename(`${file()}.away`, file());
    }
    await waitFor(async () => (await server.api('GET', '/readyz')).status === 200, 10_000, { what: 'readyz 200 again' });
    await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: tenant.token })).status === 200, 10_000, {
      what: 'the tenant served again',
    });
  });

  test('replaced by another file: refused until a restart, never written into the wrong database', async () => {
    await fsp.rename(file(), `${file()}.orig`);
    await fsp.copyFile(`${file()}.orig`, file());
    try {
      await waitFor(async () => (await server.api('GET', '/readyz')).status === 503, 5_000, { what: 'readyz 503' });
      // Cached callers stop being served within one change-watch poll.
      await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: tenant.token })).status === 503, 2_000, {
        what: 'the caller refused',
      });
      await sleep(600);
      expectProblem(assert, await server.api('GET', '/api/v1/me', { token: tenant.token }), 503, 'database_unavailable');
    } finally {
      await fsp.rm(file());
      await fsp.rename(`${file()}.orig`, file());
    }
    await waitFor(async () => (await server.api('GET', '/readyz')).status === 200, 10_000, { what: 'readyz 200 again' });
  });
});
