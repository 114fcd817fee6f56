// Network isolation between teams, proven with real TCP connections on an engine that isolates
// its bridge networks as a production host does (iptables on, inside a network namespace of its
// own: scripts/testenv/dockerd.sh start-netns). A developer's container lands on its team's own
// bridge network; a container of the same team reaches it, another team's cannot, and nobody
// joins the engine's shared networks or another team's network.
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
  testenv,
  testenvRunning,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const ENGINE_NAME = 'iso';
const P = uniquePrefix();
const PORT = 8080;

let engine;
let server;
let A; // developer of team A
let A2; // another developer of team A
let B; // developer of team B

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });

async function run(tenant, name, cmd, extra = {}) {
  const res = await server.api('POST', envPath(`containers?name=${P}-${name}`), as(tenant, {
    body: { Image: TEST_IMAGE, Cmd: cmd, Labels: testLabels(P), ...extra },
  }));
  expectStatus(assert, res, 201);
  expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(tenant)), 204);
  return res.json.Id;
}

// Runs `nc` from a new container of `tenant` to the listener; resolves {exitCode, output}.
async function connectFrom(tenant, name, address) {
  // nc gives up connecting after 3 s (-w); under sh, not as the container's PID 1, which
  // ignores the signals `timeout` would send.
  const id = await run(tenant, name, ['sh', '-c', `nc -w 3 ${address} ${PORT}; exit $?`]);
  const waited = await server.api('POST', envPath(`containers/${id}/wait`), as(tenant, { timeoutMs: 30_000 }));
  expectStatus(assert, waited, 200);
  const logs = await server.api('GET', envPath(`containers/${id}/logs?stdout=1&stderr=1`), as(tenant));
  return { exitCode: waited.json.StatusCode, output: logs.text };
}

before(async () => {
  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME); // left by an aborted run
  const env = await testenv('start-netns', ENGINE_NAME);
  engine = new Engine(env.DOCKER_HOST);
  server = await startServer({ dockerHost: env.DOCKER_HOST });
  A = await createTenant(server, { name: `${P}-a` });
  A2 = await createTenant(server, { name: `${P}-a2`, orgId: A.orgId, teamId: A.teamId });
  B = await createTenant(server, { name: `${P}-b` });
});

after(async () => {
  try {
    if (engine && (await testenvRunning(ENGINE_NAME))) await engine.cleanup(P);
    if (server) await server.stop();
  } finally {
    await testenv('stop', ENGINE_NAME);
  }
});

describe('teams on their own networks', { timeout: 180_000 }, () => {
  let listener;
  let address;

  test("a developer's container is put on its team's own bridge network", async () => {
    listener = await run(A, 'listener', ['sh', '-c', `while true; do echo hello-from-a | nc -l -p ${PORT}; done`]);
    const inspect = await engine.inspectContainer(listener);
    const network = `dokkerr-team-${A.teamId}`;
    assert.equal(inspect.HostConfig.NetworkMode, network);
    address = inspect.NetworkSettings.Networks[network].IPAddress;
    assert.match(address, /^198\.19\./);
    // The network is the team's: labelled, and listed for its members only.
    const net = (await engine.ok('GET', `/networks/${network}`)).json;
    assert.equal(net.Labels['io.dokkerr.team'], A.teamId);
    const mine = await server.api('GET', envPath('networks'), as(A));
    assert.ok(mine.json.items.some((n) => n.Name === network));
    const theirs = await server.api('GET', envPath('networks'), as(B));
    assert.ok(!theirs.json.items.some((n) => n.Name === network));
  });

  test('a container of the same team connects over TCP', async () => {
    await waitFor(async () => {
      const { exitCode, output } = await connectFrom(A2, `same-${Date.now()}`, address);
      return exitCode === 0 && output.includes('hello-from-a');
    }, 30_000, { intervalMs: 200, what: 'a connection within team A' });
  });

  test("another team's container cannot reach it", async () => {
    const { exitCode, output } = await connectFrom(B, 'other', address);
    assert.notEqual(exitCode, 0, 'the connection fails (times out)');
    assert.ok(!output.includes('hello-from-a'), output);
    assert.equal((await engine.inspectContainer(`${P}-other`)).HostConfig.NetworkMode, `dokkerr-team-${B.teamId}`);
  });

  test("nobody joins another team's network or the engine's shared ones", async () => {
    const create = (extra) =>
      server.api('POST', envPath(`containers?name=${P}-sneak-${Date.now()}`), as(B, { body: { Image: TEST_IMAGE, Labels: testLabels(P), ...extra } }));
    expectProblem(assert, await create({ HostConfig: { NetworkMode: `dokkerr-team-${A.teamId}` } }), 404, 'network_not_found');
    expectProblem(assert, await create({ NetworkingConfig: { EndpointsConfig: { [`dokkerr-team-${A.teamId}`]: {} } } }), 404, 'network_not_found');
    for (const shared of ['bridge', 'host']) {
      expectProblem(assert, await create({ NetworkingConfig: { EndpointsConfig: { [shared]: {} } } }), 403, 'policy_denied');
    }
    expectProblem(assert, await create({ HostConfig: { NetworkMode: 'host' } }), 403, 'policy_denied');
    const connect = await server.api('POST', envPath(`networks/dokkerr-team-${A.teamId}/connect`), as(B, { body: { Container: `${P}-other` } }));
    assert.equal(connect.status, 404, connect.text);
  });
});
