// Compose stacks against the real engine: a three-service stack whose services wait for a
// health check and a one-shot job, labelled as the compose CLI labels them; an update that
// recreates only the changed service; history and rollback; a stack with a privileged service or
// a host bind refused before anything exists; other teams see nothing; removal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

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
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
const REGISTRY = process.env.DOKKERR_TEST_REGISTRY;
let server;
let engine;
let A;
let B;
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token, timeoutMs: 120_000 });

const THREE_SERVICES = `
services:
  db:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "echo db starting; sleep 2; touch /tmp/ready; exec sleep 600"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ready"]
      interval: 1s
      retries: 30
    volumes: ["data:/data"]
  migrate:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "echo migrated; echo migrated > /data/migrated"]
    volumes: ["data:/data"]
    depends_on:
      db:
        condition: service_healthy
  web:
    image: ${TEST_IMAGE}
    command: sleep 600
    environment:
      GREETING: \${GREETING:-hello}
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    labels:
      tier: front
volumes:
  data:
`;

async function inspect(id) {
  const res = await engine.ok('GET', `/containers/${id}/json`);
  return res.json;
}

async function projectContainers(project) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  return (await engine.ok('GET', `/containers/json?all=1&filters=${filters}`)).json;
}

// The compose CLI (Debian's docker-compose) on the same engine, with `compose` as its file.
async function composeCli(project, compose, args) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dkt-compose-'));
  try {
    await fsp.writeFile(path.join(dir, 'docker-compose.yml'), compose);
    const { stdout } = await execFileP('docker-compose', ['-p', project, '-f', path.join(dir, 'docker-compose.yml'), ...args], {
      env: { ...process.env, DOCKER_HOST: engine.dockerHost },
      timeout: 120_000,
    });
    return stdout;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function haveComposeCli() {
  try {
    await execFileP('docker-compose', ['version']);
    return true;
  } catch {
    return false;
  }
}

function byService(view) {
  return Object.fromEntries(view.containers.map((c) => [c.service, c]));
}

before(async () => {
  engine = new Engine(await ensureEngine());
  server = await startServer({ args: REGISTRY ? ['--allowed-registry', REGISTRY] : [] });
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      await releaseEngine();
    }
  }
});

describe('compose stacks', { timeout: 300_000 }, () => {
  const name = `${P}-shop`;

  test('a three-service stack deploys in dependency order, waiting for health and completion', async () => {
    const res = await server.api('POST', envPath('stacks'), as(A, { body: { name, compose: THREE_SERVICES } }));
    expectStatus(assert, res, 201);
    assert.equal(res.json.status, 'running', res.text);
    assert.equal(res.json.version, 1);
    assert.equal(res.json.team_id, A.teamId);
    const services = byService(res.json);
    assert.deepEqual(Object.keys(services).sort(), ['db', 'migrate', 'web']);

    const db = await inspect(services.db.id);
    const migrate = await inspect(services.migrate.id);
    const web = await inspect(services.web.id);
    assert.equal(db.State.Health.Status, 'healthy');
    assert.equal(migrate.State.Status, 'exited');
    assert.equal(migrate.State.ExitCode, 0);
    assert.equal(web.State.Status, 'running');
    // migrate started only once db was healthy; web only once migrate had finished.
    const firstHealthy = db.State.Health.Log.find((entry) => entry.ExitCode === 0);
    assert.ok(firstHealthy, JSON.stringify(db.State.Health));
    assert.ok(Date.parse(migrate.State.StartedAt) >= Date.parse(firstHealthy.End), `${migrate.State.StartedAt} < ${firstHealthy.End}`);
    assert.ok(Date.parse(web.State.StartedAt) >= Date.parse(migrate.State.FinishedAt), `${web.State.StartedAt} < ${migrate.State.FinishedAt}`);

    // The labels the compose CLI writes, and the team's.
    assert.equal(web.Config.Labels['com.docker.compose.project'], name);
    assert.equal(web.Config.Labels['com.docker.compose.service'], 'web');
    assert.equal(web.Config.Labels['com.docker.compose.container-number'], '1');
    assert.equal(web.Config.Labels['com.docker.compose.oneoff'], 'False');
    assert.match(web.Config.Labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    assert.equal(web.Config.Labels.tier, 'front');
    assert.equal(web.Config.Labels['io.dokkerr.team'], A.teamId);
    assert.equal(web.Name, `/${name}-web-1`);
    assert.ok(web.Config.Env.includes('GREETING=hello'), web.Config.Env.join(' '));
    // One network and one volume of the project, the team's.
    const network = await engine.ok('GET', `/networks/${name}_default`);
    assert.equal(network.json.Labels['com.docker.compose.network'], 'default');
    assert.ok(Object.keys(web.NetworkSettings.Networks).includes(`${name}_default`));
    const volume = await engine.ok('GET', `/volumes/${name}_data`);
    assert.equal(volume.json.Labels['com.docker.compose.volume'], 'data');

    const listed = await server.api('GET', envPath('stacks'), as(A));
    assert.deepEqual(listed.json.items.map((s) => s.name), [name]);
  });

  test("the stack's logs merge every service's lines in time order", async () => {
    const res = await server.api('GET', envPath(`stacks/${name}/logs?tail=50`), as(A));
    expectStatus(assert, res, 200);
    const lines = res.json.items.map((l) => `${l.service}: ${l.line}`);
    assert.deepEqual(lines, ['db: db starting', 'migrate: migrated'], res.text);
    assert.equal(res.json.items[0].container, `${name}-db-1`);
    assert.match(res.json.items[0].time, /^\d{4}-\d\d-\d\dT/);
    const only = await server.api('GET', envPath(`stacks/${name}/logs?service=migrate`), as(A));
    assert.deepEqual(only.json.items.map((l) => l.line), ['migrated']);
    expectProblem(assert, await server.api('GET', envPath(`stacks/${name}/logs`), as(B)), 404, 'stack_not_found');
    expectProblem(assert, await server.api('GET', envPath(`stacks/${name}/logs?tail=0`), as(A)), 400, 'invalid_parameter');
  });

  test('an update recreates only the service that changed; history and rollback', async () => {
    const before = byService((await server.api('GET', envPath(`stacks/${name}`), as(A))).json);
    const res = await server.api('PUT', envPath(`stacks/${name}`), as(A, {
      body: { compose: THREE_SERVICES, variables: { GREETING: 'bonjour' } },
    }));
    expectStatus(assert, res, 200);
    assert.equal(res.json.version, 2);
    assert.deepEqual(res.json.variables, ['GREETING']);
    const now = byService(res.json);
    assert.equal(now.db.id, before.db.id, 'db is unchanged and kept');
    assert.equal(now.migrate.id, before.migrate.id, 'migrate is unchanged and kept');
    assert.notEqual(now.web.id, before.web.id, 'web changed and was recreated');
    assert.ok((await inspect(now.web.id)).Config.Env.includes('GREETING=bonjour'));
    assert.equal((await engine.call('GET', `/containers/${before.web.id}/json`)).status, 404);

    const history = await server.api('GET', envPath(`stacks/${name}/history`), as(A));
    expectStatus(assert, history, 200);
    assert.deepEqual(history.json.items.map((v) => v.version), [2, 1]);
    assert.deepEqual(history.json.items[0].variables, { GREETING: null }, 'values are never shown');

    const back = await server.api('POST', envPath(`stacks/${name}/rollback`), as(A, { body: { version: 1 } }));
    expectStatus(assert, back, 200);
    assert.equal(back.json.version, 3);
    const rolled = byService(back.json);
    assert.equal(rolled.db.id, before.db.id);
    assert.ok((await inspect(rolled.web.id)).Config.Env.includes('GREETING=hello'));
    expectProblem(assert, await server.api('POST', envPath(`stacks/${name}/rollback`), as(A, { body: { version: 99 } })), 404, 'stack_version_not_found');
  });

  test('the compose CLI sees the stack as its own project, and a CLI-made stack is adopted', async (t) => {
    if (!(await haveComposeCli())) return t.skip('docker-compose is not installed');
    const view = (await server.api('GET', envPath(`stacks/${name}`), as(A))).json;
    const listed = (await composeCli(name, THREE_SERVICES, ['ps', '-q'])).split('\n').filter(Boolean).sort();
    assert.deepEqual(listed, view.containers.map((c) => c.id).sort());

    // A stack the CLI made (no team) is taken over by an administrator's deploy of the same name.
    const cli = `${P}-cli`;
    const file = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n`;
    await composeCli(cli, file, ['up', '-d']);
    const made = await projectContainers(cli);
    assert.equal(made.length, 1);
    const adopted = await server.api('POST', envPath('stacks'), { body: { name: cli, compose: file }, timeoutMs: 120_000 });
    expectStatus(assert, adopted, 201);
    const now = await projectContainers(cli);
    assert.equal(now.length, 1, JSON.stringify(now.map((c) => c.Names)));
    assert.equal(now[0].Names[0], `/${cli}-app-1`);
    assert.equal(adopted.json.containers[0].id, now[0].Id);
    assert.deepEqual((await composeCli(cli, file, ['ps', '-q'])).split('\n').filter(Boolean), [now[0].Id]);
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${cli}`)), 204);
    assert.deepEqual(await projectContainers(cli), []);
  });

  test('stop and start', async () => {
    const stopped = await server.api('POST', envPath(`stacks/${name}/stop`), as(A));
    expectStatus(assert, stopped, 200);
    assert.equal(stopped.json.status, 'stopped');
    assert.ok(stopped.json.containers.every((c) => c.state !== 'running'), stopped.text);
    const started = await server.api('POST', envPath(`stacks/${name}/start`), as(A));
    expectStatus(assert, started, 200);
    assert.equal(started.json.status, 'running');
    assert.equal(byService(started.json).web.state, 'running');
  });

  test('another team sees no stack and cannot touch it', async () => {
    expectProblem(assert, await server.api('GET', envPath(`stacks/${name}`), as(B)), 404, 'stack_not_found');
    expectProblem(assert, await server.api('PUT', envPath(`stacks/${name}`), as(B, { body: { compose: THREE_SERVICES } })), 404, 'stack_not_found');
    expectProblem(assert, await server.api('DELETE', envPath(`stacks/${name}`), as(B)), 404, 'stack_not_found');
    const listed = await server.api('GET', envPath('stacks'), as(B));
    assert.deepEqual(listed.json.items, []);
    expectProblem(assert, await server.api('POST', envPath('stacks'), as(A, { body: { name, compose: THREE_SERVICES } })), 409, 'stack_exists');
  });

  test('a privileged service or a host bind from a developer is refused before anything is created', async () => {
    const cases = {
      privileged: `services:\n  ok:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n  bad:\n    image: ${TEST_IMAGE}\n    privileged: true\n`,
      bind: `services:\n  ok:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n  bad:\n    image: ${TEST_IMAGE}\n    volumes: ["/:/host"]\n`,
      hostnet: `services:\n  ok:\n    image: ${TEST_IMAGE}\n  bad:\n    image: ${TEST_IMAGE}\n    network_mode: host\n`,
      volumeopts: `services:\n  ok:\n    image: ${TEST_IMAGE}\n    volumes: ["v:/v"]\nvolumes:\n  v:\n    driver_opts: {type: none, o: bind, device: /etc}\n`,
    };
    for (const [kind, compose] of Object.entries(cases)) {
      const stack = `${P}-${kind}`;
      const res = await server.api('POST', envPath('stacks'), as(A, { body: { name: stack, compose } }));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.deepEqual(await projectContainers(stack), [], `${kind}: no container`);
      assert.equal((await engine.call('GET', `/networks/${stack}_default`)).status, 404, `${kind}: no network`);
      assert.equal((await engine.call('GET', `/volumes/${stack}_v`)).status, 404, `${kind}: no volume`);
      expectProblem(assert, await server.api('GET', envPath(`stacks/${stack}`), as(A)), 404, 'stack_not_found');
    }
  });

  test('a missing image is pulled as the team may pull it; pull_policy: never does not', { skip: !REGISTRY && 'DOKKERR_TEST_REGISTRY is not set' }, async () => {
    const repo = `${REGISTRY}/${P}/stackimg`;
    await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo)}&tag=1`);
    const push = await engine.call('POST', `/images/${encodeURIComponent(repo)}/push?tag=1`, {
      headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
    });
    assert.equal(push.status, 200, push.text);
    await engine.ok('DELETE', `/images/${encodeURIComponent(`${repo}:1`)}`);

    const never = `${P}-never`;
    const refused = await server.api('POST', envPath('stacks'), as(A, {
      body: { name: never, compose: `services:\n  app:\n    image: ${repo}:1\n    pull_policy: never\n    command: sleep 600\n` },
    }));
    expectProblem(assert, refused, 404, 'image_not_found');
    assert.equal((await server.api('GET', envPath(`stacks/${never}`), as(A))).json.status, 'failed');
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${never}`), as(A)), 204);

    const pulled = `${P}-pulled`;
    const res = await server.api('POST', envPath('stacks'), as(A, {
      body: { name: pulled, compose: `services:\n  app:\n    image: ${repo}:1\n    command: sleep 600\n` },
    }));
    expectStatus(assert, res, 201);
    assert.equal(res.json.containers[0].state, 'running');
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${pulled}`), as(A)), 204);
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo}:1`)}?force=1`);
  });

  test('hostile bodies are clear errors', async () => {
    const post = (body) => server.api('POST', envPath('stacks'), as(A, { body }));
    const bad = await post({ name: `${P}-bad`, compose: 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n' });
    expectProblem(assert, bad, 400, 'invalid_compose');
    assert.match(bad.json.detail, /^line 4, services\.web\.ports\[0\]/);
    expectProblem(assert, await post({ name: '../etc', compose: THREE_SERVICES }), 400, 'invalid_stack_name');
    expectProblem(assert, await post({ name: `${P}-x`, compose: 'services: [' }), 400, 'invalid_compose');
    expectProblem(assert, await post({ name: `${P}-x`, compose: 'x'.repeat(300_000) }), 400, 'invalid_compose');
    expectProblem(assert, await post({ name: `${P}-x`, compose: THREE_SERVICES, variables: { A: 1 } }), 400, 'invalid_body');
    expectProblem(assert, await post({ name: `${P}-x`, compose: THREE_SERVICES, extra: true }), 400, 'unknown_field');
    expectProblem(assert, await post({ name: `${P}-x` }), 400, 'invalid_body');
    const missing = await post({ name: `${P}-x`, compose: 'services:\n  a:\n    image: x\n    environment: ["P=${PASS:?set it}"]\n' });
    expectProblem(assert, missing, 400, 'invalid_compose');
    assert.match(missing.json.detail, /PASS is required: set it/);
  });

  test('removal takes the containers and networks; volumes only when asked', async () => {
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${name}`), as(A)), 204);
    assert.deepEqual(await projectContainers(name), []);
    assert.equal((await engine.call('GET', `/networks/${name}_default`)).status, 404);
    assert.equal((await engine.call('GET', `/volumes/${name}_data`)).status, 200, 'the volume stays');
    expectProblem(assert, await server.api('GET', envPath(`stacks/${name}`), as(A)), 404, 'stack_not_found');

    const again = `${P}-again`;
    expectStatus(assert, await server.api('POST', envPath('stacks'), as(A, {
      body: { name: again, compose: `services:\n  a:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    volumes: ["keep:/k"]\nvolumes:\n  keep:\n` },
    })), 201);
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${again}?volumes=1`), as(A)), 204);
    assert.equal((await engine.call('GET', `/volumes/${again}_keep`)).status, 404);
  });
});
