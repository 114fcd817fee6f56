// Networks (create in 198.19.32.0/24, outside the engine's pool, inspect, connect/disconnect, remove, prune) and volumes
// (create, inspect, list, remove, prune, in-use conflict).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  ensureEngine,
  envPath,
  expectList,
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

const ourFilter = (extra = {}) =>
  encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`], ...extra }));

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

describe('networks', { timeout: 120_000 }, () => {
  const netA = `${P}-net-a`;
  const netB = `${P}-net-b`;
  let idA;
  let idB;
  let container;

  test('create with a subnet answers 201 {Id, Warning}', async () => {
    const res = await server.api('POST', envPath('networks'), {
      body: { Name: netA, Driver: 'bridge', IPAM: { Config: [{ Subnet: '198.19.32.0/24' }] }, Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    assert.match(res.json.Id, /^[0-9a-f]{64}$/);
    assert.ok('Warning' in res.json, res.text);
    idA = res.json.Id;

    const b = await server.api('POST', envPath('networks'), {
      body: { Name: netB, Driver: 'bridge', IPAM: { Config: [{ Subnet: '198.19.33.0/24' }] }, Labels: testLabels(P) },
    });
    expectStatus(assert, b, 201);
    idB = b.json.Id;
  });

  test('duplicate name is 409 network_conflict', async () => {
    const res = await server.api('POST', envPath('networks'), {
      body: { Name: netA, Driver: 'bridge', Labels: testLabels(P) },
    });
    expectProblem(assert, res, 409, 'network_conflict');
    const list = await engine.ok('GET', '/networks');
    assert.equal(list.json.filter((n) => n.Name === netA).length, 1, 'no second network with the same name');
  });

  test('create with wrong types is invalid_body; overlapping subnet is refused', async () => {
    expectProblem(assert, await server.api('POST', envPath('networks'), { body: { Name: 5 } }), 400, 'invalid_body');
    expectProblem(assert, await server.api('POST', envPath('networks'), { body: {} }), 400, 'invalid_body');
    const overlap = await server.api('POST', envPath('networks'), {
      body: { Name: `${P}-net-overlap`, IPAM: { Config: [{ Subnet: '198.19.32.0/25' }] }, Labels: testLabels(P) },
    });
    assert.ok(overlap.status >= 400 && overlap.status < 500 && overlap.json?.code, `overlap refused: ${overlap.status} ${overlap.text}`);
  });

  test('list and inspect', async () => {
    const items = expectList(assert, await server.api('GET', envPath('networks')));
    const mine = items.find((n) => n.Id === idA);
    assert.ok(mine, 'created network listed');
    assert.equal(mine.Name, netA);
    for (const key of [idA, netA]) {
      const res = await server.api('GET', envPath(`networks/${key}`));
      expectStatus(assert, res, 200);
      assert.equal(res.json.Id, idA);
      assert.equal(res.json.IPAM.Config[0].Subnet, '198.19.32.0/24');
      assert.equal(res.json.Labels['test.dokkerr.run'], P);
    }
  });

  test('unknown network is 404 network_not_found', async () => {
    expectProblem(assert, await server.api('GET', envPath(`networks/${P}-none`)), 404, 'network_not_found');
    expectProblem(assert, await server.api('DELETE', envPath(`networks/${P}-none`)), 404, 'network_not_found');
    // Both are unknown; the engine looks up the container first, and the code names what it missed.
    const connect = await server.api('POST', envPath(`networks/${P}-none/connect`), { body: { Container: 'x' } });
    assert.equal(connect.status, 404);
    assert.ok(['network_not_found', 'container_not_found'].includes(connect.json.code), connect.text);
  });

  test('connect and disconnect a running container', async () => {
    const create = await server.api('POST', envPath(`containers?name=${P}-netc`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P), HostConfig: { NetworkMode: netA } },
    });
    expectStatus(assert, create, 201);
    container = create.json.Id;
    expectStatus(assert, await server.api('POST', envPath(`containers/${container}/start`)), 204);

    const connect = await server.api('POST', envPath(`networks/${idB}/connect`), { body: { Container: container } });
    expectStatus(assert, connect, 204);
    const inspect = await server.api('GET', envPath(`containers/${container}`));
    const nets = inspect.json.NetworkSettings.Networks;
    assert.ok(nets[netA] && nets[netB], `on both networks: ${Object.keys(nets)}`);
    assert.match(nets[netB].IPAddress, /^198\.19\.33\./);
    assert.match(nets[netA].IPAddress, /^198\.19\.32\./);

    const disconnect = await server.api('POST', envPath(`networks/${idB}/disconnect`), { body: { Container: container } });
    expectStatus(assert, disconnect, 204);
    const after = await server.api('GET', envPath(`containers/${container}`));
    assert.ok(!after.json.NetworkSettings.Networks[netB], 'disconnected');
  });

  test('connect an unknown container is container_not_found; bad body invalid_body', async () => {
    const res = await server.api('POST', envPath(`networks/${idB}/connect`), { body: { Container: `${P}-nobody` } });
    expectProblem(assert, res, 404, 'container_not_found');
    const bad = await server.api('POST', envPath(`networks/${idB}/connect`), { body: { Container: 12 } });
    expectProblem(assert, bad, 400, 'invalid_body');
  });

  test('remove a network in use is a conflict; free network removes with 204', async () => {
    const inUse = await server.api('DELETE', envPath(`networks/${idA}`));
    expectProblem(assert, inUse, 409, 'network_conflict');
    expectStatus(assert, await server.api('DELETE', envPath(`networks/${idB}`)), 204);
    expectProblem(assert, await server.api('GET', envPath(`networks/${idB}`)), 404, 'network_not_found');
  });

  test('prune removes unused networks (filtered to ours)', async () => {
    const unused = `${P}-net-unused`;
    expectStatus(assert, await server.api('POST', envPath('networks'), { body: { Name: unused, Labels: testLabels(P) } }), 201);
    const res = await server.api('POST', envPath(`networks/prune?filters=${ourFilter()}`));
    expectStatus(assert, res, 200);
    assert.ok(Array.isArray(res.json.NetworksDeleted), res.text);
    assert.ok(res.json.NetworksDeleted.includes(unused), res.text);
    assert.ok(!res.json.NetworksDeleted.includes(netA), 'a network in use is kept');
    expectProblem(assert, await server.api('GET', envPath(`networks/${unused}`)), 404, 'network_not_found');
  });
});

describe('volumes', { timeout: 120_000 }, () => {
  const vol = `${P}-vol`;

  test('create answers 201 with the volume', async () => {
    const res = await server.api('POST', envPath('volumes'), { body: { Name: vol, Labels: testLabels(P) } });
    expectStatus(assert, res, 201);
    assert.equal(res.json.Name, vol);
    assert.equal(res.json.Driver, 'local');
    assert.equal(typeof res.json.Mountpoint, 'string');
  });

  test('create with wrong types is invalid_body', async () => {
    expectProblem(assert, await server.api('POST', envPath('volumes'), { body: { Name: ['x'] } }), 400, 'invalid_body');
    expectProblem(assert, await server.api('POST', envPath('volumes'), { body: { Labels: 'a=b' } }), 400, 'invalid_body');
  });

  test('list (Volumes as items) and inspect', async () => {
    const items = expectList(assert, await server.api('GET', envPath('volumes')));
    assert.ok(items.some((v) => v.Name === vol), 'created volume listed');
    const res = await server.api('GET', envPath(`volumes/${vol}`));
    expectStatus(assert, res, 200);
    assert.equal(res.json.Name, vol);
    assert.equal(res.json.Labels['test.dokkerr.run'], P);
  });

  test('unknown volume is 404 volume_not_found', async () => {
    expectProblem(assert, await server.api('GET', envPath(`volumes/${P}-none`)), 404, 'volume_not_found');
    expectProblem(assert, await server.api('DELETE', envPath(`volumes/${P}-none`)), 404, 'volume_not_found');
  });

  test('a volume in use is 409 volume_conflict, free afterwards', async () => {
    const create = await server.api('POST', envPath(`containers?name=${P}-volc`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P), HostConfig: { Binds: [`${vol}:/data`] } },
    });
    expectStatus(assert, create, 201);
    const conflict = await server.api('DELETE', envPath(`volumes/${vol}`));
    expectProblem(assert, conflict, 409, 'volume_conflict');
    const forced = await server.api('DELETE', envPath(`volumes/${vol}?force=1`));
    assert.equal(forced.status, 409, `force does not remove a volume a container uses: ${forced.status} ${forced.text}`);

    expectStatus(assert, await server.api('DELETE', envPath(`containers/${create.json.Id}?force=1`)), 204);
    expectStatus(assert, await server.api('DELETE', envPath(`volumes/${vol}`)), 204);
    expectProblem(assert, await server.api('GET', envPath(`volumes/${vol}`)), 404, 'volume_not_found');
  });

  test('prune removes unused volumes (filtered to ours)', async () => {
    const unused = `${P}-vol-unused`;
    const kept = `${P}-vol-kept`;
    for (const name of [unused, kept]) {
      expectStatus(assert, await server.api('POST', envPath('volumes'), { body: { Name: name, Labels: testLabels(P) } }), 201);
    }
    const user = await server.api('POST', envPath(`containers?name=${P}-volkeeper`), {
      body: { Image: TEST_IMAGE, Labels: testLabels(P), HostConfig: { Binds: [`${kept}:/data`] } },
    });
    expectStatus(assert, user, 201);
    const res = await server.api('POST', envPath(`volumes/prune?filters=${ourFilter()}`));
    expectStatus(assert, res, 200);
    assert.ok(Array.isArray(res.json.VolumesDeleted), res.text);
    assert.ok(res.json.VolumesDeleted.includes(unused), res.text);
    assert.ok(!res.json.VolumesDeleted.includes(kept), 'a volume in use is kept');
    assert.equal(typeof res.json.SpaceReclaimed, 'number');
  });
});
