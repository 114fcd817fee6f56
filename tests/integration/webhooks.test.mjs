// Outbound event webhooks against a receiver here that checks every signature: a team admin
// subscribes the team to events; a test ping, a stack deploy and its container's start arrive
// signed (HMAC-SHA256 over timestamp "." body with the secret shown once); another team hears
// nothing of them; targets a tenant may not reach are refused; a delivery the receiver refuses is
// retried, survives the server being killed, and arrives from the next server; hostile bodies.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
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
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;
let receiver;
let A;
let developer;
let B;
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token, timeoutMs: 120_000 });

// Takes POSTs on /<name>; keeps each with whether its signature verifies under secrets[name].
async function startReceiver() {
  const got = [];
  const secrets = {};
  let failWith = 0;
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const name = req.url.slice(1);
      const timestamp = req.headers['x-dokkerr-timestamp'];
      const expected = `sha256=${crypto.createHmac('sha256', secrets[name] ?? '').update(`${timestamp}.${body}`).digest('hex')}`;
      const verified = req.headers['x-dokkerr-signature'] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      if (failWith) {
        res.writeHead(failWith).end();
        got.push({ name, refused: true });
        return;
      }
      got.push({ name, verified, event: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: (name) => `http://127.0.0.1:${srv.address().port}/${name}`,
    got,
    secrets,
    fail: (status) => {
      failWith = status;
    },
    events: (name) => got.filter((g) => g.name === name && !g.refused),
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

const serverArgs = () => ['--alert-webhook-allow', '127.0.0.1'];

before(async () => {
  engine = new Engine(await ensureEngine());
  receiver = await startReceiver();
  server = await startServer({ args: serverArgs() });
  A = await createTenant(server, { name: `${P}-a`, role: 'admin' });
  developer = await createTenant(server, { name: `${P}-d`, orgId: A.orgId, teamId: A.teamId });
  B = await createTenant(server, { name: `${P}-b`, role: 'admin' });
});

after(async () => {
  try {
    if (server) await server.stop();
    if (receiver) await receiver.close();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      await releaseEngine();
    }
  }
});

describe('event webhooks', { timeout: 300_000 }, () => {
  let subscription;

  test('a team admin subscribes; the secret is shown once; a test ping arrives signed', async () => {
    const res = await server.api('POST', '/api/v1/webhooks', as(A, {
      body: { name: 'ci', url: receiver.url('a'), team_id: A.teamId, events: ['stack.deployed', 'container.started', 'container.died', 'webhook.test'] },
    }));
    expectStatus(assert, res, 201);
    subscription = res.json;
    assert.match(subscription.secret, /^whsec_[0-9a-f]{64}$/);
    receiver.secrets.a = subscription.secret;
    const shown = await server.api('GET', `/api/v1/webhooks/${subscription.id}`, as(A));
    assert.equal(shown.json.secret, undefined);
    assert.ok(!(await server.api('GET', '/api/v1/webhooks', as(A))).text.includes(subscription.secret));
    assert.ok(!(await server.storedText()).includes(subscription.secret.slice(6)), 'the webhook secret is stored in clear');

    expectStatus(assert, await server.api('POST', `/api/v1/webhooks/${subscription.id}/test`, as(A)), 202);
    const [ping] = await waitFor(() => (receiver.events('a').length ? receiver.events('a') : null), 20_000, { what: 'the test ping' });
    assert.equal(ping.verified, true);
    assert.equal(ping.event.type, 'webhook.test');
    const log = await server.api('GET', `/api/v1/webhooks/${subscription.id}/deliveries`, as(A));
    assert.equal(log.json.items[0].state, 'delivered');
    assert.equal(log.json.items[0].attempts, 1);
  });

  test("a stack deploy and its container's start reach the team's subscription only", async () => {
    const other = await server.api('POST', '/api/v1/webhooks', as(B, {
      body: { name: 'theirs', url: receiver.url('b'), team_id: B.teamId, events: ['stack.deployed', 'container.started'] },
    }));
    expectStatus(assert, other, 201);
    receiver.secrets.b = other.json.secret;
    const name = `${P}-hooked`;
    const compose = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    pull_policy: never\n`;
    const deployed = await server.api('POST', envPath('stacks'), as(A, { body: { name, compose } }));
    expectStatus(assert, deployed, 201);
    const id = deployed.json.containers[0].id;
    const arrived = await waitFor(() => {
      const events = receiver.events('a').map((g) => g.event);
      const stack = events.find((e) => e.type === 'stack.deployed' && e.subject === `stack:local/${name}`);
      const started = events.find((e) => e.type === 'container.started' && e.data.id === id);
      return stack && started ? { stack, started } : null;
    }, 30_000, { what: 'the deploy and start events' });
    assert.equal(arrived.stack.team_id, A.teamId);
    assert.equal(arrived.stack.data.version, 1);
    assert.equal(arrived.started.data.name, `${name}-app-1`);
    assert.ok(receiver.events('a').every((g) => g.verified));
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${name}`), as(A)), 204);
    const died = await waitFor(() => receiver.events('a').find((g) => g.event.type === 'container.died' && g.event.data.id === id), 30_000, { what: 'the death' });
    assert.equal(died.event.environment, 'local');
    assert.deepEqual(receiver.events('b'), [], 'another team heard of it');
    expectStatus(assert, await server.api('DELETE', `/api/v1/webhooks/${other.json.id}`, as(B)), 204);
  });

  test('who may see and change a subscription', async () => {
    expectProblem(assert, await server.api('GET', `/api/v1/webhooks/${subscription.id}`, as(B)), 404, 'webhook_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/webhooks/${subscription.id}/deliveries`, as(developer)), 404, 'webhook_not_found');
    expectProblem(assert, await server.api('DELETE', `/api/v1/webhooks/${subscription.id}`, as(B)), 404, 'webhook_not_found');
    assert.deepEqual((await server.api('GET', '/api/v1/webhooks', as(developer))).json.items, []);
    expectProblem(assert, await server.api('POST', '/api/v1/webhooks', as(developer, {
      body: { name: 'x', url: receiver.url('x'), team_id: A.teamId, events: ['stack.deployed'] },
    })), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', '/api/v1/webhooks', as(A, {
      body: { name: 'x', url: receiver.url('x'), events: ['stack.deployed'] },
    })), 403, 'permission_denied');
    const rotated = await server.api('PATCH', `/api/v1/webhooks/${subscription.id}`, as(A, { body: { rotate_secret: true } }));
    expectStatus(assert, rotated, 200);
    assert.notEqual(rotated.json.secret, subscription.secret);
    receiver.secrets.a = rotated.json.secret;
  });

  test('targets a tenant may not reach and hostile bodies are refused', async () => {
    const post = (body) => server.api('POST', '/api/v1/webhooks', as(A, { body: { name: 'x', team_id: A.teamId, events: ['stack.deployed'], ...body } }));
    for (const url of ['http://169.254.169.254/latest', 'http://10.1.2.3/x', 'http://[::1]:9/x', 'http://localhost.:9/x']) {
      const res = await post({ url });
      assert.ok([403, 502].includes(res.status), `${url}: ${res.status} ${res.text}`);
      if (res.status === 403) assert.equal(res.json.code, 'webhook_url_forbidden');
    }
    for (const url of ['ftp://example.com/x', 'http://user:pw@example.com/', 'not a url', `http://example.com/${'x'.repeat(3000)}`]) {
      expectProblem(assert, await post({ url }), 400, 'webhook_url_invalid');
    }
    expectProblem(assert, await post({ url: receiver.url('x'), events: ['nope'] }), 400, 'invalid_webhook');
    expectProblem(assert, await post({ url: receiver.url('x'), events: [] }), 400, 'invalid_webhook');
    expectProblem(assert, await post({ url: receiver.url('x'), events: 'stack.deployed' }), 400, 'invalid_body');
    expectProblem(assert, await post({ url: receiver.url('x'), name: '' }), 400, 'invalid_webhook');
    expectProblem(assert, await post({ url: receiver.url('x'), extra: 1 }), 400, 'unknown_field');
    expectProblem(assert, await post({ url: receiver.url('x'), team_id: 'no-such-team' }), 404, 'team_not_found');
    const types = await server.api('GET', '/api/v1/webhooks/events', as(A));
    assert.ok(types.json.items.includes('alert.fired') && types.json.items.includes('backup.finished'));
  });

  test('a refused delivery is retried and survives the server being killed', async () => {
    receiver.fail(500);
    const before = receiver.got.length;
    expectStatus(assert, await server.api('POST', `/api/v1/webhooks/${subscription.id}/test`, as(A)), 202);
    await waitFor(() => receiver.got.length > before, 20_000, { what: 'the first, refused attempt' });
    const pending = (await server.api('GET', `/api/v1/webhooks/${subscription.id}/deliveries`, as(A))).json.items[0];
    assert.equal(pending.state, 'pending');
    assert.match(pending.last_error, /HTTP 500/);
    const eventId = pending.event_id;

    await server.kill();
    const next = await startServer({ args: serverArgs(), replicaOf: server });
    server = next;
    receiver.fail(0);
    const arrived = await waitFor(() => receiver.events('a').find((g) => g.event.id === eventId), 60_000, { what: 'the retried delivery' });
    assert.equal(arrived.verified, true);
    const admin = await server.api('GET', `/api/v1/webhooks/${subscription.id}/deliveries`);
    const done = admin.json.items.find((d) => d.event_id === eventId);
    assert.equal(done.state, 'delivered');
    assert.ok(done.attempts >= 2, JSON.stringify(done));
  });
});
