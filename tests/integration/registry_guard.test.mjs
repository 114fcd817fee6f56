// Which registries a non-admin may make the engine pull from: a pull naming loopback, the cloud
// metadata address, a private range or a name of this machine is 403 registry_not_allowed and
// the engine dials nothing; the platform admin may, and so may anyone once the registry is
// listed with --allowed-registry.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { createTenant, envPath, expectProblem, sleep, startServer, uniquePrefix, waitFor } from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let listed;
let tenant;
let trap; // a TCP listener standing in for a registry on loopback: counts who dials it
let dials = 0;

before(async () => {
  trap = net.createServer((socket) => {
    dials += 1;
    socket.destroy();
  });
  await new Promise((resolve) => trap.listen(0, '127.0.0.1', resolve));
  server = await startServer();
  tenant = await createTenant(server, { name: `${P}-t` });
});

after(async () => {
  if (listed) await listed.stop();
  if (server) await server.stop();
  if (trap) await new Promise((resolve) => trap.close(resolve));
});

const pull = (s, token, image) => s.api('POST', envPath('images/pull'), { token, body: { image, tag: 'latest' } });

describe('registries a non-admin may pull from', { timeout: 120_000 }, () => {
  test('loopback, metadata, private and local names: 403, and nothing is dialled', async () => {
    const port = trap.address().port;
    for (const image of [
      `127.0.0.1:${port}/x`,
      `localhost:${port}/x`,
      `[::ffff:127.0.0.1]:${port}/x`,
      '169.254.169.254/latest',
      '10.0.0.1:5000/x',
      '192.168.1.1/x',
      '172.16.0.1/x',
    ]) {
      const res = await pull(server, tenant.token, image);
      expectProblem(assert, res, 403, 'registry_not_allowed');
    }
    await sleep(300);
    assert.equal(dials, 0, 'the engine dialled nothing');
  });

  test('the platform admin may pull from loopback (the engine does dial it)', async () => {
    const res = await server.stream('POST', envPath('images/pull'), { body: { image: `127.0.0.1:${trap.address().port}/x`, tag: 'latest' } });
    if (res.readAll) await res.readAll(30_000).catch(() => null);
    await waitFor(() => dials > 0, 20_000, { what: 'the engine to dial the listener' });
  });

  test('a registry listed with --allowed-registry is allowed to everyone', async () => {
    const port = trap.address().port;
    listed = await startServer({ args: ['--allowed-registry', `127.0.0.1:${port}`] });
    const member = await createTenant(listed, { name: `${P}-l` });
    const before = dials;
    const res = await listed.stream('POST', envPath('images/pull'), { token: member.token, body: { image: `127.0.0.1:${port}/x`, tag: 'latest' } });
    assert.notEqual(res.status, 403);
    if (res.readAll) await res.readAll(30_000).catch(() => null);
    await waitFor(() => dials > before, 20_000, { what: 'the engine to dial the listed registry' });
    expectProblem(assert, await pull(listed, member.token, '127.0.0.1:1/x'), 403, 'registry_not_allowed');
  });
});
