// Tenancy: what one team owns (containers, networks, volumes, events, environments) is invisible
// to every other team, by full id, id prefix and name; team roles limit what members may do; a
// user in several teams names the team; every route that is not public refuses anonymous callers.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TENANT_PASSWORD,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectList,
  expectProblem,
  expectStatus,
  releaseEngine,
  request,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
// Two /24s for this run's networks, outside the engines' address pools (whose /26s go to the
// teams' own networks).
const OCTET = 40 + 2 * randomInt(0, 12);
const subnet = (i) => `198.19.${OCTET + i}.0/24`;

let server;
let engine;
let A; // developer of team A (organization A)
let B; // developer of team B (organization B)

// A's objects.
const aName = `${P}-a-c`;
const aNet = `${P}-a-net`;
const aVol = `${P}-a-vol`;
let aId;
let aNetId;
// B's objects.
const bName = `${P}-b-c`;
const bNet = `${P}-b-net`;
let bId;
let bNetId;

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });
const TEAM_LABEL = 'io.dokkerr.team';

async function createContainer(tenant, name, body = {}, query = '') {
  const res = await server.api('POST', envPath(`containers?name=${encodeURIComponent(name)}${query}`), as(tenant, {
    body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P), ...body },
  }));
  expectStatus(assert, res, 201);
  return res.json.Id;
}

// The three ways of naming a container or network: full id, 12-character prefix, name.
const refs = (id, name) => [
  ['full id', id],
  ['id prefix', id.slice(0, 12)],
  ['name', name],
];

async function wsRefused(path, tenant) {
  try {
    const ws = await server.ws(path, { token: tenant.token });
    await ws.close();
  } catch (err) {
    return err;
  }
  assert.fail(`WebSocket ${path} was opened`);
}

async function listIds(tenant, kind) {
  const res = await server.api('GET', envPath(kind === 'containers' ? 'containers?all=1' : kind), as(tenant));
  const items = expectList(assert, res);
  return items.map((i) => (kind === 'volumes' ? i.Name : i.Id));
}

before(async () => {
  engine = new Engine(await ensureEngine());
  server = await startServer();
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
  assert.notEqual(A.orgId, B.orgId);

  aId = await createContainer(A, aName);
  expectStatus(assert, await server.api('POST', envPath(`containers/${aId}/start`), as(A)), 204);
  let res = await server.api('POST', envPath('networks'), as(A, {
    body: { Name: aNet, IPAM: { Config: [{ Subnet: subnet(0) }] }, Labels: testLabels(P) },
  }));
  expectStatus(assert, res, 201);
  aNetId = res.json.Id;
  res = await server.api('POST', envPath('volumes'), as(A, { body: { Name: aVol, Labels: testLabels(P) } }));
  expectStatus(assert, res, 201);

  bId = await createContainer(B, bName);
  expectStatus(assert, await server.api('POST', envPath(`containers/${bId}/start`), as(B)), 204);
  res = await server.api('POST', envPath('networks'), as(B, {
    body: { Name: bNet, IPAM: { Config: [{ Subnet: subnet(1) }] }, Labels: testLabels(P) },
  }));
  expectStatus(assert, res, 201);
  bNetId = res.json.Id;
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    if (engine) await engine.cleanup(P);
    await releaseEngine();
  }
});

describe('ownership', { timeout: 60_000 }, () => {
  test("what a team creates carries its team label on the engine", async () => {
    const c = await engine.inspectContainer(aId);
    assert.equal(c.Config.Labels[TEAM_LABEL], A.teamId);
    assert.equal((await engine.ok('GET', `/networks/${aNetId}`)).json.Labels[TEAM_LABEL], A.teamId);
    assert.equal((await engine.ok('GET', `/volumes/${aVol}`)).json.Labels[TEAM_LABEL], A.teamId);
    assert.equal((await engine.inspectContainer(bId)).Config.Labels[TEAM_LABEL], B.teamId);
  });

  test('a team label of its own choosing is 400 reserved_label', async () => {
    for (const key of [TEAM_LABEL, 'IO.Dokkerr.team', 'io.dokkerr.anything']) {
      const labels = { ...testLabels(P), [key]: B.teamId };
      expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-lbl`), as(A, {
        body: { Image: TEST_IMAGE, Labels: labels },
      })), 400, 'reserved_label');
      expectProblem(assert, await server.api('POST', envPath('volumes'), as(A, {
        body: { Name: `${P}-lbl-vol`, Labels: labels },
      })), 400, 'reserved_label');
      expectProblem(assert, await server.api('POST', envPath('networks'), as(A, {
        body: { Name: `${P}-lbl-net`, Labels: labels },
      })), 400, 'reserved_label');
    }
    assert.equal(await engine.inspectContainer(`${P}-lbl`), null);
  });

  test('A sees and reaches its own container, network and volume', async () => {
    assert.ok((await listIds(A, 'containers')).includes(aId));
    assert.ok((await listIds(A, 'networks')).includes(aNetId));
    assert.ok((await listIds(A, 'volumes')).includes(aVol));
    for (const [, ref] of refs(aId, aName)) {
      const res = await server.api('GET', envPath(`containers/${ref}`), as(A));
      expectStatus(assert, res, 200);
      assert.equal(res.json.Id, aId);
    }
    for (const [, ref] of refs(aNetId, aNet)) {
      const res = await server.api('GET', envPath(`networks/${ref}`), as(A));
      expectStatus(assert, res, 200);
      assert.equal(res.json.Id, aNetId);
    }
    expectStatus(assert, await server.api('GET', envPath(`volumes/${aVol}`), as(A)), 200);
    expectStatus(assert, await server.api('GET', envPath(`containers/${aName}/logs`), as(A)), 200);
    expectStatus(assert, await server.api('GET', envPath(`containers/${aName}/top`), as(A)), 200);
    expectStatus(assert, await server.api('GET', envPath(`containers/${aName}/stats`), as(A)), 200);
    const exec = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { body: { Cmd: ['echo', 'hi'] } }));
    expectStatus(assert, exec, 200);
    assert.match(JSON.stringify(exec.json), /hi/);
    const ws = await server.ws(envPath(`containers/${aName}/exec?cmd=true`), { token: A.token });
    await ws.close();
  });

  test('A connects its container to its network and disconnects it', async () => {
    expectStatus(assert, await server.api('POST', envPath(`networks/${aNet}/connect`), as(A, { body: { Container: aName } })), 204);
    assert.ok(aNet in (await engine.inspectContainer(aId)).NetworkSettings.Networks);
    expectStatus(assert, await server.api('POST', envPath(`networks/${aNet}/disconnect`), as(A, { body: { Container: aId } })), 204);
    assert.ok(!(aNet in (await engine.inspectContainer(aId)).NetworkSettings.Networks));
  });
});

describe("B cannot see or touch A's objects", { timeout: 120_000 }, () => {
  test("A's objects are absent from B's lists", async () => {
    const containers = await listIds(B, 'containers');
    assert.ok(containers.includes(bId), 'B sees its own container');
    assert.ok(!containers.includes(aId));
    const networks = await listIds(B, 'networks');
    assert.ok(networks.includes(bNetId));
    assert.ok(!networks.includes(aNetId));
    assert.ok(!(await listIds(B, 'volumes')).includes(aVol));
    // Filters cannot bring them back.
    for (const q of [`name=${aName}`, `id=${aId}`, `label=${TEAM_LABEL}=${A.teamId}`, `label=test.dokkerr.run=${P}`]) {
      const items = expectList(assert, await server.api('GET', envPath(`containers?all=1&${q}`), as(B)));
      assert.ok(!items.some((c) => c.Id === aId), `filter ${q}`);
    }
    const filtered = encodeURIComponent(JSON.stringify({ name: [aNet] }));
    const nets = expectList(assert, await server.api('GET', envPath(`networks?filters=${filtered}`), as(B)));
    assert.ok(!nets.some((n) => n.Id === aNetId));
  });

  test("B's counts in system info and the environment are of B's containers only", async () => {
    const own = (await listIds(B, 'containers')).length;
    const engineWide = (await engine.ok('GET', '/info')).json.Containers;
    assert.ok(engineWide > own, 'the engine holds more than B owns');
    const info = await server.api('GET', envPath('system/info'), as(B));
    expectStatus(assert, info, 200);
    assert.equal(info.json.Containers, own);
    assert.equal(info.json.ContainersRunning + info.json.ContainersPaused + info.json.ContainersStopped, own);
    const env = await server.api('GET', '/api/v1/environments/local', as(B));
    expectStatus(assert, env, 200);
    assert.equal(env.json.counts.containers, own);
    const listed = expectList(assert, await server.api('GET', '/api/v1/environments', as(B)));
    assert.equal(listed.find((e) => e.id === 'local').counts.containers, own);
    // The admin still sees the engine's totals.
    assert.equal((await server.api('GET', envPath('system/info'))).json.Containers, engineWide);
  });

  test('container reads answer 404 container_not_found by id, prefix and name', async () => {
    for (const [how, ref] of refs(aId, aName)) {
      for (const sub of ['', '/logs', '/stats', '/top']) {
        const res = await server.api('GET', envPath(`containers/${ref}${sub}`), as(B));
        expectProblem(assert, res, 404, 'container_not_found');
        assert.ok(!res.text.includes(aId), `${how} ${sub}: nothing of A's container leaks`);
      }
      const res = await server.api('GET', envPath(`containers/${ref}/logs?follow=1`), as(B));
      expectProblem(assert, res, 404, 'container_not_found');
    }
  });

  test('exec (POST and WebSocket), logs and stats WebSockets answer 404', async () => {
    for (const [, ref] of refs(aId, aName)) {
      const res = await server.api('POST', envPath(`containers/${ref}/exec`), as(B, { body: { Cmd: ['touch', '/tmp/pwned'] } }));
      expectProblem(assert, res, 404, 'container_not_found');
      for (const sub of ['exec?cmd=sh', 'logs?follow=1', 'stats']) {
        const err = await wsRefused(envPath(`containers/${ref}/${sub}`), B);
        assert.equal(err.status, 404, `${sub}: ${err.message}`);
        assert.equal(err.json?.code, 'container_not_found');
      }
    }
    const check = await server.api('POST', envPath(`containers/${aId}/exec`), as(A, { body: { Cmd: ['ls', '/tmp/pwned'] } }));
    expectStatus(assert, check, 200);
    assert.notEqual(check.json.ExitCode, 0, 'no exec of B ran in A\'s container');
  });

  test('lifecycle, rename, update, wait and delete answer 404 and change nothing', async () => {
    const before = await engine.inspectContainer(aId);
    for (const [, ref] of refs(aId, aName)) {
      for (const action of ['stop', 'restart', 'kill', 'pause', 'unpause', 'start']) {
        expectProblem(assert, await server.api('POST', envPath(`containers/${ref}/${action}`), as(B)), 404, 'container_not_found');
      }
      expectProblem(assert, await server.api('POST', envPath(`containers/${ref}/rename?name=${P}-stolen`), as(B)), 404, 'container_not_found');
      expectProblem(assert, await server.api('POST', envPath(`containers/${ref}/update`), as(B, { body: { CpuShares: 512 } })), 404, 'container_not_found');
      expectProblem(assert, await server.api('POST', envPath(`containers/${ref}/wait`), as(B, { timeoutMs: 10_000 })), 404, 'container_not_found');
      expectProblem(assert, await server.api('DELETE', envPath(`containers/${ref}?force=1`), as(B)), 404, 'container_not_found');
    }
    const now = await engine.inspectContainer(aId);
    assert.ok(now, "A's container still exists");
    assert.equal(now.Name, `/${aName}`);
    assert.equal(now.State.Running, true);
    assert.equal(now.State.Paused, false);
    assert.equal(now.State.StartedAt, before.State.StartedAt, 'never restarted');
    assert.equal(now.HostConfig.CpuShares, before.HostConfig.CpuShares);
  });

  test('networks: inspect, connect, disconnect and delete answer 404 network_not_found', async () => {
    for (const [, ref] of refs(aNetId, aNet)) {
      expectProblem(assert, await server.api('GET', envPath(`networks/${ref}`), as(B)), 404, 'network_not_found');
      for (const verb of ['connect', 'disconnect']) {
        expectProblem(assert, await server.api('POST', envPath(`networks/${ref}/${verb}`), as(B, { body: { Container: bId } })), 404, 'network_not_found');
      }
      expectProblem(assert, await server.api('DELETE', envPath(`networks/${ref}`), as(B)), 404, 'network_not_found');
    }
    assert.equal((await engine.call('GET', `/networks/${aNetId}`)).status, 200, "A's network still exists");
    assert.ok(!(aNet in (await engine.inspectContainer(bId)).NetworkSettings.Networks));
  });

  test('volumes: inspect and delete answer 404 volume_not_found', async () => {
    expectProblem(assert, await server.api('GET', envPath(`volumes/${aVol}`), as(B)), 404, 'volume_not_found');
    expectProblem(assert, await server.api('DELETE', envPath(`volumes/${aVol}?force=1`), as(B)), 404, 'volume_not_found');
    assert.equal((await engine.call('GET', `/volumes/${aVol}`)).status, 200, "A's volume still exists");
  });

  test("B cannot connect A's container to B's network", async () => {
    for (const [, ref] of refs(aId, aName)) {
      const res = await server.api('POST', envPath(`networks/${bNet}/connect`), as(B, { body: { Container: ref } }));
      expectProblem(assert, res, 404, 'container_not_found');
    }
    assert.ok(!(bNet in (await engine.inspectContainer(aId)).NetworkSettings.Networks));
  });

  test("another spelling of Container cannot smuggle A's container into B's network", async () => {
    // The engine reads keys case-insensitively and keeps the last one.
    const bodies = [
      `{"Container":"${bId}","container":"${aId}"}`,
      `{"container":"${aId}","Container":"${bId}"}`,
      `{"Container":"${bId}","CONTAINER":"${aName}"}`,
      `{"Container":"${bId}","EndpointConfig":{},"Bogus":1}`,
    ];
    for (const verb of ['connect', 'disconnect']) {
      for (const raw of bodies) {
        const res = await server.api('POST', envPath(`networks/${bNet}/${verb}`), as(B, { raw, headers: { 'Content-Type': 'application/json' } }));
        expectProblem(assert, res, 400, 'unknown_field');
      }
    }
    const res = await server.api('POST', envPath(`networks/${bNet}/connect`), as(B, { raw: `{"Container":"${bId}","Container":"${aId}"}`, headers: { 'Content-Type': 'application/json' } }));
    assert.ok([400, 404].includes(res.status), `${res.status} ${res.text}`);
    assert.ok(!(bNet in (await engine.inspectContainer(aId)).NetworkSettings.Networks), "A's container joined B's network");
    assert.ok(!(bNet in (await engine.inspectContainer(bId)).NetworkSettings.Networks));
  });

  test("B's new containers cannot use A's volume or network", async () => {
    const attempts = [
      [{ HostConfig: { Binds: [`${aVol}:/data`] } }, 403, 'policy_denied'],
      [{ HostConfig: { Mounts: [{ Type: 'volume', Source: aVol, Target: '/data' }] } }, 403, 'policy_denied'],
      [{ HostConfig: { NetworkMode: aNet } }, 404, 'network_not_found'],
      [{ HostConfig: { NetworkMode: aNetId } }, 404, 'network_not_found'],
      [{ NetworkingConfig: { EndpointsConfig: { [aNet]: {} } } }, 404, 'network_not_found'],
    ];
    // The engine's own networks, by id, are nobody's either.
    const hostNet = (await engine.ok('GET', '/networks/host')).json.Id;
    for (const ref of [hostNet, hostNet.slice(0, 12)]) {
      attempts.push([{ HostConfig: { NetworkMode: ref } }, 404, 'network_not_found']);
      attempts.push([{ NetworkingConfig: { EndpointsConfig: { [ref]: {} } } }, 404, 'network_not_found']);
    }
    for (const [i, [body, status, code]] of attempts.entries()) {
      const res = await server.api('POST', envPath(`containers?name=${P}-b-steal-${i}`), as(B, {
        body: { Image: TEST_IMAGE, Labels: testLabels(P), ...body },
      }));
      expectProblem(assert, res, status, code);
      assert.equal(await engine.inspectContainer(`${P}-b-steal-${i}`), null, JSON.stringify(body));
    }
  });

  test('prunes and ownership changes are not for developers', async () => {
    for (const kind of ['volumes', 'networks', 'images']) {
      expectProblem(assert, await server.api('POST', envPath(`${kind}/prune`), as(B)), 403, 'permission_denied');
    }
    for (const [kind, ref] of [['containers', aId], ['networks', aNetId], ['volumes', aVol]]) {
      const res = await server.api('PUT', envPath(`${kind}/${ref}/owner`), as(B, { body: { team_id: B.teamId } }));
      expectProblem(assert, res, 403, 'permission_denied');
    }
    assert.equal((await engine.call('GET', `/volumes/${aVol}`)).status, 200);
    assert.equal((await engine.inspectContainer(aId)).Config.Labels[TEAM_LABEL], A.teamId);
    expectProblem(assert, await server.api('GET', envPath(`containers/${aId}`), as(B)), 404, 'container_not_found');
  });

  test('an admin-created container without a team is invisible to A; with ?team= it is A\'s', async () => {
    let res = await server.api('POST', envPath(`containers?name=${P}-adm`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    const admId = res.json.Id;
    assert.ok(!(await engine.inspectContainer(admId)).Config.Labels[TEAM_LABEL], "no owning team");
    const rawId = await engine.createContainer(`${P}-raw`, { Labels: testLabels(P) });
    for (const [id, name] of [[admId, `${P}-adm`], [rawId, `${P}-raw`]]) {
      assert.ok(!(await listIds(A, 'containers')).includes(id));
      for (const [, ref] of refs(id, name)) {
        expectProblem(assert, await server.api('GET', envPath(`containers/${ref}`), as(A)), 404, 'container_not_found');
        expectProblem(assert, await server.api('POST', envPath(`containers/${ref}/start`), as(A)), 404, 'container_not_found');
      }
      // The admin still sees it.
      expectStatus(assert, await server.api('GET', envPath(`containers/${id}`)), 200);
    }
    res = await server.api('POST', envPath(`containers?name=${P}-adm-a&team=${A.teamId}`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    assert.equal((await engine.inspectContainer(res.json.Id)).Config.Labels[TEAM_LABEL], A.teamId);
    assert.ok((await listIds(A, 'containers')).includes(res.json.Id));
    expectProblem(assert, await server.api('GET', envPath(`containers/${res.json.Id}`), as(B)), 404, 'container_not_found');
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${res.json.Id}?force=1`), as(A)), 204);
  });
});

describe('team roles', { timeout: 60_000 }, () => {
  let viewer;
  let operator;

  before(async () => {
    viewer = await createTenant(server, { name: `${P}-av`, orgId: A.orgId, teamId: A.teamId, role: 'viewer' });
    operator = await createTenant(server, { name: `${P}-ao`, orgId: A.orgId, teamId: A.teamId, role: 'operator' });
  });

  test("a viewer of team A reads A's container but may not operate, exec or create", async () => {
    assert.ok((await listIds(viewer, 'containers')).includes(aId));
    expectStatus(assert, await server.api('GET', envPath(`containers/${aName}`), as(viewer)), 200);
    expectStatus(assert, await server.api('GET', envPath(`containers/${aName}/logs`), as(viewer)), 200);
    expectStatus(assert, await server.api('GET', envPath(`networks/${aNet}`), as(viewer)), 200);
    expectStatus(assert, await server.api('GET', envPath(`volumes/${aVol}`), as(viewer)), 200);
    for (const action of ['start', 'stop', 'restart', 'kill', 'pause']) {
      expectProblem(assert, await server.api('POST', envPath(`containers/${aName}/${action}`), as(viewer)), 403, 'permission_denied');
    }
    expectProblem(assert, await server.api('POST', envPath(`containers/${aName}/exec`), as(viewer, { body: { Cmd: ['true'] } })), 403, 'permission_denied');
    expectProblem(assert, await server.api('DELETE', envPath(`containers/${aName}?force=1`), as(viewer)), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-av-c`), as(viewer, {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    })), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', envPath('volumes'), as(viewer, { body: { Name: `${P}-av-vol` } })), 403, 'permission_denied');
    assert.equal(await engine.inspectContainer(`${P}-av-c`), null);
    assert.equal((await engine.inspectContainer(aId)).State.Running, true);
  });

  test("an operator of team A starts and stops A's container but may not create", async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${aName}/stop?t=0`), as(operator)), 204);
    assert.equal((await engine.inspectContainer(aId)).State.Running, false);
    expectStatus(assert, await server.api('POST', envPath(`containers/${aName}/start`), as(operator)), 204);
    assert.equal((await engine.inspectContainer(aId)).State.Running, true);
    expectStatus(assert, await server.api('POST', envPath(`containers/${aName}/exec`), as(operator, { body: { Cmd: ['true'] } })), 200);
    expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-ao-c`), as(operator, {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    })), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', envPath('networks'), as(operator, { body: { Name: `${P}-ao-net` } })), 403, 'permission_denied');
    expectProblem(assert, await server.api('DELETE', envPath(`containers/${aName}?force=1`), as(operator)), 403, 'permission_denied');
    assert.equal(await engine.inspectContainer(`${P}-ao-c`), null);
    // B's container stays out of reach of A's operator.
    expectProblem(assert, await server.api('POST', envPath(`containers/${bName}/stop`), as(operator)), 404, 'container_not_found');
  });
});

describe('a user in two teams', { timeout: 60_000 }, () => {
  let M;
  let C;

  before(async () => {
    M = await createTenant(server, { name: `${P}-m`, orgId: A.orgId, teamId: A.teamId, role: 'developer' });
    const put = await server.api('PUT', `/api/v1/teams/${B.teamId}/members/${M.userId}`, { body: { role: 'developer' } });
    assert.ok([200, 204].includes(put.status), put.text);
    M.token = (await server.login(M.username, TENANT_PASSWORD)).access_token;
    C = await createTenant(server, { name: `${P}-c` });
  });

  test('must pass ?team= to create (400 team_required)', async () => {
    expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-m-c`), as(M, {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    })), 400, 'team_required');
    expectProblem(assert, await server.api('POST', envPath('networks'), as(M, { body: { Name: `${P}-m-net` } })), 400, 'team_required');
    expectProblem(assert, await server.api('POST', envPath('volumes'), as(M, { body: { Name: `${P}-m-vol` } })), 400, 'team_required');
    assert.equal(await engine.inspectContainer(`${P}-m-c`), null);
    assert.equal((await engine.call('GET', `/volumes/${P}-m-vol`)).status, 404);
  });

  test('cannot create in a team they are not a member of (404 team_not_found)', async () => {
    for (const team of [C.teamId, 'no-such-team']) {
      expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-m-c&team=${team}`), as(M, {
        body: { Image: TEST_IMAGE, Labels: testLabels(P) },
      })), 404, 'team_not_found');
      expectProblem(assert, await server.api('POST', envPath(`volumes?team=${team}`), as(M, { body: { Name: `${P}-m-vol` } })), 404, 'team_not_found');
    }
    // A single-team developer cannot pick another team either.
    expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-m-c&team=${B.teamId}`), as(A, {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    })), 404, 'team_not_found');
    assert.equal(await engine.inspectContainer(`${P}-m-c`), null);
  });

  test('?team= creates in that team; the user sees both teams, each team only its own', async () => {
    const id = await createContainer(M, `${P}-m-c`, {}, `&team=${B.teamId}`);
    assert.equal((await engine.inspectContainer(id)).Config.Labels[TEAM_LABEL], B.teamId);
    const mine = await listIds(M, 'containers');
    assert.ok(mine.includes(id) && mine.includes(aId) && mine.includes(bId));
    assert.ok((await listIds(B, 'containers')).includes(id));
    assert.ok(!(await listIds(A, 'containers')).includes(id));
    expectProblem(assert, await server.api('GET', envPath(`containers/${id}`), as(A)), 404, 'container_not_found');
    expectProblem(assert, await server.api('GET', envPath(`containers/${id}`), as(C)), 404, 'container_not_found');
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${id}?force=1`), as(M)), 204);
  });

  test('events need ?team= too', async () => {
    const err = await wsRefused(envPath('events'), M);
    assert.equal(err.status, 400, err.message);
    assert.equal(err.json?.code, 'team_required');
    const ws = await server.ws(envPath(`events?team=${A.teamId}`), { token: M.token });
    await ws.close();
  });
});

describe('environments', { timeout: 60_000 }, () => {
  let envId;

  before(async () => {
    const res = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-env2`, url: engine.dockerHost } });
    expectStatus(assert, res, 201);
    envId = res.json.id;
    const grant = await server.api('POST', `/api/v1/environments/${envId}/grants`, { body: { grantee_type: 'team', grantee_id: A.teamId } });
    assert.ok([200, 201, 204].includes(grant.status), grant.text);
  });

  after(async () => {
    if (envId) await server.api('DELETE', `/api/v1/environments/${envId}`);
  });

  const envIds = async (tenant) => expectList(assert, await server.api('GET', '/api/v1/environments', as(tenant))).map((e) => e.id);

  test('a granted environment is listed and usable', async () => {
    const ids = await envIds(A);
    assert.ok(ids.includes('local') && ids.includes(envId), JSON.stringify(ids));
    expectStatus(assert, await server.api('GET', `/api/v1/environments/${envId}`, as(A)), 200);
    await waitFor(async () => (await server.api('GET', envPath('containers', envId), as(A))).status === 200, 15_000, { what: 'the new environment up' });
  });

  test('an environment not granted is absent and answers 404 environment_not_found', async () => {
    const ids = await envIds(B);
    assert.ok(ids.includes('local'));
    assert.ok(!ids.includes(envId), JSON.stringify(ids));
    expectProblem(assert, await server.api('GET', `/api/v1/environments/${envId}`, as(B)), 404, 'environment_not_found');
    for (const p of ['containers', 'networks', 'volumes', 'images', 'system/info', `containers/${bId}`]) {
      expectProblem(assert, await server.api('GET', envPath(p, envId), as(B)), 404, 'environment_not_found');
    }
    expectProblem(assert, await server.api('POST', envPath(`containers?name=${P}-env2-b`, envId), as(B, {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    })), 404, 'environment_not_found');
    const err = await wsRefused(envPath('events', envId), B);
    assert.equal(err.status, 404, err.message);
    assert.equal(err.json?.code, 'environment_not_found');
    assert.equal(await engine.inspectContainer(`${P}-env2-b`), null);
  });

  test('revoking the grant of local hides it too', async () => {
    const N = await createTenant(server, { name: `${P}-n` });
    expectStatus(assert, await server.api('GET', envPath('containers'), as(N)), 200);
    const del = await server.api('DELETE', `/api/v1/environments/local/grants/team/${N.teamId}`);
    assert.ok([200, 204].includes(del.status), del.text);
    assert.deepEqual(await envIds(N), []);
    expectProblem(assert, await server.api('GET', envPath('containers'), as(N)), 404, 'environment_not_found');
    expectProblem(assert, await server.api('GET', '/api/v1/environments/local', as(N)), 404, 'environment_not_found');
  });
});

describe('events', { timeout: 90_000 }, () => {
  test("A's event stream carries A's container events and not B's or the admin's", async () => {
    const aEv = await createContainer(A, `${P}-a-ev`);
    const bEv = await createContainer(B, `${P}-b-ev`);
    const admEv = (await server.api('POST', envPath(`containers?name=${P}-adm-ev`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    })).json.Id;
    const seen = { a: [], b: [] };
    const wsA = await server.ws(envPath('events?type=container'), { token: A.token });
    const wsB = await server.ws(envPath('events?type=container'), { token: B.token });
    wsA.socket.on('message', (d) => seen.a.push(JSON.parse(d.toString())));
    wsB.socket.on('message', (d) => seen.b.push(JSON.parse(d.toString())));
    try {
      const started = (list, id) => list.some((e) => e.Actor?.ID === id && e.Action === 'start');
      // The server may still be subscribing when the upgrade completes: restart the containers
      // until both streams showed their own start (bounded).
      await waitFor(async () => {
        for (const [tenant, id] of [[A, aEv], [B, bEv], [null, admEv]]) {
          const opts = tenant ? as(tenant) : {};
          await server.api('POST', envPath(`containers/${id}/stop?t=0`), opts);
          expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`), opts), 204);
        }
        await new Promise((r) => setTimeout(r, 300));
        return started(seen.a, aEv) && started(seen.b, bEv);
      }, 30_000, { intervalMs: 10, what: 'start events on both streams' });
      // One more round of the others' containers, after A's stream is known to be live.
      for (const [tenant, id] of [[B, bEv], [null, admEv]]) {
        const opts = tenant ? as(tenant) : {};
        await server.api('POST', envPath(`containers/${id}/stop?t=0`), opts);
        await server.api('POST', envPath(`containers/${id}/start`), opts);
      }
      await server.api('POST', envPath(`containers/${aEv}/stop?t=0`), as(A));
      await waitFor(() => seen.a.some((e) => e.Actor?.ID === aEv && e.Action === 'stop'), 10_000, { what: "A's stop event" });
      for (const e of seen.a) {
        assert.equal(e.Type, 'container');
        assert.equal(e.Actor.Attributes[TEAM_LABEL], A.teamId, `A's stream: ${JSON.stringify(e).slice(0, 300)}`);
        assert.ok(![bEv, bId, admEv].includes(e.Actor.ID));
      }
      for (const e of seen.b) {
        assert.equal(e.Actor.Attributes[TEAM_LABEL], B.teamId, `B's stream: ${JSON.stringify(e).slice(0, 300)}`);
        assert.ok(![aEv, aId, admEv].includes(e.Actor.ID));
      }
    } finally {
      await wsA.close();
      await wsB.close();
    }
  });

  test('a filter naming another team cannot widen the stream', async () => {
    const seen = [];
    const sockets = [];
    // The list form and the engine's older map form of a label filter, and a container filter.
    for (const filter of [
      { label: [`${TEAM_LABEL}=${B.teamId}`] },
      { label: { [`${TEAM_LABEL}=${B.teamId}`]: true } },
      { container: [bId] },
    ]) {
      const ws = await server.ws(envPath(`events?filters=${encodeURIComponent(JSON.stringify(filter))}`), { token: A.token });
      ws.socket.on('message', (d) => seen.push(JSON.parse(d.toString())));
      sockets.push(ws);
    }
    const ws = await server.ws(envPath(`events?team=${A.teamId}&since=0`), { token: A.token });
    ws.socket.on('message', (d) => seen.push(JSON.parse(d.toString())));
    sockets.push(ws);
    try {
      for (let i = 0; i < 3; i += 1) {
        await server.api('POST', envPath(`containers/${bName}/restart?t=0`), as(B));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual(seen.filter((e) => e.Actor?.Attributes?.[TEAM_LABEL] !== A.teamId), []);
    } finally {
      for (const s of sockets) await s.close();
    }
  });
});

describe('route table', { timeout: 120_000 }, () => {
  let routes;

  before(async () => {
    const res = await server.api('GET', '/api/v1/routes');
    routes = expectList(assert, res);
  });

  test('every route names a permission; the table needs credentials', async () => {
    assert.ok(routes.length > 50, `routes: ${routes.length}`);
    for (const r of routes) {
      assert.equal(typeof r.permission, 'string', JSON.stringify(r));
      assert.ok(r.permission.length > 0, `${r.method} ${r.pattern} has an empty permission`);
      assert.equal(typeof r.pattern, 'string');
      assert.equal(typeof r.method, 'string');
    }
    const table = routes.find((r) => r.pattern === '/api/v1/routes');
    assert.ok(table && table.permission !== 'public');
    expectProblem(assert, await server.api('GET', '/api/v1/routes', { token: null }), 401, 'authentication_required');
    expectStatus(assert, await server.api('GET', '/api/v1/routes', as(A)), 200);
    // Nothing that reaches an engine or an account is public.
    for (const r of routes.filter((x) => x.permission === 'public')) {
      assert.ok(!/^\/api\/v1\/(environments|users|teams|organizations|audit|api-keys|routes)/.test(r.pattern), `${r.method} ${r.pattern} is public`);
    }
  });

  test('every route that is not public answers 401 without credentials and with a bad token', async () => {
    const failures = [];
    for (const r of routes.filter((x) => x.permission !== 'public')) {
      const path = r.pattern.replace(/\{[^}]+\}/g, 'x');
      for (const headers of [{}, { Authorization: 'Bearer not-a-token' }, { 'X-API-Key': 'dk_nope' }]) {
        const res = await request(server.target, r.method, path, { headers });
        // No credentials: authentication_required; a bad one may be named more precisely.
        const codeOk = Object.keys(headers).length === 0 ? res.json?.code === 'authentication_required' : typeof res.json?.code === 'string';
        if (res.status !== 401 || !codeOk) {
          failures.push(`${r.method} ${r.pattern} (${JSON.stringify(headers)}): ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
