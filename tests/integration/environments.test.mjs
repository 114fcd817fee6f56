// Environments: the built-in local engine, a remote engine over mutual TLS (the `start-tls`
// engine of scripts/testenv/dockerd.sh), validation, conflicts and removal.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
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
  testenv,
  testenvRunning,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
const TLS_ENGINE = 'tls';
let server;
let engine;
let tlsEngine; // direct access to the TLS engine over its unix socket (setup/cleanup)
let tlsEnv; // its env file: DOKKERR_TESTENV_TLS_PORT, _CA, _CERT, _KEY
let startedTls = false;
let pem;

before(async () => {
  engine = new Engine(await ensureEngine());
  startedTls = !(await testenvRunning(TLS_ENGINE));
  tlsEnv = await testenv('start-tls', TLS_ENGINE);
  tlsEngine = new Engine(tlsEnv.DOCKER_HOST);
  pem = {
    ca: await fsp.readFile(tlsEnv.DOKKERR_TESTENV_TLS_CA, 'utf8'),
    cert: await fsp.readFile(tlsEnv.DOKKERR_TESTENV_TLS_CERT, 'utf8'),
    key: await fsp.readFile(tlsEnv.DOKKERR_TESTENV_TLS_KEY, 'utf8'),
  };
  server = await startServer();
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
      if (tlsEngine) await tlsEngine.cleanup(P);
    } finally {
      if (startedTls) await testenv('stop', TLS_ENGINE);
      await releaseEngine();
    }
  }
});

const tlsUrl = () => `tcp://127.0.0.1:${tlsEnv.DOKKERR_TESTENV_TLS_PORT}`;

async function getEnv(id) {
  const res = await server.api('GET', `/api/v1/environments/${encodeURIComponent(id)}`);
  expectStatus(assert, res, 200);
  return res.json;
}

describe('the local environment', { timeout: 60_000 }, () => {
  test('list has local, builtin and up, with engine and counts', async () => {
    const items = expectList(assert, await server.api('GET', '/api/v1/environments'));
    const local = items.find((e) => e.id === 'local');
    assert.ok(local, 'local is listed');
    assert.equal(local.builtin, true);
    assert.equal(local.status, 'up', JSON.stringify(local));
    assert.equal(typeof local.name, 'string');
    assert.equal(typeof local.url, 'string');
    assert.ok('tls' in local);
    const direct = await engine.ok('GET', '/version');
    assert.equal(local.engine.version, direct.json.Version);
    assert.equal(local.engine.api_version, direct.json.ApiVersion);
    assert.equal(local.engine.os, direct.json.Os);
    assert.equal(local.engine.arch, direct.json.Arch);
    for (const k of ['containers', 'running', 'paused', 'stopped', 'images']) {
      assert.equal(typeof local.counts[k], 'number', `counts.${k}`);
    }
  });

  test('get local', async () => {
    const local = await getEnv('local');
    assert.equal(local.id, 'local');
    assert.equal(local.status, 'up');
  });

  test('unknown environment is 404 environment_not_found', async () => {
    expectProblem(assert, await server.api('GET', `/api/v1/environments/${P}-none`), 404, 'environment_not_found');
    expectProblem(assert, await server.api('PATCH', `/api/v1/environments/${P}-none`, { body: { name: 'x' } }), 404, 'environment_not_found');
    expectProblem(assert, await server.api('DELETE', `/api/v1/environments/${P}-none`), 404, 'environment_not_found');
  });

  test('local cannot be changed or removed: 409 environment_builtin', async () => {
    expectProblem(assert, await server.api('DELETE', '/api/v1/environments/local'), 409, 'environment_builtin');
    expectProblem(assert, await server.api('PATCH', '/api/v1/environments/local', { body: { name: 'renamed' } }), 409, 'environment_builtin');
    assert.equal((await getEnv('local')).status, 'up');
  });
});

describe('a TLS environment', { timeout: 120_000 }, () => {
  let id;
  const name = `${P}-tls`;

  test('add with CA, client cert and key → 201, then up', async () => {
    const res = await server.api('POST', '/api/v1/environments', {
      body: { name, url: tlsUrl(), tls: { ca: pem.ca, cert: pem.cert, key: pem.key } },
    });
    expectStatus(assert, res, 201);
    id = res.json.id;
    assert.equal(typeof id, 'string');
    assert.notEqual(id, 'local');
    assert.equal(res.json.name, name);
    assert.equal(res.json.url, tlsUrl());
    assert.equal(res.json.builtin, false);
    assert.ok(!res.text.includes('PRIVATE KEY'), 'the private key is never echoed');
    // Nor kept in clear: the database holds it sealed under the master key.
    const keyLine = pem.key.split('\n').find((line) => line.length > 40 && !line.startsWith('-----'));
    const stored = await server.storedText();
    assert.ok(stored.includes(name), 'the dump holds the environment');
    assert.ok(!stored.includes('PRIVATE KEY') && !stored.includes(keyLine), 'no TLS client key in clear at rest');

    const env = await waitFor(async () => {
      const e = await getEnv(id);
      return e.status === 'up' ? e : null;
    }, 20_000, { what: 'the TLS environment to be up' });
    const direct = await tlsEngine.ok('GET', '/version');
    assert.equal(env.engine.version, direct.json.Version);
    const info = await tlsEngine.ok('GET', '/info');
    const local = await engine.ok('GET', '/info');
    // Engines on one host share an ID (it comes from /etc/docker/key.json); their data roots differ.
    assert.notEqual(info.json.DockerRootDir, local.json.DockerRootDir, 'a different engine from local');
    const remote = await server.api('GET', `/api/v1/environments/${id}/system/info`);
    assert.equal(remote.status, 200);
    assert.equal(remote.json.DockerRootDir, info.json.DockerRootDir, 'requests reach the TLS engine');
  });

  test('listed among the environments, never with key material', async () => {
    const res = await server.api('GET', '/api/v1/environments');
    const items = expectList(assert, res);
    assert.ok(items.some((e) => e.id === id && e.status === 'up'));
    assert.ok(!res.text.includes('PRIVATE KEY'), 'the private key is never listed');
  });

  test('its containers are listable and are the TLS engine’s', async () => {
    const cid = await tlsEngine.createContainer(`${P}-on-tls`, { Labels: testLabels(P) });
    const items = await waitFor(async () => {
      const res = await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`, id));
      const list = expectList(assert, res);
      return list.some((c) => c.Id === cid) ? list : null;
    }, 10_000, { what: 'the TLS engine container in the list' });
    const mine = items.find((c) => c.Id === cid);
    assert.deepEqual(mine.Dokkerr, { environment: id, team: null });
    const localList = expectList(assert, await server.api('GET', envPath(`containers?all=1&label=test.dokkerr.run=${P}`)));
    assert.ok(!localList.some((c) => c.Id === cid), 'not on local');

    const inspect = await server.api('GET', envPath(`containers/${cid}`, id));
    expectStatus(assert, inspect, 200);
    assert.equal(inspect.json.Dokkerr.environment, id);
  });

  test('containers can be created and started through it', async () => {
    const res = await server.api('POST', envPath(`containers?name=${P}-made-via-tls`, id), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, res, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`, id)), 204);
    assert.equal((await tlsEngine.inspectContainer(res.json.Id)).State.Status, 'running');
  });

  test('duplicate name is 409 environment_name_conflict', async () => {
    const res = await server.api('POST', '/api/v1/environments', {
      body: { name, url: tlsUrl(), tls: { ca: pem.ca, cert: pem.cert, key: pem.key } },
    });
    expectProblem(assert, res, 409, 'environment_name_conflict');
  });

  test('rename with PATCH', async () => {
    const res = await server.api('PATCH', `/api/v1/environments/${id}`, { body: { name: `${name}-2` } });
    expectStatus(assert, res, 200);
    assert.equal(res.json.name, `${name}-2`);
    assert.equal((await getEnv(id)).name, `${name}-2`);
    const bad = await server.api('PATCH', `/api/v1/environments/${id}`, { body: { name: 7 } });
    expectProblem(assert, bad, 400, 'invalid_body');
  });

  test('remove → 204, then 404', async () => {
    expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${id}`), 204);
    expectProblem(assert, await server.api('GET', `/api/v1/environments/${id}`), 404, 'environment_not_found');
    expectProblem(assert, await server.api('GET', envPath('containers', id)), 404, 'environment_not_found');
    const items = expectList(assert, await server.api('GET', '/api/v1/environments'));
    assert.ok(!items.some((e) => e.id === id));
  });
});

describe('environment validation', { timeout: 60_000 }, () => {
  test('bad url is 400 invalid_docker_host', async () => {
    for (const url of ['ftp://127.0.0.1:2375', 'not a url', 'tcp://', 'tcp://127.0.0.1:99999', 'unix://', '']) {
      const res = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-bad`, url } });
      expectProblem(assert, res, 400, 'invalid_docker_host');
    }
  });

  test('wrong types and missing fields are 400 invalid_body', async () => {
    for (const body of [{ url: tlsUrl() }, { name: 5, url: tlsUrl() }, { name: `${P}-x` }, { name: `${P}-x`, url: tlsUrl(), tls: 'yes' }]) {
      const res = await server.api('POST', '/api/v1/environments', { body });
      expectProblem(assert, res, 400, 'invalid_body');
    }
    const res = await server.api('POST', '/api/v1/environments', { raw: '{"name":', headers: { 'Content-Type': 'application/json' } });
    expectProblem(assert, res, 400, 'invalid_json');
  });

  test('a TLS engine without client certificates is down, and its calls say so', async () => {
    const res = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-nocert`, url: tlsUrl() } });
    if (res.status === 400) {
      // Also acceptable: refusing up front. It must then name the problem.
      assert.ok(res.json?.code, res.text);
      return;
    }
    expectStatus(assert, res, 201);
    const id = res.json.id;
    try {
      const env = await waitFor(async () => {
        const e = await getEnv(id);
        return e.status === 'down' ? e : null;
      }, 20_000, { what: 'the environment to be reported down' });
      assert.equal(typeof env.error, 'string');
      const list = await server.api('GET', envPath('containers', id));
      assert.ok([502, 503].includes(list.status), `engine failure is 502/503: ${list.status} ${list.text}`);
      assert.ok(['engine_unavailable', 'engine_error'].includes(list.json?.code), list.text);
    } finally {
      expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${id}`), 204);
    }
  });

  test('a garbage certificate is refused or reported down, never a crash', async () => {
    const res = await server.api('POST', '/api/v1/environments', {
      body: { name: `${P}-garbage`, url: tlsUrl(), tls: { ca: 'not a pem', cert: 'nope', key: 'nope' } },
    });
    assert.ok([201, 400].includes(res.status), `${res.status} ${res.text}`);
    if (res.status === 201) {
      const env = await waitFor(async () => {
        const e = await getEnv(res.json.id);
        return e.status === 'down' ? e : null;
      }, 20_000, { what: 'garbage-cert environment reported down' });
      assert.equal(typeof env.error, 'string');
      expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${res.json.id}`), 204);
    }
    expectStatus(assert, await server.api('GET', '/healthz'), 200);
  });
});
