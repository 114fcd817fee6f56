// System info/version/df and the events WebSocket.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;

async function createContainer(name) {
  const res = await server.api('POST', envPath(`containers?name=${name}`), {
    body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
  });
  expectStatus(assert, res, 201);
  return res.json.Id;
}

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

describe('system', { timeout: 60_000 }, () => {
  test('info is the engine info', async () => {
    const res = await server.api('GET', envPath('system/info'));
    expectStatus(assert, res, 200);
    const direct = await engine.ok('GET', '/info');
    assert.equal(res.json.ID, direct.json.ID);
    assert.equal(res.json.ServerVersion, direct.json.ServerVersion);
    assert.equal(typeof res.json.Containers, 'number');
  });

  test('version is the engine version', async () => {
    const res = await server.api('GET', envPath('system/version'));
    expectStatus(assert, res, 200);
    const direct = await engine.ok('GET', '/version');
    assert.equal(res.json.Version, direct.json.Version);
    assert.equal(res.json.ApiVersion, direct.json.ApiVersion);
  });

  test('df reports images, containers and volumes', async () => {
    const res = await server.api('GET', envPath('system/df'), { timeoutMs: 60_000 });
    expectStatus(assert, res, 200);
    assert.equal(typeof res.json.LayersSize, 'number');
    assert.ok(Array.isArray(res.json.Images) && Array.isArray(res.json.Containers));
    assert.ok(res.json.Images.some((i) => (i.RepoTags || []).includes(TEST_IMAGE)));
  });

  test('unknown environment is 404 environment_not_found', async () => {
    for (const p of ['system/info', 'system/version', 'system/df']) {
      expectProblem(assert, await server.api('GET', envPath(p, `${P}-noenv`)), 404, 'environment_not_found');
    }
  });
});

describe('events', { timeout: 90_000 }, () => {
  test('a plain GET without upgrade is 426 websocket_required', async () => {
    expectProblem(assert, await server.api('GET', envPath('events')), 426, 'websocket_required');
  });

  test('the start of a container we start arrives, filtered by type and event', async () => {
    const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`] }));
    const ws = await server.ws(envPath(`events?type=container&event=start&filters=${filters}`));
    try {
      const id = await createContainer(`${P}-ev`);
      // A volume event and a container create event happen too; neither may come through.
      expectStatus(assert, await server.api('POST', envPath('volumes'), { body: { Name: `${P}-ev-vol`, Labels: testLabels(P) } }), 201);
      // The server may still be subscribing on the engine when the upgrade completes: start the
      // container again each round until its start event shows (bounded).
      const ev = await waitFor(async () => {
        await server.api('POST', envPath(`containers/${id}/stop?t=0`));
        expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
        const msg = await ws.next(2_000).catch(() => null);
        return msg ? msg.json() : null;
      }, 20_000, { intervalMs: 10, what: 'the container start event' });
      assert.equal(ev.Type, 'container');
      assert.equal(ev.Action, 'start');
      assert.equal(ev.Actor.ID, id);
      assert.equal(ev.Actor.Attributes.name, `${P}-ev`);
      assert.equal(typeof ev.time, 'number');
      // Whatever else arrived is a start event of ours too: no create, stop or volume event.
      for (const m of ws.messages) {
        const other = m.json();
        assert.deepEqual([other.Type, other.Action, other.Actor.ID], ['container', 'start', id]);
      }
    } finally {
      await ws.close();
    }
  });

  test('type=volume delivers only volume events', async () => {
    // No label filter here: the engine's volume events carry no labels to match.
    const ws = await server.ws(envPath('events?type=volume'));
    try {
      const cid = await createContainer(`${P}-ev2`);
      expectStatus(assert, await server.api('POST', envPath(`containers/${cid}/start`)), 204);
      const seenTypes = new Set();
      let round = 0;
      const ev = await waitFor(async () => {
        round += 1;
        const name = `${P}-ev-vol2-${round}`;
        expectStatus(assert, await server.api('POST', envPath('volumes'), { body: { Name: name, Labels: testLabels(P) } }), 201);
        const msg = await ws
          .waitMessage((m) => {
            const e = m.json();
            seenTypes.add(e.Type);
            return String(e.Actor?.ID).startsWith(`${P}-ev-vol2-`);
          }, 2_000)
          .catch(() => null);
        return msg ? msg.json() : null;
      }, 20_000, { intervalMs: 10, what: 'a volume event' });
      assert.equal(ev.Type, 'volume');
      assert.equal(ev.Action, 'create');
      for (const m of ws.messages) seenTypes.add(m.json().Type);
      assert.deepEqual([...seenTypes], ['volume'], 'only volume events');
    } finally {
      await ws.close();
    }
  });

  test('since replays past events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await createContainer(`${P}-ev3`);
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
    const filters = encodeURIComponent(JSON.stringify({ container: [id] }));
    const ws = await server.ws(envPath(`events?type=container&event=start&since=${since}&filters=${filters}`));
    try {
      const msg = await ws.waitMessage((m) => m.json().Actor.ID === id, 15_000, 'the replayed start event');
      assert.ok(msg, 'replayed event before close');
      assert.equal(msg.json().Action, 'start');
    } finally {
      await ws.close();
    }
  });

  test('malformed filters are refused', async () => {
    await assert.rejects(server.ws(envPath('events?filters=%7Bbroken')), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.json?.code, 'invalid_parameter');
      return true;
    });
  });

  test('events of an unknown environment are refused with 404', async () => {
    await assert.rejects(server.ws(envPath('events', `${P}-noenv`)), (err) => {
      assert.equal(err.status, 404);
      assert.equal(err.json?.code, 'environment_not_found');
      return true;
    });
  });
});
