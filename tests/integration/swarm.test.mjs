// Swarm services, nodes, secrets and configs on a real single-node swarm (a private engine in a
// network namespace of its own, initialized as a swarm manager here). Developers of two teams:
// each sees and acts on its own services and secrets only; a service is checked against the
// team's policy before anything reaches the engine; scale, rolling update and rollback converge
// on the engine; a platform admin drains and reactivates the node.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
  testenv,
  testenvRunning,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const ENGINE_NAME = 'swarm';
const P = uniquePrefix();
const SECRET_VALUE = `s3cret value ${P}`;
const CONFIG_VALUE = `config value ${P}`;

let engine;
let server;
let A; // developer of team A
let B; // developer of team B

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });
const svc = (rest = '') => envPath(`services${rest}`);

function spec(extra = {}) {
  return {
    name: `${P}-web`,
    image: TEST_IMAGE,
    command: ['sleep', '600'],
    replicas: 2,
    env: { GREETING: 'one' },
    update: { parallelism: 1, delay_seconds: 0, monitor_seconds: 1, order: 'stop-first' },
    rollback: { parallelism: 2, monitor_seconds: 1 },
    restart: { condition: 'any', delay_seconds: 1 },
    healthcheck: { test: ['CMD', 'true'], interval_seconds: 1, retries: 2 },
    ...extra,
  };
}

async function service(tenant, name) {
  const res = await server.api('GET', svc(`/${name}`), as(tenant));
  expectStatus(assert, res, 200);
  return res.json;
}

async function waitRunning(name, count, what) {
  return waitFor(async () => {
    const s = await service(A, name);
    return s.replicas.running === count && s.replicas.desired === count ? s : null;
  }, 90_000, { intervalMs: 500, what });
}

async function waitUpdate(name, state) {
  return waitFor(async () => {
    const s = await service(A, name);
    return s.update_status?.state === state ? s : null;
  }, 120_000, { intervalMs: 500, what: `update state ${state}` });
}

async function runningContainers(name) {
  const tasks = await server.api('GET', svc(`/${name}/tasks`), as(A));
  expectStatus(assert, tasks, 200);
  return tasks.json.items.filter((t) => t.state === 'running' && t.container_id).map((t) => t.container_id);
}

before(async () => {
  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME); // left by an aborted run
  const env = await testenv('start-netns', ENGINE_NAME);
  engine = new Engine(env.DOCKER_HOST);
  await engine.call('POST', '/swarm/leave?force=1'); // the engine's data root outlives a stop
  await engine.ok('POST', '/swarm/init', {
    body: { ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1', DefaultAddrPool: ['198.19.128.0/17'], SubnetSize: 24 },
  });
  server = await startServer({ dockerHost: env.DOCKER_HOST });
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
});

after(async () => {
  try {
    if (server) await server.stop();
    await releaseEngine();
  } finally {
    // Leaving the swarm removes its services, secrets, configs and overlay networks with it.
    if (engine && (await testenvRunning(ENGINE_NAME))) await engine.call('POST', '/swarm/leave?force=1');
    await testenv('stop', ENGINE_NAME);
  }
});

describe('swarm', { timeout: 540_000 }, () => {
  test('the environment is a swarm manager; an engine outside a swarm answers 409', async () => {
    const status = await server.api('GET', envPath('swarm'), as(A));
    expectStatus(assert, status, 200);
    assert.equal(status.json.manager, true);
    assert.equal(status.json.state, 'active');
    assert.equal(status.json.nodes, 1);

    const plainHost = await ensureEngine();
    const added = await server.api('POST', '/api/v1/environments', { body: { name: `${P}-plain`, url: plainHost } });
    expectStatus(assert, added, 201);
    const plain = added.json.id;
    await waitFor(async () => (await server.api('GET', `/api/v1/environments/${plain}`)).json.status === 'up', 20_000, {
      what: 'the plain environment to be up',
    });
    const plainStatus = await server.api('GET', envPath('swarm', plain));
    expectStatus(assert, plainStatus, 200);
    assert.equal(plainStatus.json.manager, false);
    assert.equal(plainStatus.json.state, 'inactive');
    expectProblem(assert, await server.api('GET', envPath('services', plain)), 409, 'not_swarm_manager');
    expectProblem(assert, await server.api('GET', envPath('secrets', plain)), 409, 'not_swarm_manager');
    expectStatus(assert, await server.api('DELETE', `/api/v1/environments/${plain}`), 204);
  });

  test('secrets and configs: values go in, never come back, and only to their team', async () => {
    for (const [kind, value] of [['secrets', SECRET_VALUE], ['configs', CONFIG_VALUE]]) {
      const created = await server.api('POST', envPath(kind), as(A, { body: { name: `${P}-cred`, data: value, labels: { purpose: 'test' } } }));
      expectStatus(assert, created, 201);
      assert.equal(created.json.name, `${P}-cred`);
      assert.equal(created.json.team, A.teamId);
      assert.deepEqual(created.json.labels, { purpose: 'test' });
      assert.ok(!created.text.includes(value) && !created.text.includes(Buffer.from(value).toString('base64')));

      const mine = await server.api('GET', envPath(kind), as(A));
      expectStatus(assert, mine, 200);
      assert.ok(mine.json.items.some((s) => s.name === `${P}-cred`));
      assert.ok(!mine.text.includes(Buffer.from(value).toString('base64')), 'the value is never listed');
      const theirs = await server.api('GET', envPath(kind), as(B));
      assert.ok(!theirs.json.items.some((s) => s.name === `${P}-cred`), "another team's are not listed");
      expectProblem(assert, await server.api('DELETE', envPath(`${kind}/${P}-cred`), as(B)), 404, `${kind.slice(0, -1)}_not_found`);

      const onEngine = (await engine.ok('GET', `/${kind}/${P}-cred`)).json;
      assert.equal(onEngine.Spec.Labels['io.dokkerr.team'], A.teamId);
    }
    // Hostile bodies.
    expectProblem(assert, await server.api('POST', envPath('secrets'), as(A, { body: { name: '../x', data: 'v' } })), 400, 'invalid_body');
    expectProblem(assert, await server.api('POST', envPath('secrets'), as(A, { body: { name: `${P}-e`, data: '' } })), 400, 'invalid_body');
    expectProblem(assert, await server.api('POST', envPath('secrets'), as(A, { body: { name: `${P}-e`, data: 'v', labels: { 'io.dokkerr.team': B.teamId } } })), 400, 'reserved_label');
    expectProblem(assert, await server.api('POST', envPath('secrets'), as(A, { body: { name: `${P}-e`, data: 'v', driver: 'x' } })), 400, 'unknown_field');
    expectProblem(assert, await server.api('POST', envPath('secrets'), as(A, { body: { name: `${P}-big`, data: 'x'.repeat(500 * 1024 + 1) } })), 400, 'invalid_body');
  });

  test('a service the policy refuses never reaches the engine', async () => {
    const refused = [
      [spec({ mounts: [{ type: 'bind', source: '/etc', target: '/host-etc' }] }), 403, 'policy_denied'],
      [spec({ ports: [{ target: 80, published: 18080, mode: 'ingress' }] }), 403, 'policy_denied'],
      [spec({ ports: [{ target: 80, published: 80 }] }), 403, 'policy_denied'],
      [spec({ privileged: true }), 400, 'unknown_field'],
      [spec({ TaskTemplate: {} }), 400, 'unknown_field'],
      [spec({ labels: { 'IO.Dokkerr.team': B.teamId } }), 400, 'reserved_label'],
      [spec({ replicas: 101 }), 400, 'invalid_body'],
      [spec({ name: 'bad name!' }), 400, 'invalid_body'],
      [spec({ mounts: [{ type: 'volume', source: '../x', target: '/d' }] }), 400, 'invalid_body'],
      [spec({ secrets: [{ name: `${P}-cred`, target: '../../etc/passwd' }] }), 400, 'invalid_body'],
    ];
    for (const [body, status, code] of refused) {
      expectProblem(assert, await server.api('POST', svc(), as(A, { body })), status, code);
    }
    // Another team's secret is as missing as one that does not exist.
    expectProblem(assert, await server.api('POST', svc(), as(B, { body: spec({ name: `${P}-b`, secrets: [{ name: `${P}-cred` }] }) })), 404, 'secret_not_found');
    const onEngine = (await engine.ok('GET', '/services')).json;
    assert.ok(!onEngine.some((s) => s.Spec.Name.startsWith(P)), 'no service was created');
  });

  test('a developer creates a service: labelled, on the team overlay, with its secret and config', async () => {
    const created = await server.api('POST', svc(), as(A, {
      body: spec({
        secrets: [{ name: `${P}-cred`, target: 'db-password' }],
        configs: [{ name: `${P}-cred`, target: '/etc/app.conf' }],
      }),
    }));
    expectStatus(assert, created, 201);
    assert.equal(created.json.name, `${P}-web`);
    assert.equal(created.json.team, A.teamId);
    assert.equal(created.json.mode, 'replicated');
    assert.equal(created.json.spec.replicas, 2);
    assert.deepEqual(created.json.spec.env, { GREETING: 'one' });
    assert.deepEqual(created.json.ports, []);
    assert.deepEqual(created.json.spec.secrets, [{ name: `${P}-cred`, target: 'db-password' }]);
    assert.deepEqual(created.json.spec.networks, [`dokkerr-team-${A.teamId}-swarm`]);

    const inspect = (await engine.ok('GET', `/services/${P}-web`)).json;
    assert.equal(inspect.Spec.Labels['io.dokkerr.team'], A.teamId);
    assert.equal(inspect.Spec.TaskTemplate.ContainerSpec.Labels['io.dokkerr.team'], A.teamId);
    assert.ok(inspect.Spec.TaskTemplate.Resources.Limits.Pids > 0, 'the pids cap of the policy');
    assert.deepEqual(inspect.Spec.TaskTemplate.ContainerSpec.Healthcheck, { Test: ['CMD', 'true'], Interval: 1e9, Retries: 2 });
    const overlay = (await engine.ok('GET', `/networks/dokkerr-team-${A.teamId}-swarm`)).json;
    assert.equal(overlay.Driver, 'overlay');
    assert.equal(overlay.Labels['io.dokkerr.team'], A.teamId);

    const running = await waitRunning(`${P}-web`, 2, 'two running tasks');
    assert.equal(running.update_status, null);
    const tasks = await server.api('GET', svc(`/${P}-web/tasks`), as(A));
    expectStatus(assert, tasks, 200);
    const live = tasks.json.items.filter((t) => t.state === 'running');
    assert.equal(live.length, 2);
    const node = (await engine.ok('GET', '/info')).json;
    for (const task of live) {
      assert.equal(task.node_id, node.Swarm.NodeID);
      assert.equal(task.node, node.Name);
      assert.ok([1, 2].includes(task.slot));
    }
    // The task reads the secret's value from its file; the engine made the mount, not Dokkerr.
    const { stdout } = await execFileP('docker', ['-H', engine.dockerHost, 'exec', live[0].container_id, 'cat', '/run/secrets/db-password']);
    assert.equal(stdout, SECRET_VALUE);
    const conf = await execFileP('docker', ['-H', engine.dockerHost, 'exec', live[0].container_id, 'cat', '/etc/app.conf']);
    assert.equal(conf.stdout, CONFIG_VALUE);
    // The tasks' containers are the team's containers.
    const containers = await server.api('GET', envPath('containers?all=1'), as(A));
    assert.ok(live.every((t) => containers.json.items.some((c) => c.Id === t.container_id)));
  });

  test("a developer's port is published on the node, not through the shared ingress mesh", async () => {
    const body = spec({
      name: `${P}-port`,
      replicas: 1,
      command: ['sh', '-c', 'echo hello-from-$((40 + 2)); sleep 600'],
      ports: [{ target: 8080, published: 18080 }],
    });
    const created = await server.api('POST', svc(), as(A, { body }));
    expectStatus(assert, created, 201);
    assert.deepEqual(created.json.ports, [{ target: 8080, protocol: 'tcp', mode: 'host', published: 18080 }]);
    const onEngine = (await engine.ok('GET', `/services/${P}-port`)).json;
    assert.deepEqual(onEngine.Spec.EndpointSpec.Ports, [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 18080, PublishMode: 'host' }]);
    // The service's log: every task's, merged by the engine; another team's is as missing.
    const logs = await waitFor(async () => {
      const res = await server.api('GET', svc(`/${P}-port/logs?tail=10`), as(A));
      expectStatus(assert, res, 200);
      return res.json.items.some((e) => e.data.includes('hello-from-42')) ? res.json : null;
    }, 60_000, { intervalMs: 500, what: "the task's output in the service log" });
    assert.equal(logs.truncated, false);
    expectProblem(assert, await server.api('GET', svc(`/${P}-port/logs`), as(B)), 404, 'service_not_found');
    expectStatus(assert, await server.api('DELETE', svc(`/${P}-port`), as(A)), 204);
  });

  test("another team neither sees nor touches it", async () => {
    const theirs = await server.api('GET', svc(), as(B));
    expectStatus(assert, theirs, 200);
    assert.ok(!theirs.json.items.some((s) => s.name === `${P}-web`));
    const mine = await server.api('GET', svc(), as(A));
    assert.ok(mine.json.items.some((s) => s.name === `${P}-web`));
    expectProblem(assert, await server.api('GET', svc(`/${P}-web`), as(B)), 404, 'service_not_found');
    expectProblem(assert, await server.api('GET', svc(`/${P}-web/tasks`), as(B)), 404, 'service_not_found');
    expectProblem(assert, await server.api('POST', svc(`/${P}-web/scale`), as(B, { body: { replicas: 0 } })), 404, 'service_not_found');
    expectProblem(assert, await server.api('PUT', svc(`/${P}-web`), as(B, { body: spec() })), 404, 'service_not_found');
    expectProblem(assert, await server.api('DELETE', svc(`/${P}-web`), as(B)), 404, 'service_not_found');
    expectProblem(assert, await server.api('DELETE', envPath(`secrets/${P}-cred`), as(A)), 409, 'secret_in_use');
  });

  test('scale up, then a rolling update, then a rollback', async () => {
    expectProblem(assert, await server.api('POST', svc(`/${P}-web/rollback`), as(A)), 409, 'no_previous_spec');
    const scaled = await server.api('POST', svc(`/${P}-web/scale`), as(A, { body: { replicas: 3 } }));
    expectStatus(assert, scaled, 200);
    assert.equal(scaled.json.spec.replicas, 3);
    expectProblem(assert, await server.api('POST', svc(`/${P}-web/scale`), as(A, { body: { replicas: -1 } })), 400, 'invalid_body');
    await waitRunning(`${P}-web`, 3, 'three running tasks');

    // The update replaces the tasks one at a time with the new environment.
    const current = await service(A, `${P}-web`);
    const changed = { ...current.spec, env: { GREETING: 'two' } };
    const updated = await server.api('PUT', svc(`/${P}-web`), as(A, { body: changed }));
    expectStatus(assert, updated, 200);
    assert.deepEqual(updated.json.spec.env, { GREETING: 'two' });
    assert.deepEqual(updated.json.previous_spec.env, { GREETING: 'one' });
    await waitUpdate(`${P}-web`, 'completed');
    await waitRunning(`${P}-web`, 3, 'three updated tasks');
    for (const id of await runningContainers(`${P}-web`)) {
      const c = await engine.inspectContainer(id);
      assert.ok(c.Config.Env.includes('GREETING=two'), 'every running task has the new environment');
    }
    // The update may not smuggle what the create could not, nor rename.
    expectProblem(assert, await server.api('PUT', svc(`/${P}-web`), as(A, { body: { ...changed, mounts: [{ type: 'bind', source: '/', target: '/host' }] } })), 403, 'policy_denied');
    expectProblem(assert, await server.api('PUT', svc(`/${P}-web`), as(A, { body: { ...changed, name: `${P}-other` } })), 400, 'invalid_body');

    const rolled = await server.api('POST', svc(`/${P}-web/rollback`), as(A));
    expectStatus(assert, rolled, 200);
    await waitUpdate(`${P}-web`, 'rollback_completed');
    const back = await waitRunning(`${P}-web`, 3, 'three rolled-back tasks');
    assert.deepEqual(back.spec.env, { GREETING: 'one' });
    await waitFor(async () => {
      const ids = await runningContainers(`${P}-web`);
      const envs = await Promise.all(ids.map(async (id) => (await engine.inspectContainer(id))?.Config.Env ?? []));
      return ids.length === 3 && envs.every((e) => e.includes('GREETING=one'));
    }, 60_000, { intervalMs: 500, what: 'the old environment in every task' });
  });

  test('nodes: listed for members, drained and reactivated by an admin', async () => {
    const listed = await server.api('GET', envPath('swarm/nodes'), as(A));
    expectStatus(assert, listed, 200);
    assert.equal(listed.json.items.length, 1);
    const node = listed.json.items[0];
    assert.equal(node.role, 'manager');
    assert.equal(node.leader, true);
    assert.equal(node.availability, 'active');
    assert.equal(node.state, 'ready');
    expectProblem(assert, await server.api('PUT', envPath(`swarm/nodes/${node.id}/availability`), as(A, { body: { availability: 'drain' } })), 403, 'permission_denied');
    expectProblem(assert, await server.api('PUT', envPath(`swarm/nodes/${node.id}/availability`), { body: { availability: 'gone' } }), 400, 'invalid_body');

    const drained = await server.api('PUT', envPath(`swarm/nodes/${node.id}/availability`), { body: { availability: 'drain' } });
    expectStatus(assert, drained, 200);
    assert.equal(drained.json.availability, 'drain');
    // Nowhere else to go: the tasks stop and wait for a node.
    await waitFor(async () => (await service(A, `${P}-web`)).replicas.running === 0, 60_000, { intervalMs: 500, what: 'the tasks to leave the drained node' });
    const active = await server.api('PUT', envPath(`swarm/nodes/${node.id}/availability`), { body: { availability: 'active' } });
    expectStatus(assert, active, 200);
    assert.equal(active.json.availability, 'active');
    await waitRunning(`${P}-web`, 3, 'the tasks back on the node');
  });

  test('a Compose file deployed as a Swarm stack, updated in place, seen by the docker CLI, removed', async () => {
    const stack = `${P}-shop`.toLowerCase();
    const compose = (greeting) => `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "600"]
    environment: {GREETING: ${greeting}}
    healthcheck: {test: ["CMD", "true"], interval: 1s}
    deploy:
      replicas: 2
      update_config: {parallelism: 2, delay: 0s, monitor: 1s}
  worker:
    image: ${TEST_IMAGE}
    command: ["sleep", "600"]
    deploy: {labels: {tier: back}}
`;
    const put = (body, tenant = A) => server.api('PUT', envPath(`swarm/stacks/${stack}`), as(tenant, { body }));
    const deployed = await put({ compose: compose('one') });
    expectStatus(assert, deployed, 200);
    assert.deepEqual(deployed.json.services.map((s) => s.name).sort(), [`${stack}_web`, `${stack}_worker`]);
    assert.ok(deployed.json.services.every((s) => s.team === A.teamId));
    const web = deployed.json.services.find((s) => s.name === `${stack}_web`);
    assert.deepEqual(web.spec.networks, [{ name: `${stack}_default`, aliases: ['web'] }]);
    assert.deepEqual(web.spec.healthcheck, { test: ['CMD', 'true'], interval_seconds: 1 });
    await waitRunning(`${stack}_web`, 2, 'the stack web tasks');
    await waitRunning(`${stack}_worker`, 1, 'the stack worker task');
    const network = (await engine.ok('GET', `/networks/${stack}_default`)).json;
    assert.equal(network.Driver, 'overlay');
    assert.equal(network.Labels['com.docker.stack.namespace'], stack);
    assert.equal(network.Labels['io.dokkerr.team'], A.teamId);

    // The docker CLI sees it as one of its own stacks.
    const { stdout } = await execFileP('docker', ['-H', engine.dockerHost, 'stack', 'ls', '--format', '{{.Name}} {{.Services}}']);
    assert.ok(stdout.split('\n').includes(`${stack} 2`), stdout);
    const listed = await server.api('GET', envPath('swarm/stacks'), as(A));
    expectStatus(assert, listed, 200);
    assert.deepEqual(listed.json.items.find((x) => x.name === stack), { name: stack, team: A.teamId, services: 2, running: 3, desired: 3 });
    assert.ok(!(await server.api('GET', envPath('swarm/stacks'), as(B))).json.items.some((x) => x.name === stack));

    // Another team can neither take the name over nor remove it.
    expectProblem(assert, await put({ compose: compose('one') }, B), 409, 'swarm_stack_taken');
    expectProblem(assert, await server.api('DELETE', envPath(`swarm/stacks/${stack}`), as(B)), 404, 'stack_not_found');
    // A stack can smuggle nothing a service could not: checked before anything changes.
    const bind = `services:\n  web:\n    image: ${TEST_IMAGE}\n    volumes: ["/etc:/host-etc"]\n`;
    expectProblem(assert, await put({ compose: bind }), 403, 'policy_denied');
    expectProblem(assert, await put({ compose: `services:\n  web:\n    image: ${TEST_IMAGE}\n    privileged: true\n` }), 400, 'invalid_compose');
    expectProblem(assert, await put({ compose: compose('one'), extra: 1 }), 400, 'unknown_field');

    // Only the changed service's tasks are replaced.
    const workerBefore = await runningContainers(`${stack}_worker`);
    const updated = await put({ compose: compose('two') });
    expectStatus(assert, updated, 200);
    await waitFor(async () => {
      const ids = await runningContainers(`${stack}_web`);
      const envs = await Promise.all(ids.map(async (id) => (await engine.inspectContainer(id))?.Config.Env ?? []));
      return ids.length === 2 && envs.every((e) => e.includes('GREETING=two'));
    }, 90_000, { intervalMs: 500, what: 'the web tasks with the new environment' });
    assert.deepEqual(await runningContainers(`${stack}_worker`), workerBefore, 'the unchanged service kept its task');

    // A service the file no longer names goes.
    const webOnly = compose('two').split('  worker:')[0];
    expectStatus(assert, await put({ compose: webOnly }), 200);
    expectProblem(assert, await server.api('GET', svc(`/${stack}_worker`), as(A)), 404, 'service_not_found');

    expectStatus(assert, await server.api('DELETE', envPath(`swarm/stacks/${stack}`), as(A)), 204);
    expectProblem(assert, await server.api('GET', svc(`/${stack}_web`), as(A)), 404, 'service_not_found');
    // The manager removed it from the swarm; the node lets its own copy go once the tasks are down.
    await waitFor(async () => (await engine.call('GET', `/networks/${stack}_default`)).status === 404, 30_000, {
      intervalMs: 500,
      what: 'the stack network to be gone',
    });
    expectProblem(assert, await server.api('DELETE', envPath(`swarm/stacks/${stack}`), as(A)), 404, 'stack_not_found');
  });

  test('remove the service, then its secret and config', async () => {
    expectStatus(assert, await server.api('DELETE', svc(`/${P}-web`), as(A)), 204);
    expectProblem(assert, await server.api('GET', svc(`/${P}-web`), as(A)), 404, 'service_not_found');
    // The engine frees the secret once the tasks are gone.
    await waitFor(async () => (await server.api('DELETE', envPath(`secrets/${P}-cred`), as(A))).status === 204, 30_000, {
      intervalMs: 500,
      what: 'the secret to be free',
    });
    await waitFor(async () => (await server.api('DELETE', envPath(`configs/${P}-cred`), as(A))).status === 204, 30_000, {
      intervalMs: 500,
      what: 'the config to be free',
    });
    assert.equal((await server.api('GET', envPath('secrets'), as(A))).json.items.length, 0);
  });
});
