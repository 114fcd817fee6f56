// Cross-organization objects: a member (even a team admin, or an organization admin) of one
// organization asking for another organization's organization, teams, members, policy, roles or
// environment grants gets exactly 404, never 403: nothing tells it that the object exists.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TENANT_PASSWORD, createTenant, expectStatus, startServer, uniquePrefix } from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let mine; // the caller's tenant
let theirs; // another organization
let theirRole;

before(async () => {
  server = await startServer();
  mine = await createTenant(server, { name: `${P}-mine`, role: 'admin' });
  theirs = await createTenant(server, { name: `${P}-theirs` });
  const role = await server.api('POST', `/api/v1/organizations/${theirs.orgId}/roles`, {
    body: { name: `${P}-role`, permissions: ['containers:read'] },
  });
  expectStatus(assert, role, 201);
  theirRole = role.json.id;
});

after(async () => {
  if (server) await server.stop();
});

describe("another organization's objects", { timeout: 60_000 }, () => {
  test('are 404 to a team admin of another organization, whatever the method', async () => {
    const t = theirs;
    const probes = [
      ['GET', `/api/v1/organizations/${t.orgId}`],
      ['GET', `/api/v1/organizations/${t.orgId}/members`],
      ['GET', `/api/v1/organizations/${t.orgId}/roles`],
      ['POST', `/api/v1/organizations/${t.orgId}/roles`, { name: 'x', permissions: ['containers:read'] }],
      ['PUT', `/api/v1/organizations/${t.orgId}/members/${mine.userId}`, { role: 'admin' }],
      ['DELETE', `/api/v1/organizations/${t.orgId}/members/${t.userId}`],
      ['DELETE', `/api/v1/organizations/${t.orgId}/roles/${theirRole}`],
      ['DELETE', `/api/v1/organizations/${t.orgId}`],
      ['GET', `/api/v1/teams/${t.teamId}`],
      ['GET', `/api/v1/teams/${t.teamId}/members`],
      ['GET', `/api/v1/teams/${t.teamId}/policy`],
      ['PUT', `/api/v1/teams/${t.teamId}/members/${mine.userId}`, { role: 'admin' }],
      ['PUT', `/api/v1/teams/${t.teamId}/policy`, { allow_privileged: true }],
      ['DELETE', `/api/v1/teams/${t.teamId}/members/${t.userId}`],
      ['DELETE', `/api/v1/teams/${t.teamId}`],
    ];
    const wrong = [];
    for (const [method, path, body] of probes) {
      const res = await server.api(method, path, { token: mine.token, body });
      if (res.status !== 404) wrong.push(`${method} ${path}: ${res.status} ${res.json?.code}`);
    }
    assert.deepEqual(wrong, []);
    // Nothing changed: their member is still there, with their role.
    const members = await server.api('GET', `/api/v1/teams/${t.teamId}/members`);
    expectStatus(assert, members, 200);
    assert.ok(members.json.items.some((m) => (m.user_id ?? m.id) === t.userId), members.text);
    expectStatus(assert, await server.api('GET', `/api/v1/organizations/${t.orgId}`), 200);
  });

  test('a team in another organization cannot be made from outside it', async () => {
    // No object in the path: a caller without org:manage anywhere is told what it lacks (403);
    // one with it in its own organization is told the other one does not exist (404).
    const res = await server.api('POST', '/api/v1/teams', { token: mine.token, body: { org_id: theirs.orgId, name: `${P}-sneak` } });
    assert.ok([403, 404].includes(res.status), res.text);
    const teams = await server.api('GET', '/api/v1/teams');
    assert.ok(!teams.json.items.some((t) => t.name === `${P}-sneak`), 'no team was made');
  });

  test('its own members are still told what they lack (403), and the refusal is audited', async () => {
    const viewer = await createTenant(server, { name: `${P}-viewer`, teamId: mine.teamId, orgId: mine.orgId, role: 'viewer' });
    const res = await server.api('PUT', `/api/v1/teams/${mine.teamId}/members/${viewer.userId}`, { token: viewer.token, body: { role: 'admin' } });
    assert.equal(res.status, 403, res.text);
    const foreign = await server.api('DELETE', `/api/v1/teams/${theirs.teamId}/members/${theirs.userId}`, { token: viewer.token });
    assert.equal(foreign.status, 404, foreign.text);
    const denied = (await server.api('GET', '/api/v1/audit?action=access.denied&limit=1000')).json.items;
    assert.ok(denied.some((e) => e.request_id === foreign.headers['x-request-id']), 'the hidden refusal is audited');
  });

  test('an unknown id looks the same as a foreign one', async () => {
    for (const path of ['/api/v1/teams/00000000000000000000000000000000', '/api/v1/organizations/00000000000000000000000000000000']) {
      const res = await server.api('GET', path, { token: mine.token });
      assert.equal(res.status, 404, `${path}: ${res.text}`);
    }
  });

  test("the environment's grants are 404 to a non-admin", async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/environments/local/grants'],
      ['POST', '/api/v1/environments/local/grants', { grantee_type: 'team', grantee_id: theirs.teamId }],
      ['DELETE', `/api/v1/environments/local/grants/team/${theirs.teamId}`],
    ]) {
      const res = await server.api(method, path, { token: mine.token, body });
      assert.ok([403, 404].includes(res.status), `${method} ${path}: ${res.status}`);
      assert.notEqual(res.status, 200);
    }
  });
});
