// System health for operators: /api/v1/system/health covers the database, every engine (with
// its containers' counts), the collector and the alerts, and says "degraded" when an engine is
// away; server errors are counted by route and code and listed with their request ids; request
// latency percentiles by route. Tenants get none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  freePort,
  request,
  startServer,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let tenant;

before(async () => {
  server = await startServer({ args: ['--metrics-interval', '1'] });
  tenant = await createTenant(server, { name: `${P}-t` });
});

after(async () => {
  if (server) await server.stop();
});

describe('system health', { timeout: 120_000 }, () => {
  test('every dependency, the engines\' counts, the collector and uptime, for operators only', async () => {
    let health;
    await waitFor(
      async () => {
        const res = await server.api('GET', '/api/v1/system/health');
        expectStatus(assert, res, 200);
        health = res.json;
        return health.monitoring?.last_round !== undefined;
      },
      20_000,
      { what: 'a collector round in the health report' },
    );
    assert.equal(health.status, 'ok');
    assert.equal(health.version, '0.1.0');
    assert.equal(typeof health.node, 'string');
    assert.ok(health.uptime_seconds >= 0);
    assert.equal(health.checks.database.status, 'up');
    assert.equal(health.checks.database.backend, process.env.DOKKERR_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite');
    assert.equal(typeof health.checks.database.latency_ms, 'number');
    const local = health.checks.environments.local;
    assert.equal(local.status, 'up');
    for (const key of ['total', 'running', 'paused', 'stopped']) assert.equal(typeof local.containers[key], 'number');
    assert.equal(health.monitoring.collecting, true);
    assert.equal(health.monitoring.interval_seconds, 1);
    assert.equal(health.monitoring.alerts_firing, 0);
    assert.match(health.monitoring.last_round.at, /^\d{4}-\d\d-\d\dT/);

    expectProblem(assert, await server.api('GET', '/api/v1/system/health', { token: tenant.token }), 403, 'permission_denied');
    expectProblem(assert, await server.api('GET', '/api/v1/system/errors', { token: tenant.token }), 403, 'permission_denied');
    expectProblem(assert, await server.api('GET', '/api/v1/system/requests', { token: tenant.token }), 403, 'permission_denied');
    expectProblem(assert, await request(server.target, 'GET', '/api/v1/system/health'), 401, 'authentication_required');
  });

  test('an engine that is away makes it degraded; the server errors it causes are listed by request id', async () => {
    const port = await freePort();
    const created = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-away`, url: `tcp://127.0.0.1:${port}` } });
    expectStatus(assert, created, 201);
    const id = created.json.id;
    try {
      await waitFor(async () => (await server.api('GET', '/api/v1/system/health')).json.status === 'degraded', 20_000, {
        what: 'health to turn degraded',
      });
      const health = (await server.api('GET', '/api/v1/system/health')).json;
      assert.equal(health.checks.environments[id].status, 'down');
      assert.equal(typeof health.checks.environments[id].error, 'string');

      const failed = await server.api('GET', envPath('containers', id));
      assert.ok(failed.status >= 500, `${failed.status} ${failed.text}`);
      const requestId = failed.headers['x-request-id'];
      // The error is recorded once the answer is on its way: the listing may lag it a moment.
      let errors;
      const listed = await waitFor(async () => {
        errors = await server.api('GET', '/api/v1/system/errors');
        expectStatus(assert, errors, 200);
        return errors.json.items.find((e) => e.request_id === requestId);
      }, 10_000, { what: `request ${requestId} listed` });
      assert.equal(listed.route, '/api/v1/environments/{env}/containers');
      assert.equal(listed.method, 'GET');
      assert.equal(listed.status, failed.status);
      assert.equal(listed.code, failed.json.code);
      assert.ok(errors.json.counts.some((c) => c.route === listed.route && c.code === listed.code && c.count >= 1));
      const scrape = await request(server.target, 'GET', '/metrics');
      assert.match(scrape.text, new RegExp(`^dokkerr_http_server_errors_total\\{route="/api/v1/environments/\\{env\\}/containers",code="${listed.code}"\\} [1-9]`, 'm'));
    } finally {
      expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${id}`), 204);
    }
  });

  test('request latency percentiles by route', async () => {
    for (let i = 0; i < 20; i++) await server.api('GET', '/api/v1/version');
    // A request is counted once its answer is written, so the last one may land a moment after
    // the client has it.
    let res;
    const counted = () => res.json.items.find((r) => r.route === '/api/v1/version' && r.method === 'GET');
    await waitFor(async () => {
      res = await server.api('GET', '/api/v1/system/requests');
      return res.status === 200 && (counted()?.count ?? 0) >= 20;
    }, 5_000, { what: 'the 20 requests to be counted' });
    expectStatus(assert, res, 200);
    const version = counted();
    assert.ok(version, res.text.slice(0, 400));
    assert.ok(version.count >= 20);
    assert.equal(version.server_errors, 0);
    assert.ok(version.p50_ms > 0 && version.p50_ms <= version.p90_ms && version.p90_ms <= version.p99_ms, JSON.stringify(version));
    assert.ok(version.mean_ms > 0);
  });
});
