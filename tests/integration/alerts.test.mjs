// Alerts against a real engine and a real webhook receiver (an HTTP server in this process on
// loopback, which the server is told it may reach): a CPU loop fires a threshold rule and its
// stop resolves it, a stopped container fires "container died" and its start resolves it, a
// memory hog is OOM-killed, a crashing container with a restart policy is a restart loop; the
// receiver checks every signature; a failing health check fires the unhealthy rule. Tenants see only their own team's rules and alerts; webhooks
// that point inward are refused.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  freePort,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;
let A;
let B;
let receiver;
let receiverUrl;
const received = []; // {path, headers, body, text}

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });

async function run(tenant, name, cmd, hostConfig = {}) {
  const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), as(tenant, {
    body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P), HostConfig: hostConfig },
  }));
  expectStatus(assert, res, 201);
  expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(tenant)), 204);
  return res.json.Id;
}

async function createRule(tenant, body) {
  const res = await server.api('POST', '/api/v1/alerts/rules', as(tenant, { body: { team_id: tenant.teamId, ...body } }));
  expectStatus(assert, res, 201);
  return res.json;
}

async function alertFor(tenant, ruleId, state, timeoutMs = 60_000) {
  let found;
  await waitFor(
    async () => {
      const res = await server.api('GET', `/api/v1/alerts?state=${state}`, as(tenant));
      expectStatus(assert, res, 200);
      found = res.json.items.find((a) => a.rule.id === ruleId);
      return found !== undefined;
    },
    timeoutMs,
    { what: `a ${state} alert of rule ${ruleId}`, intervalMs: 500 },
  );
  return found;
}

// The webhook deliveries the receiver got for one alert, each with its signature checked.
async function deliveriesOf(alertId, secret, count, timeoutMs = 30_000) {
  let mine = [];
  await waitFor(
    () => {
      mine = received.filter((r) => r.body && !Array.isArray(r.body) && r.body.id === alertId);
      return mine.length >= count;
    },
    timeoutMs,
    { what: `${count} webhook deliveries of alert ${alertId}`, intervalMs: 250 },
  );
  for (const delivery of mine) {
    const timestamp = delivery.headers['x-dokkerr-timestamp'];
    assert.match(timestamp, /^\d+$/);
    assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 120, 'a fresh timestamp');
    const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.text}`).digest('hex')}`;
    assert.equal(delivery.headers['x-dokkerr-signature'], expected, 'the signature checks out');
    assert.equal(delivery.headers['content-type'], 'application/json');
  }
  return mine;
}

before(async () => {
  receiver = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      received.push({ path: req.url, headers: req.headers, text, body });
      res.writeHead(req.url.includes('fail') ? 500 : 200).end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--metrics-interval', '1', '--alert-webhook-allow', '127.0.0.1'] });
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
});

after(async () => {
  try {
    if (engine) await engine.cleanup(P);
  } finally {
    try {
      if (server) await server.stop();
    } finally {
      if (receiver) await new Promise((resolve) => receiver.close(resolve));
    }
  }
});

describe('alerts', { timeout: 300_000 }, () => {
  test('a CPU loop fires a threshold rule, its stop resolves it; the webhook is signed; others see nothing', async () => {
    const name = `${P}-busy`;
    const rule = await createRule(A, {
      name: 'busy CPU', metric: 'cpu_percent', operator: '>', threshold: 20, for_seconds: 2, container: name,
      webhook: { url: `${receiverUrl}/hook` },
    });
    assert.equal(typeof rule.webhook_secret, 'string');
    assert.ok(rule.webhook_secret.length >= 40);
    assert.deepEqual(rule.webhook, { url: `${receiverUrl}/hook`, format: 'dokkerr' });
    const again = await server.api('GET', `/api/v1/alerts/rules/${rule.id}`, as(A));
    expectStatus(assert, again, 200);
    assert.equal(again.json.webhook_secret, undefined, 'the signing key is shown once');

    const streamA = await server.ws('/api/v1/alerts/stream', { token: A.token });
    const streamB = await server.ws('/api/v1/alerts/stream', { token: B.token });
    const openingB = await streamB.next();
    assert.equal(openingB.json().type, 'firing');
    const id = await run(A, 'busy', ['sh', '-c', 'while :; do :; done'], { NanoCpus: 500_000_000 });
    // Pushed to its team as it fires.
    const pushed = await streamA.waitMessage((m) => m.json().items.some((a) => a.rule.id === rule.id), 60_000, 'the alert pushed');
    assert.equal(pushed.json().type, 'firing');
    const firing = await alertFor(A, rule.id, 'firing');
    assert.equal(firing.container.id, id);
    assert.equal(firing.container.name, name);
    assert.equal(firing.team_id, A.teamId);
    assert.ok(firing.value > 20, `value ${firing.value}`);
    assert.match(firing.summary, /cpu_percent of .* is [\d.]+ \(> 20\)/);

    // Team B sees none of it.
    const bList = await server.api('GET', '/api/v1/alerts', as(B));
    expectStatus(assert, bList, 200);
    assert.ok(!bList.json.items.some((a) => a.id === firing.id));
    expectProblem(assert, await server.api('GET', `/api/v1/alerts/${firing.id}`, as(B)), 404, 'alert_not_found');
    expectProblem(assert, await server.api('POST', `/api/v1/alerts/${firing.id}/ack`, as(B)), 404, 'alert_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/alerts/rules/${rule.id}`, as(B)), 404, 'alert_rule_not_found');
    expectProblem(assert, await server.api('DELETE', `/api/v1/alerts/rules/${rule.id}`, as(B)), 404, 'alert_rule_not_found');
    const bRules = await server.api('GET', '/api/v1/alerts/rules', as(B));
    assert.ok(!bRules.json.items.some((r) => r.id === rule.id));

    const ack = await server.api('POST', `/api/v1/alerts/${firing.id}/ack`, as(A));
    expectStatus(assert, ack, 200);
    assert.equal(ack.json.acknowledged_by, A.username);

    const [fired] = await deliveriesOf(firing.id, rule.webhook_secret, 1);
    assert.equal(fired.body.status, 'firing');
    assert.equal(fired.body.rule.id, rule.id);

    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`), as(A)), 204);
    const resolved = await alertFor(A, rule.id, 'resolved');
    assert.equal(resolved.id, firing.id);
    assert.ok(resolved.resolved_at);
    await streamA.waitMessage((m) => !m.json().items.some((a) => a.rule.id === rule.id), 30_000, 'the resolved alert leaving the firing set');
    // Team B's stream never carried it.
    for (const m of streamB.messages) assert.ok(!m.text.includes(firing.id), 'B saw nothing of A');
    await streamA.close();
    await streamB.close();
    const both = await deliveriesOf(firing.id, rule.webhook_secret, 2);
    assert.equal(both[1].body.status, 'resolved');
    const log = await server.api('GET', `/api/v1/alerts/${firing.id}/deliveries`, as(A));
    expectStatus(assert, log, 200);
    assert.deepEqual(log.json.items.map((d) => d.state), ['delivered', 'delivered']);
  });

  test('a stopped container fires "container died" (Alertmanager format) and resolves when it runs again', async () => {
    const name = `${P}-sleeper`;
    const rule = await createRule(A, {
      name: 'died', event: 'container_died', container: name, webhook: { url: `${receiverUrl}/am`, format: 'alertmanager' },
    });
    const id = await run(A, 'sleeper', ['sleep', '600']);
    await new Promise((r) => setTimeout(r, 2500)); // seen running by a round or two
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`), as(A)), 204);
    const firing = await alertFor(A, rule.id, 'firing');
    assert.match(firing.summary, /stopped with exit code \d+/);
    let am;
    await waitFor(() => {
      am = received.find((r) => r.path === '/am' && Array.isArray(r.body) && r.body[0].labels.container === name && !r.body[0].endsAt);
      return am !== undefined;
    }, 30_000, { what: 'the Alertmanager payload' });
    const [item] = am.body;
    assert.equal(item.labels.alertname, 'died');
    assert.equal(item.labels.dokkerr_rule_id, rule.id);
    assert.equal(item.labels.container_id, id);
    assert.match(item.startsAt, /^\d{4}-\d\d-\d\dT/);
    const timestamp = am.headers['x-dokkerr-timestamp'];
    assert.equal(am.headers['x-dokkerr-signature'], `sha256=${createHmac('sha256', rule.webhook_secret).update(`${timestamp}.${am.text}`).digest('hex')}`);

    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`), as(A)), 204);
    const resolved = await alertFor(A, rule.id, 'resolved');
    assert.equal(resolved.id, firing.id);
    await waitFor(() => received.some((r) => r.path === '/am' && Array.isArray(r.body) && r.body[0].labels.container === name && r.body[0].endsAt), 30_000, { what: 'the resolved Alertmanager payload' });
  });

  test('a label selector narrows a rule to the containers that carry the labels', async () => {
    const rule = await createRule(A, { name: 'web died', event: 'container_died', labels: { [`${P}.tier`]: 'web' } });
    assert.deepEqual(rule.labels, { [`${P}.tier`]: 'web' });
    const make = async (name, labels) => {
      const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), as(A, {
        body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: { ...testLabels(P), ...labels } },
      }));
      expectStatus(assert, res, 201);
      expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(A)), 204);
      return res.json.Id;
    };
    const web = await make('web', { [`${P}.tier`]: 'web' });
    const db = await make('db', { [`${P}.tier`]: 'db' });
    await new Promise((r) => setTimeout(r, 2500));
    for (const id of [db, web]) expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`), as(A)), 204);
    const firing = await alertFor(A, rule.id, 'firing');
    assert.equal(firing.container.id, web);
    await new Promise((r) => setTimeout(r, 2000));
    const all = await server.api('GET', '/api/v1/alerts?state=firing', as(A));
    assert.ok(!all.json.items.some((a) => a.rule.id === rule.id && a.container.id === db), 'the db container is not selected');
    const bad = await server.api('POST', '/api/v1/alerts/rules', as(A, { body: { team_id: A.teamId, name: 'x', event: 'container_died', labels: { tier: 5 } } }));
    expectProblem(assert, bad, 400, 'invalid_body');
  });

  test('a memory hog is OOM-killed and fires the OOM rule', async () => {
    const name = `${P}-hog`;
    const rule = await createRule(A, { name: 'oom', event: 'oom_killed', container: name });
    const limit = 16 * 1024 * 1024;
    await run(A, 'hog', ['sh', '-c', 'sleep 2; x=a; while :; do x=$x$x; done'], { Memory: limit, MemorySwap: limit });
    const firing = await alertFor(A, rule.id, 'firing');
    assert.match(firing.summary, /killed for lack of memory/);
    let health;
    await waitFor(async () => {
      health = (await server.api('GET', envPath(`containers/${firing.container.id}/health`), as(A))).json;
      return health.state === 'exited';
    }, 30_000, { what: 'the hog to have exited' });
    assert.equal(health.oom_killed, true);
    assert.equal(health.exit_code, 137);
    assert.equal(health.uptime_seconds, null);
    assert.equal(health.health, null, 'no health check');
  });

  test('a container that keeps crashing under a restart policy is a restart loop', async () => {
    const name = `${P}-crasher`;
    const rule = await createRule(A, { name: 'flapping', event: 'restart_loop', threshold: 3, for_seconds: 300, container: name });
    await run(A, 'crasher', ['sh', '-c', 'sleep 1; exit 3'], { RestartPolicy: { Name: 'always' } });
    const firing = await alertFor(A, rule.id, 'firing', 90_000);
    assert.ok(firing.value >= 3, `value ${firing.value}`);
    assert.match(firing.summary, /restarted \d+ times in 300 s/);
    const health = await server.api('GET', envPath(`containers/${firing.container.id}/health`), as(A));
    expectStatus(assert, health, 200);
    assert.ok(health.json.restart_count >= 3, JSON.stringify(health.json));
  });

  test('a failing health check fires the unhealthy rule; its recovery resolves it', async () => {
    const name = `${P}-sickly`;
    const rule = await createRule(A, { name: 'unhealthy', event: 'unhealthy', container: name });
    const res = await server.api('POST', envPath(`containers?name=${name}`), as(A, {
      body: {
        Image: TEST_IMAGE,
        Cmd: ['sh', '-c', 'sleep 10; touch /tmp/ok; sleep 600'],
        Labels: testLabels(P),
        Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1_000_000_000, Timeout: 1_000_000_000, Retries: 1 },
      },
    }));
    expectStatus(assert, res, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(A)), 204);
    const firing = await alertFor(A, rule.id, 'firing', 30_000);
    assert.equal(firing.summary, `${name} fails its health check`);
    const health = await server.api('GET', envPath(`containers/${res.json.Id}/health`), as(A));
    expectStatus(assert, health, 200);
    assert.equal(health.json.state, 'running');
    assert.ok(health.json.uptime_seconds >= 0);
    assert.match(health.json.started_at, /^\d{4}-\d\d-\d\dT/);
    assert.equal(health.json.finished_at, null);
    assert.ok(['unhealthy', 'healthy'].includes(health.json.health.status), JSON.stringify(health.json.health));
    assert.ok(health.json.health.results.length >= 1);
    assert.equal(typeof health.json.health.results[0].exit_code, 'number');
    expectProblem(assert, await server.api('GET', envPath(`containers/${res.json.Id}/health`), as(B)), 404, 'container_not_found');
    const resolved = await alertFor(A, rule.id, 'resolved', 30_000);
    assert.equal(resolved.summary, `${name} is healthy again`);
  });

  test('an engine that does not answer fires engine_unreachable; removing it resolves the alert', async () => {
    const port = await freePort();
    const created = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-away`, url: `tcp://127.0.0.1:${port}` } });
    expectStatus(assert, created, 201);
    const env = created.json.id;
    // A team may watch only an engine granted to it.
    const refused = await server.api('POST', '/api/v1/alerts/rules', as(A, { body: { team_id: A.teamId, name: 'engine', event: 'engine_unreachable', environment: env } }));
    expectProblem(assert, refused, 400, 'invalid_body');
    const rule = await server.api('POST', '/api/v1/alerts/rules', { body: { name: 'engine away', event: 'engine_unreachable', environment: env } });
    expectStatus(assert, rule, 201);
    const firing = await alertFor({ token: server.token }, rule.json.id, 'firing', 30_000);
    assert.equal(firing.environment, env);
    assert.equal(firing.summary, `the engine of ${env} does not answer`);
    assert.equal(firing.team_id, null, 'a platform alert');
    expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${env}`), 204);
    const resolved = await alertFor({ token: server.token }, rule.json.id, 'resolved', 30_000);
    assert.equal(resolved.summary, `the environment ${env} was removed`);
    expectStatus(assert, await server.api('DELETE', `/api/v1/alerts/rules/${rule.json.id}`), 204);
  });

  test('a silence keeps an alert from notifying; it is recorded as silenced', async () => {
    const name = `${P}-quiet`;
    const rule = await createRule(A, { name: 'quiet died', event: 'container_died', container: name, webhook: { url: `${receiverUrl}/quiet` } });
    const silence = await server.api('POST', '/api/v1/alerts/silences', as(A, {
      body: { team_id: A.teamId, rule_id: rule.id, duration_seconds: 600, comment: 'maintenance' },
    }));
    expectStatus(assert, silence, 201);
    assert.equal(silence.json.comment, 'maintenance');
    const listed = await server.api('GET', '/api/v1/alerts/silences', as(A));
    assert.ok(listed.json.items.some((s) => s.id === silence.json.id));
    const bListed = await server.api('GET', '/api/v1/alerts/silences', as(B));
    assert.ok(!bListed.json.items.some((s) => s.id === silence.json.id));
    expectProblem(assert, await server.api('DELETE', `/api/v1/alerts/silences/${silence.json.id}`, as(B)), 404, 'silence_not_found');

    const id = await run(A, 'quiet', ['sleep', '600']);
    await new Promise((r) => setTimeout(r, 2500));
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`), as(A)), 204);
    const firing = await alertFor(A, rule.id, 'firing');
    assert.equal(firing.silenced, true);
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(!received.some((r) => r.path === '/quiet'), 'nothing sent');
    const log = await server.api('GET', `/api/v1/alerts/${firing.id}/deliveries`, as(A));
    assert.deepEqual(log.json.items, []);
    expectStatus(assert, await server.api('DELETE', `/api/v1/alerts/silences/${silence.json.id}`, as(A)), 204);
  });

  test('webhooks that point inward, and bad rules, are refused with clear errors', async () => {
    const base = { team_id: A.teamId, name: 'x', metric: 'cpu_percent', threshold: 1 };
    const refused = [
      [{ ...base, webhook: { url: 'http://169.254.169.254/latest/meta-data' } }, 'webhook_url_forbidden'],
      [{ ...base, webhook: { url: 'http://[::1]:9/' } }, 'webhook_url_forbidden'],
      [{ ...base, webhook: { url: 'http://10.1.2.3/' } }, 'webhook_url_forbidden'],
      [{ ...base, webhook: { url: 'http://0.0.0.0:9/' } }, 'webhook_url_forbidden'],
      [{ ...base, webhook: { url: 'ftp://example.com/' } }, 'webhook_url_invalid'],
      [{ ...base, webhook: { url: 'http://user:pw@example.com/' } }, 'webhook_url_invalid'],
      [{ ...base, webhook: { url: 'not a url' } }, 'webhook_url_invalid'],
      [{ ...base, webhook: { url: `${receiverUrl}/x`, format: 'pagerduty' } }, 'invalid_body'],
      [{ ...base, webhook: { url: `${receiverUrl}/x`, secret: 'mine' } }, 'unknown_field'],
      [{ ...base, is_admin: true }, 'unknown_field'],
      [{ ...base, metric: 'load' }, 'invalid_body'],
      [{ ...base, threshold: undefined }, 'invalid_body'],
      [{ ...base, threshold: 'high' }, 'invalid_body'],
      [{ ...base, operator: '>=' }, 'invalid_body'],
      [{ ...base, for_seconds: -1 }, 'invalid_body'],
      [{ ...base, for_seconds: 90000 }, 'invalid_body'],
      [{ ...base, name: '' }, 'invalid_body'],
      [{ ...base, name: 'n'.repeat(101) }, 'invalid_body'],
      [{ ...base, event: 'container_died' }, 'invalid_body'],
      [{ team_id: A.teamId, name: 'x' }, 'invalid_body'],
      [{ team_id: A.teamId, name: 'x', event: 'restart_loop', threshold: 0 }, 'invalid_body'],
    ];
    for (const [body, code] of refused) {
      const res = await server.api('POST', '/api/v1/alerts/rules', as(A, { body }));
      expectProblem(assert, res, 400, code);
    }
    // An edit is checked the same way and changes nothing when refused.
    const kept = await createRule(A, { name: 'kept', metric: 'pids', threshold: 100 });
    for (const [body, code] of [
      [{ webhook: { url: 'http://169.254.169.254/' } }, 'webhook_url_forbidden'],
      [{ team_id: B.teamId }, 'unknown_field'],
      [{ threshold: 'x' }, 'invalid_body'],
    ]) {
      expectProblem(assert, await server.api('PATCH', `/api/v1/alerts/rules/${kept.id}`, as(A, { body })), 400, code);
    }
    const after = await server.api('GET', `/api/v1/alerts/rules/${kept.id}`, as(A));
    assert.equal(after.json.webhook, null);
    assert.equal(after.json.team_id, A.teamId);
    assert.equal(after.json.threshold, 100);
    // Another team's rules cannot be made, nor platform rules by a tenant.
    expectProblem(assert, await server.api('POST', '/api/v1/alerts/rules', as(B, { body: base })), 404, 'team_not_found');
    const { team_id: _omit, ...platform } = base;
    expectProblem(assert, await server.api('POST', '/api/v1/alerts/rules', as(B, { body: platform })), 403, 'permission_denied');
    expectProblem(assert, await server.api('GET', '/api/v1/alerts?state=open', as(A)), 400, 'invalid_parameter');
    // An admin may make a platform rule.
    const admin = await server.api('POST', '/api/v1/alerts/rules', { body: platform });
    expectStatus(assert, admin, 201);
    assert.equal(admin.json.team_id, null);
    const aRules = await server.api('GET', '/api/v1/alerts/rules', as(A));
    assert.ok(!aRules.json.items.some((r) => r.id === admin.json.id), 'platform rules are the admins\'');
    expectStatus(assert, await server.api('DELETE', `/api/v1/alerts/rules/${admin.json.id}`), 204);
  });
});
