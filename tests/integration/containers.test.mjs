// Containers: lifecycle, lists and filters, and the API's hostile paths (bad JSON, wrong types,
// oversize bodies, unknown routes, request ids).
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
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;

// Lists our own containers (all states) through the API, by the run label.
async function ourContainers(extraQuery = '') {
  const res = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}${extraQuery}`));
  return expectList(assert, res);
}

async function createViaApi(name, body = {}) {
  const res = await server.api('POST', envPath(`containers?name=${encodeURIComponent(name)}`), {
    body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P), ...body },
  });
  expectStatus(assert, res, 201);
  assert.match(res.json.Id, /^[0-9a-f]{64}$/);
  assert.ok(Array.isArray(res.json.Warnings) || res.json.Warnings === null, 'Warnings present');
  return res.json.Id;
}

async function state(id) {
  const res = await server.api('GET', envPath(`containers/${id}`));
  expectStatus(assert, res, 200);
  return res.json.State;
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

describe('container lifecycle', { timeout: 180_000 }, () => {
  let id;
  const name = `${P}-life`;

  test('create answers 201 and the container is in the very next list', async () => {
    id = await createViaApi(name);
    const items = await ourContainers();
    const mine = items.find((c) => c.Id === id);
    assert.ok(mine, `created container ${id} missing from the next list`);
    assert.deepEqual(mine.Names, [`/${name}`]);
    assert.equal(mine.State, 'created');
    assert.equal(mine.Image, TEST_IMAGE);
    assert.deepEqual(mine.Dokkerr, { environment: 'local', team: null }, 'Dokkerr key on list items: the environment, and no team for an admin-made container');
  });

  test('inspect by id, id prefix and name', async () => {
    for (const key of [id, id.slice(0, 12), name]) {
      const res = await server.api('GET', envPath(`containers/${encodeURIComponent(key)}`));
      expectStatus(assert, res, 200);
      assert.equal(res.json.Id, id);
      assert.equal(res.json.Name, `/${name}`);
      assert.equal(res.json.Config.Image, TEST_IMAGE);
      assert.equal(res.json.Dokkerr?.environment, 'local');
    }
  });

  test('start, pause, unpause, restart, stop', async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
    assert.equal((await state(id)).Status, 'running');

    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/pause`)), 204);
    assert.equal((await state(id)).Status, 'paused');
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/unpause`)), 204);
    assert.equal((await state(id)).Status, 'running');

    const before = (await state(id)).StartedAt;
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/restart?t=1`)), 204);
    const after = await state(id);
    assert.equal(after.Status, 'running');
    assert.notEqual(after.StartedAt, before, 'restart starts the container anew');

    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/stop?t=1`)), 204);
    assert.equal((await state(id)).Status, 'exited');
  });

  test('kill with a signal', async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/kill?signal=SIGKILL`)), 204);
    const s = await waitFor(async () => {
      const st = await state(id);
      return st.Status === 'exited' ? st : null;
    }, 10_000, { what: 'killed container to exit' });
    assert.equal(s.ExitCode, 137);
  });

  test('kill of a container that is not running is a conflict', async () => {
    const res = await server.api('POST', envPath(`containers/${id}/kill`));
    expectProblem(assert, res, 409, 'container_conflict');
  });

  test('rename', async () => {
    const newName = `${P}-renamed`;
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/rename?name=${newName}`)), 204);
    const res = await server.api('GET', envPath(`containers/${newName}`));
    expectStatus(assert, res, 200);
    assert.equal(res.json.Id, id);
    expectProblem(assert, await server.api('GET', envPath(`containers/${name}`)), 404, 'container_not_found');
  });

  test('update', async () => {
    const res = await server.api('POST', envPath(`containers/${id}/update`), { body: { CpuShares: 512 } });
    expectStatus(assert, res, 200);
    assert.deepEqual(res.json, { Warnings: [] });
    const inspect = await server.api('GET', envPath(`containers/${id}`));
    assert.equal(inspect.json.HostConfig.CpuShares, 512);
  });

  test('update with a wrong type is invalid_body', async () => {
    const res = await server.api('POST', envPath(`containers/${id}/update`), { body: { CpuShares: 'lots' } });
    expectProblem(assert, res, 400, 'invalid_body');
  });

  test('top lists the processes of a running container', async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
    const res = await server.api('GET', envPath(`containers/${id}/top`));
    expectStatus(assert, res, 200);
    assert.ok(Array.isArray(res.json.Titles) && Array.isArray(res.json.Processes));
    const cmdCol = res.json.Titles.findIndex((t) => t === 'CMD' || t === 'COMMAND');
    assert.ok(cmdCol >= 0, `a command column in ${res.json.Titles}`);
    assert.ok(res.json.Processes.some((p) => p[cmdCol].includes('sleep 600')), JSON.stringify(res.json.Processes));

    const custom = await server.api('GET', envPath(`containers/${id}/top?ps_args=-o%20pid,comm`));
    expectStatus(assert, custom, 200);
    assert.deepEqual(custom.json.Titles, ['PID', 'COMMAND']);
  });

  test('wait: not-running returns the exit code, next-exit waits for the next exit', async () => {
    const waiting = server.api('POST', envPath(`containers/${id}/wait?condition=next-exit`));
    // We cannot see when the wait is registered on the engine, so every round starts the
    // container and kills it again until the wait returns (bounded).
    const result = await waitFor(async () => {
      await server.api('POST', envPath(`containers/${id}/start`));
      await server.api('POST', envPath(`containers/${id}/kill?signal=SIGKILL`));
      return Promise.race([waiting, new Promise((r) => setTimeout(() => r(null), 500))]);
    }, 20_000, { what: 'wait?condition=next-exit to return' });
    expectStatus(assert, result, 200);
    assert.equal(result.json.StatusCode, 137);

    const exiter = await createViaApi(`${P}-exit3`, { Cmd: ['sh', '-c', 'exit 3'] });
    expectStatus(assert, await server.api('POST', envPath(`containers/${exiter}/start`)), 204);
    const res = await server.api('POST', envPath(`containers/${exiter}/wait?condition=not-running`));
    expectStatus(assert, res, 200);
    assert.equal(res.json.StatusCode, 3);
  });

  test('wait with an unknown condition is invalid_parameter', async () => {
    const res = await server.api('POST', envPath(`containers/${id}/wait?condition=whenever`));
    expectProblem(assert, res, 400, 'invalid_parameter');
  });

  test('remove a running container needs force; removed is gone', async () => {
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);
    const refused = await server.api('DELETE', envPath(`containers/${id}`));
    expectProblem(assert, refused, 409, 'container_conflict');
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${id}?force=1&volumes=1`)), 204);
    expectProblem(assert, await server.api('GET', envPath(`containers/${id}`)), 404, 'container_not_found');
    const items = await ourContainers();
    assert.ok(!items.some((c) => c.Id === id), 'removed container still listed');
  });

  test('wait?condition=removed returns when the container is removed', async () => {
    // The removal goes straight to the engine and can overtake the wait on its way through the
    // server; the engine then answers the wait 404 (the container is gone). Such an attempt is
    // tried again with a new container; any other answer is a failure.
    let res;
    for (let attempt = 1; attempt <= 3; ++attempt) {
      const cid = await createViaApi(`${P}-towait-${attempt}`);
      const waiting = server.api('POST', envPath(`containers/${cid}/wait?condition=removed`));
      res = await waitFor(async () => {
        await engine.removeContainer(cid);
        return Promise.race([waiting, new Promise((r) => setTimeout(() => r(null), 500))]);
      }, 20_000, { what: 'wait?condition=removed to return' });
      if (res.status !== 404 || res.json?.code !== 'container_not_found') break;
    }
    expectStatus(assert, res, 200);
    assert.equal(typeof res.json.StatusCode, 'number');
  });
});

describe('container lists', { timeout: 120_000 }, () => {
  let running;
  let stopped;
  let other;

  before(async () => {
    running = await createViaApi(`${P}-list-run`, { Labels: testLabels(P, { role: 'a' }) });
    stopped = await createViaApi(`${P}-list-stop`, { Labels: testLabels(P, { role: 'b' }) });
    other = await createViaApi(`${P}-list-other`, { Labels: testLabels(P, { role: 'b' }) });
    expectStatus(assert, await server.api('POST', envPath(`containers/${running}/start`)), 204);
  });

  test('without all=1 only running containers are listed', async () => {
    const res = await server.api('GET', envPath(`containers?label=test.dokkerr.run=${P}`));
    const ids = expectList(assert, res).map((c) => c.Id);
    assert.ok(ids.includes(running));
    assert.ok(!ids.includes(stopped));
  });

  test('status filter', async () => {
    const runningIds = (await ourContainers('&status=running')).map((c) => c.Id);
    assert.deepEqual(runningIds, [running]);
    const created = (await ourContainers('&status=created')).map((c) => c.Id).sort();
    assert.deepEqual(created, [stopped, other].sort());
  });

  test('name filter', async () => {
    const items = await ourContainers(`&name=${P}-list-stop`);
    assert.deepEqual(items.map((c) => c.Id), [stopped]);
  });

  test('label filter is repeatable (all must match)', async () => {
    const res = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}&label=role=b`));
    assert.deepEqual(expectList(assert, res).map((c) => c.Id).sort(), [stopped, other].sort());
    const none = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}&label=role=zzz`));
    assert.deepEqual(expectList(assert, none), []);
  });

  test('image filter', async () => {
    const items = await ourContainers(`&image=${encodeURIComponent(TEST_IMAGE)}`);
    assert.ok(items.length >= 3, `our containers use ${TEST_IMAGE}`);
    const none = await ourContainers(`&image=${encodeURIComponent(`${P}/no-such-image:latest`)}`);
    assert.deepEqual(none, []);
  });

  test('limit and cursor page through the list', async () => {
    const first = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}&limit=2`));
    const page1 = expectList(assert, first);
    assert.equal(page1.length, 2);
    assert.equal(typeof first.json.next_cursor, 'string', 'a next_cursor when more items follow');
    const seen = page1.map((c) => c.Id);
    let cursor = first.json.next_cursor;
    for (let guard = 0; cursor && guard < 20; guard += 1) {
      const next = await server.api(
        'GET',
        envPath(`containers?all=1&label=test.dokkerr.run=${P}&limit=2&cursor=${encodeURIComponent(cursor)}`),
      );
      seen.push(...expectList(assert, next).map((c) => c.Id));
      cursor = next.json.next_cursor;
    }
    assert.equal(cursor, null, 'the last page has next_cursor null');
    const all = (await ourContainers()).map((c) => c.Id);
    assert.deepEqual([...seen].sort(), [...all].sort(), 'pages cover the list exactly once');
  });

  test('limit out of range and bad flags are invalid_parameter', async () => {
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'all=maybe']) {
      const res = await server.api('GET', envPath(`containers?${q}`));
      expectProblem(assert, res, 400, 'invalid_parameter');
    }
    const badCursor = await server.api('GET', envPath('containers?cursor=%00garbage'));
    expectProblem(assert, badCursor, 400, 'invalid_parameter');
  });

  test('a container that exits right after start is listed as exited', async () => {
    const quick = await createViaApi(`${P}-quick`, { Cmd: ['sh', '-c', 'exit 3'] });
    expectStatus(assert, await server.api('POST', envPath(`containers/${quick}/start`)), 204);
    const wait = await server.api('POST', envPath(`containers/${quick}/wait?condition=not-running`));
    assert.equal(wait.json.StatusCode, 3);
    const item = await waitFor(async () => {
      const found = (await ourContainers()).find((c) => c.Id === quick);
      return found && found.State === 'exited' ? found : null;
    }, 10_000, { what: 'the list to show the quick container as exited' });
    assert.match(item.Status, /^Exited \(3\)/);
    const running = (await ourContainers('&status=running')).map((c) => c.Id);
    assert.ok(!running.includes(quick), 'not in the running list');
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${quick}`)), 204);
  });

  test('a container killed behind our back is listed as exited', async () => {
    const victim = await engine.createContainer(`${P}-killed`, { Labels: testLabels(P) });
    await engine.ok('POST', `/containers/${victim}/start`);
    await waitFor(async () => (await ourContainers()).some((c) => c.Id === victim && c.State === 'running'), 10_000, {
      what: 'the engine-started container to show as running',
    });
    await engine.ok('POST', `/containers/${victim}/kill`);
    await waitFor(async () => (await ourContainers()).some((c) => c.Id === victim && c.State === 'exited'), 10_000, {
      what: 'the container killed on the engine to show as exited',
    });
    await engine.removeContainer(victim);
  });

  test('a container removed behind our back disappears from the list', async () => {
    const victim = await engine.createContainer(`${P}-behind`, { Labels: testLabels(P) });
    await waitFor(async () => (await ourContainers()).some((c) => c.Id === victim), 10_000, {
      what: 'engine-created container to show up',
    });
    await engine.removeContainer(victim);
    await waitFor(async () => !(await ourContainers()).some((c) => c.Id === victim), 10_000, {
      what: 'container removed on the engine to leave the list',
    });
    expectProblem(assert, await server.api('GET', envPath(`containers/${victim}`)), 404, 'container_not_found');
  });
});

describe('container errors', { timeout: 60_000 }, () => {
  test('name conflict is 409 container_conflict', async () => {
    const name = `${P}-dup`;
    await createViaApi(name);
    const res = await server.api('POST', envPath(`containers?name=${name}`), {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    });
    expectProblem(assert, res, 409, 'container_conflict');
  });

  test('unknown container is 404 container_not_found on every verb', async () => {
    const unknown = `${P}-nope`;
    const calls = [
      ['GET', `containers/${unknown}`],
      ['POST', `containers/${unknown}/start`],
      ['POST', `containers/${unknown}/stop`],
      ['POST', `containers/${unknown}/restart`],
      ['POST', `containers/${unknown}/kill`],
      ['POST', `containers/${unknown}/pause`],
      ['POST', `containers/${unknown}/unpause`],
      ['POST', `containers/${unknown}/rename?name=${P}-x`],
      ['POST', `containers/${unknown}/wait`],
      ['GET', `containers/${unknown}/top`],
      ['GET', `containers/${unknown}/logs`],
      ['GET', `containers/${unknown}/stats`],
      ['DELETE', `containers/${unknown}`],
    ];
    for (const [method, p] of calls) {
      const res = await server.api(method, envPath(p));
      expectProblem(assert, res, 404, 'container_not_found');
    }
    const update = await server.api('POST', envPath(`containers/${unknown}/update`), { body: { CpuShares: 512 } });
    expectProblem(assert, update, 404, 'container_not_found');
  });

  test('references that would climb out of their path are 404, never another engine route', async () => {
    for (const bad of ['..%2F..%2Fimages%2Fjson', '..', '.', '..%2Fjson', 'a%2F..%2F..%2Finfo', 'x%0Ay']) {
      expectProblem(assert, await server.api('GET', envPath(`containers/${bad}`)), 404, 'container_not_found');
      expectProblem(assert, await server.api('POST', envPath(`containers/${bad}/start`)), 404, 'container_not_found');
      expectProblem(assert, await server.api('DELETE', envPath(`containers/${bad}?force=1`)), 404, 'container_not_found');
    }
    for (const bad of ['..%2F..%2Fcontainers%2Fjson', 'busybox%2F..%2F..%2Finfo', '.']) {
      expectProblem(assert, await server.api('GET', envPath(`images/${bad}`)), 404, 'image_not_found');
      expectProblem(assert, await server.api('GET', envPath(`networks/${bad}`)), 404, 'network_not_found');
      expectProblem(assert, await server.api('GET', envPath(`volumes/${bad}`)), 404, 'volume_not_found');
    }
  });

  test('unknown environment is 404 environment_not_found', async () => {
    const res = await server.api('GET', envPath('containers', `${P}-noenv`));
    expectProblem(assert, res, 404, 'environment_not_found');
  });

  test('malformed JSON is 400 invalid_json', async () => {
    for (const raw of ['{"Image": ', '{Image: "x"}', 'not json at all', '{"Image":"a"} trailing']) {
      const res = await server.api('POST', envPath(`containers?name=${P}-badjson`), {
        raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expectProblem(assert, res, 400, 'invalid_json');
    }
  });

  test('wrong types and missing fields are 400 invalid_body naming the field', async () => {
    const cases = [
      [{ Image: 42 }, 'Image'],
      [{ Image: TEST_IMAGE, Cmd: 7 }, 'Cmd'],
      [{ Image: TEST_IMAGE, Labels: ['a'] }, 'Labels'],
      [{ Image: TEST_IMAGE, HostConfig: 'x' }, 'HostConfig'],
      [{ Cmd: ['true'] }, 'Image'],
    ];
    for (const [body, field] of cases) {
      const res = await server.api('POST', envPath(`containers?name=${P}-badbody`), { body });
      const problem = expectProblem(assert, res, 400, 'invalid_body');
      assert.match(String(problem.detail), new RegExp(field), `detail names ${field}: ${problem.detail}`);
    }
    for (const raw of ['[]', '"Image"', '42', 'null']) {
      const res = await server.api('POST', envPath(`containers?name=${P}-badbody`), {
        raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expectProblem(assert, res, 400, 'invalid_body');
    }
    const stillNone = await ourContainers(`&name=${P}-badbody`);
    assert.deepEqual(stillNone, [], 'no container made from a rejected body');
  });

  test('an invalid container name is rejected without reaching a 5xx', async () => {
    const res = await server.api('POST', envPath('containers?name=%2Fbad%20name%21'), {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    });
    assert.ok(res.status >= 400 && res.status < 500, `4xx for a bad name, got ${res.status} ${res.text}`);
    assert.equal(res.json?.status, res.status);
  });

  test('unknown route is 404 route_not_found; wrong method is 405', async () => {
    expectProblem(assert, await server.api('GET', '/api/v1/no-such-thing'), 404, 'route_not_found');
    expectProblem(assert, await server.api('GET', envPath(`containers/${P}/no-such-action`)), 404, 'route_not_found');
    expectProblem(assert, await server.api('GET', '/nowhere'), 404, 'route_not_found');
    expectProblem(assert, await server.api('PUT', envPath('containers')), 405, 'method_not_allowed');
  });

  test('X-Request-Id: a valid one is echoed, a malformed one is replaced', async () => {
    const good = 'abc-DEF_1.2:3';
    const echoed = await server.api('GET', '/healthz', { headers: { 'X-Request-Id': good } });
    assert.equal(echoed.headers['x-request-id'], good);

    const problem = await server.api('GET', '/api/v1/nope', { headers: { 'X-Request-Id': good } });
    assert.equal(problem.headers['x-request-id'], good);
    assert.equal(problem.json.request_id, good);

    const generated = await server.api('GET', '/healthz');
    assert.match(String(generated.headers['x-request-id']), /^[A-Za-z0-9._:-]{1,128}$/);

    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', 'slash/no', '']) {
      const res = await server.api('GET', '/healthz', { headers: { 'X-Request-Id': bad } });
      const id = String(res.headers['x-request-id']);
      assert.notEqual(id, bad, `malformed request id "${bad.slice(0, 20)}" must not be kept`);
      assert.match(id, /^[A-Za-z0-9._:-]{1,128}$/, 'a fresh valid id replaces it');
    }
    const two = await Promise.all([server.api('GET', '/healthz'), server.api('GET', '/healthz')]);
    assert.notEqual(two[0].headers['x-request-id'], two[1].headers['x-request-id'], 'ids are unique');
  });
});

describe('body size limit', { timeout: 60_000 }, () => {
  let small;
  before(async () => {
    small = await startServer({ maxBodySize: 1024 });
  });
  after(async () => {
    if (small) await small.stop();
  });

  test('a body over --max-body-size is 413 payload_too_large', async () => {
    const body = { Image: TEST_IMAGE, Labels: { ...testLabels(P), pad: 'x'.repeat(2000) } };
    const res = await small.api('POST', envPath(`containers?name=${P}-big`), { body });
    expectProblem(assert, res, 413, 'payload_too_large');
    const none = await small.api('GET', envPath(`containers?all=1&name=${P}-big`));
    assert.deepEqual(expectList(assert, none), []);
  });

  test('a chunked body over the limit is 413 too', async () => {
    const res = await new Promise((resolve, reject) => {
      import('node:http').then(({ default: http }) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: small.port,
            method: 'POST',
            path: envPath(`containers?name=${P}-big2`),
            headers: {
              'Content-Type': 'application/json',
              'Transfer-Encoding': 'chunked',
              Authorization: `Bearer ${small.token}`,
            },
            agent: false,
          },
          (r) => {
            const chunks = [];
            r.on('data', (c) => chunks.push(c));
            r.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              resolve({ status: r.statusCode, headers: r.headers, text, json: JSON.parse(text) });
            });
          },
        );
        req.on('error', reject);
        req.setTimeout(15_000, () => req.destroy(new Error('no answer to the chunked upload')));
        req.write('{"Image":"' + TEST_IMAGE + '","Labels":{"pad":"');
        for (let i = 0; i < 8; i += 1) req.write('y'.repeat(256));
        req.end('"}}');
      }, reject);
    });
    expectProblem(assert, res, 413, 'payload_too_large');
  });

  test('a body under the limit still works', async () => {
    const res = await small.api('POST', envPath(`containers?name=${P}-small`), {
      body: { Image: TEST_IMAGE, Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
  });
});
