// Streams end when the access that opened them is taken away: exec consoles, log follows (over
// WebSocket and chunked HTTP), stats and events close within 2 s of a session revoked, a logout
// everywhere, a disabled account, a team role changed (which ends the account's sessions), an
// environment grant withdrawn or a password change, and an exec's stdin stops reaching the
// container. Changes that leave the caller's access as it was end nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TENANT_PASSWORD,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectStatus,
  releaseEngine,
  sleep,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
  withTimeout,
} from './lib/harness.mjs';

const P = uniquePrefix();
// The promise: closed within 2 s. The bound here leaves room for a loaded CI machine; the
// measured time is reported in the assertion message.
const CLOSE_BOUND_MS = 2_000;
const SLACK_MS = 1_500;

let server;
let engine;

before(async () => {
  engine = new Engine(await ensureEngine());
  server = await startServer();
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    if (engine) await engine.cleanup(P);
    await releaseEngine();
  }
});

// A tenant with its own running container (sleeps), as `role` in its team.
async function tenantWithContainer(name, role = 'developer') {
  const tenant = await createTenant(server, { name: `${P}-${name}`, role });
  const res = await server.api('POST', envPath(`containers?name=${P}-${name}&team=${tenant.teamId}`), {
    token: tenant.token,
    body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
  });
  expectStatus(assert, res, 201);
  expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), { token: tenant.token }), 204);
  return { ...tenant, container: res.json.Id };
}

// Waits for the socket to close after `revoke` ran; returns {code, ms}.
async function closedAfter(ws, revoke) {
  const started = Date.now();
  await revoke();
  const info = await withTimeout(ws.closed, CLOSE_BOUND_MS + SLACK_MS + 5_000, 'the stream to close');
  return { code: info.code, ms: Date.now() - started };
}

function assertClosedInTime(result, what) {
  assert.ok(result.ms <= CLOSE_BOUND_MS + SLACK_MS, `${what}: closed after ${result.ms} ms`);
  assert.equal(result.code, 1008, `${what}: close code ${result.code}`);
}

async function processes(container) {
  const res = await engine.call('GET', `/containers/${container}/top`);
  assert.equal(res.status, 200, res.text);
  return res.json.Processes.map((p) => p.join(' '));
}

const execPath = (id, cmd) => envPath(`containers/${id}/exec?${cmd.map((c) => `cmd=${encodeURIComponent(c)}`).join('&')}`);

describe('streams end when access ends', { timeout: 180_000 }, () => {
  test('a revoked session: its exec console closes and its stdin no longer reaches the container', async () => {
    const t = await tenantWithContainer('revoked');
    // cat runs for as long as its stdin is open (the container's own process is sleep).
    const ws = await server.ws(execPath(t.container, ['cat']), { token: t.token });
    ws.send(Buffer.from('before\n'));
    let out = '';
    await ws.waitMessage((m) => {
      if (m.binary) out += m.text;
      return out.includes('before');
    }, 10_000, 'the echo before revocation');
    await waitFor(async () => (await processes(t.container)).some((p) => p.includes('cat')), 10_000, { what: 'cat running' });

    const other = await server.login(t.username, TENANT_PASSWORD);
    const sessions = (await server.api('GET', '/api/v1/me/sessions', { token: other.access_token })).json.items;
    const target = sessions.find((s) => !s.current);
    assert.ok(target, `the console's session is listed: ${JSON.stringify(sessions)}`);
    const result = await closedAfter(ws, async () => {
      expectStatus(assert, await server.api('DELETE', `/api/v1/me/sessions/${target.id}`, { token: other.access_token }), 204);
    });
    assertClosedInTime(result, 'exec after session revocation');
    // The engine's side ended with it: the reader got end-of-input and is gone.
    await waitFor(async () => !(await processes(t.container)).some((p) => p.includes('cat')), 5_000, { what: 'the reader to end' });
  });

  test('logout everywhere closes a log follow over WebSocket and one over chunked HTTP', async () => {
    const t = await tenantWithContainer('logout-all');
    const ws = await server.ws(envPath(`containers/${t.container}/logs?follow=1`), { token: t.token });
    const chunked = await server.stream('GET', envPath(`containers/${t.container}/logs?follow=1`), { token: t.token });
    assert.equal(chunked.status, 200);
    const chunkedEnded = chunked.readAll(CLOSE_BOUND_MS + SLACK_MS + 5_000).catch(() => null);
    const started = Date.now();
    const result = await closedAfter(ws, async () => {
      expectStatus(assert, await server.api('DELETE', '/api/v1/me/sessions', { token: t.token }), 204);
    });
    assertClosedInTime(result, 'log follow WebSocket after logout everywhere');
    await withTimeout(chunkedEnded, CLOSE_BOUND_MS + SLACK_MS + 5_000, 'the chunked follow to end');
    assert.ok(Date.now() - started <= CLOSE_BOUND_MS + SLACK_MS, `chunked follow ended after ${Date.now() - started} ms`);
  });

  test('a disabled account: its stats stream closes', async () => {
    const t = await tenantWithContainer('disabled');
    const ws = await server.ws(envPath(`containers/${t.container}/stats`), { token: t.token });
    assert.ok(await ws.next(15_000), 'a first sample');
    const result = await closedAfter(ws, async () => {
      expectStatus(assert, await server.api('PATCH', `/api/v1/users/${t.userId}`, { body: { disabled: true } }), 200);
    });
    assertClosedInTime(result, 'stats after disabling the account');
  });

  test("a team role changed: the account's sessions end, and with them its exec and log streams", async () => {
    const t = await tenantWithContainer('demoted');
    const exec = await server.ws(execPath(t.container, ['cat']), { token: t.token });
    const logs = await server.ws(envPath(`containers/${t.container}/logs?follow=1`), { token: t.token });
    const result = await closedAfter(exec, async () => {
      expectStatus(assert, await server.api('PUT', `/api/v1/teams/${t.teamId}/members/${t.userId}`, { body: { role: 'viewer' } }), 204);
    });
    assertClosedInTime(result, 'exec after a role change');
    const info = await withTimeout(logs.closed, CLOSE_BOUND_MS + SLACK_MS, 'the log follow to close');
    assert.equal(info.code, 1008);
  });

  test("the team's grant of the environment withdrawn: its events stream closes, the session stays", async () => {
    const t = await tenantWithContainer('ungranted');
    const ws = await server.ws(envPath('events'), { token: t.token });
    const result = await closedAfter(ws, async () => {
      expectStatus(assert, await server.api('DELETE', `/api/v1/environments/local/grants/team/${t.teamId}`), 204);
    });
    assertClosedInTime(result, 'events after the grant was withdrawn');
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: t.token }), 200);
    // Granted again, the stream opens again.
    expectStatus(assert, await server.api('POST', '/api/v1/environments/local/grants', { body: { grantee_type: 'team', grantee_id: t.teamId } }), 204);
    const again = await server.ws(envPath('events'), { token: t.token });
    await again.close();
  });

  test('removed from the team: the events stream closes', async () => {
    const t = await tenantWithContainer('removed');
    const ws = await server.ws(envPath('events'), { token: t.token });
    const result = await closedAfter(ws, async () => {
      expectStatus(assert, await server.api('DELETE', `/api/v1/teams/${t.teamId}/members/${t.userId}`), 204);
    });
    assertClosedInTime(result, 'events after removal from the team');
  });

  test('a password change ends the streams of the other sessions; changes to other accounts end nothing', async () => {
    const t = await tenantWithContainer('password');
    const other = await server.login(t.username, TENANT_PASSWORD);
    const ws = await server.ws(envPath('events'), { token: t.token });
    const own = await server.ws(envPath('events'), { token: other.access_token });
    // Changes to others' access are looked at and end nothing of this account's.
    await createTenant(server, { name: `${P}-password2` });
    await sleep(1_000);
    assert.equal(ws.closeInfo, null, "another account's changes keep the stream");
    const result = await closedAfter(ws, async () => {
      const res = await server.api('POST', '/api/v1/me/password', {
        token: other.access_token,
        body: { current_password: TENANT_PASSWORD, new_password: `${TENANT_PASSWORD} changed` },
      });
      expectStatus(assert, res, 204);
    });
    assertClosedInTime(result, 'events of another session after a password change');
    assert.equal(own.closeInfo, null, 'the session that changed the password keeps its stream');
    await own.close();
  });
});
