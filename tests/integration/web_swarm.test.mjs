// Swarm in the web UI end to end, in Debian's Chromium (headless, playwright-core) against a real
// server whose environment is a single-node swarm: a private engine in a network namespace of its
// own (dockerd.sh start-netns swarm-web), initialized as a swarm manager here. An admin opens
// Swarm → Services, creates a service of the test image running `sleep 600` from the form, sees
// its one task run (1/1) and its Logs tab read its (empty) log, scales it to two and sees 2/2, opens Nodes and finds the node with its
// Drain action, and stores a secret that is listed without its value (which the page, the API
// and the list never show). It then deploys a stack from a Compose file of one service, sees it
// listed with its task running (1/1), opens it to find its service, and removes it. Every page must run without a Content-Security-Policy violation or a
// script error, and the Swarm pages pass the WCAG 2.1 AA rules axe checks in both themes.
// Screenshots go to build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { Engine, TEST_IMAGE, envPath, startServer, testenv, testenvRunning, uniquePrefix } from './lib/harness.mjs';

const ENGINE_NAME = 'swarm-web';
const P = uniquePrefix();
const SERVICE = `${P}-web`;
const SECRET = `${P}-token`;
const SECRET_VALUE = `swarm secret ${P}`;
const STACK = `${P}-shop`;
// The stack's one service, as the server names it: <stack>_<service>.
const STACK_SERVICE = `${STACK}_app`;
const STACK_COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    command: ["sleep", "600"]
    deploy:
      replicas: 1
`;
const STACK_LABEL = 'com.docker.stack.namespace';
// A create waits on the managers; tasks start once the engine has scheduled them.
const CREATE_MS = 60_000;
const CONVERGE_MS = 90_000;

let engine;
let server;
let browser;
let nodeName;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Waits until the open page has nothing left loading. */
async function settled(page) {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: 20_000 }).catch(() => {});
}

/** Waits until the open service page says `running/desired` tasks, as the page follows the service. */
async function tasksShown(page, text) {
  await page.locator('.facts .replicas').filter({ hasText: new RegExp(`^${escape(text)}$`) }).waitFor({ timeout: CONVERGE_MS });
}

/** Opens a Swarm section from the page's own navigation. */
async function openSection(page, label) {
  await page.getByRole('navigation', { name: 'Swarm' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { name: label, level: 1 }).waitFor();
}

/** Clicks Refresh on the open list until the row of `name` shows `tasks` (running/desired), as a person would. */
async function listedWith(page, name, tasks) {
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  const deadline = Date.now() + CONVERGE_MS;
  for (;;) {
    await settled(page);
    if ((await row.count()) === 1 && (await row.locator('.replicas').textContent()) === tasks) return row;
    if (Date.now() > deadline) assert.fail(`the row of ${name} never showed ${tasks}: ${(await row.count()) ? await row.textContent() : 'no row'}`);
    await page.waitForTimeout(1000);
    await page.getByRole('search').getByRole('button', { name: 'Refresh' }).click();
  }
}

/** The engine's services of stack `name`, found by the label a stack deploy gives them. */
async function engineStackServices(name) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${STACK_LABEL}=${name}`] }));
  return (await engine.ok('GET', `/services?filters=${filters}`)).json;
}

/** Makes a service through the API, as the admin. */
async function storeService(name, replicas = 1) {
  const made = await server.api('POST', envPath('services'), {
    body: { name, image: TEST_IMAGE, command: ['sleep', '600'], replicas },
    timeoutMs: CREATE_MS,
  });
  assert.equal(made.status, 201, made.text);
  return made.json;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  if (await testenvRunning(ENGINE_NAME)) await testenv('stop', ENGINE_NAME); // left by an aborted run
  const env = await testenv('start-netns', ENGINE_NAME);
  engine = new Engine(env.DOCKER_HOST);
  await engine.call('POST', '/swarm/leave?force=1'); // the engine's data root outlives a stop
  await engine.ok('POST', '/swarm/init', {
    body: { ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1', DefaultAddrPool: ['198.19.128.0/17'], SubnetSize: 24 },
  });
  nodeName = (await engine.ok('GET', '/info')).json.Name;
  server = await startServer({ dockerHost: env.DOCKER_HOST, args: ['--web-dir', WEB_DIST] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  try {
    if (browser) await browser.close();
  } finally {
    try {
      // Leaving the swarm removes its services, tasks, secrets and overlay networks with it.
      if (engine && (await testenvRunning(ENGINE_NAME))) await engine.call('POST', '/swarm/leave?force=1');
      if (server) await server.stop();
    } finally {
      await testenv('stop', ENGINE_NAME);
    }
  }
});

describe('Swarm in the web UI', { timeout: 480_000 }, () => {
  test('create a service from the form, watch it run, scale it, see the node, store a secret', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Swarm' }).click();
    await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
    await page.locator('.swarm-summary').filter({ hasText: 'Swarm active · 1 node, 1 manager' }).waitFor();
    assert.equal(await page.getByText('This environment is not a Swarm manager').count(), 0);

    // Create: the test image running `sleep 600`, one replica, no team.
    await page.getByRole('link', { name: 'New service' }).click();
    await page.getByRole('heading', { name: 'New service', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(SERVICE);
    await page.getByLabel('Image', { exact: true }).fill(TEST_IMAGE);
    await page.getByLabel('Command', { exact: true }).fill('sleep 600');
    await page.getByLabel('Replicas', { exact: true }).fill('1');
    await settled(page);
    await shot(page, 'swarm-service-new');
    await page.getByRole('button', { name: 'Create service' }).click();

    // The service's page follows, and keeps reading it until its task runs.
    await page.getByRole('heading', { name: `Service ${SERVICE}`, level: 1 }).waitFor({ timeout: CREATE_MS });
    await tasksShown(page, '1/1');
    const tasks = page.getByRole('table', { name: `Tasks of ${SERVICE}` });
    await tasks.locator('.state-running').first().waitFor({ timeout: CONVERGE_MS });
    assert.match(await tasks.textContent(), new RegExp(escape(nodeName)), 'the task names its node');
    assert.equal(await page.getByRole('alert').count(), 0, 'no problem shown');
    const inspect = (await engine.ok('GET', `/services/${encodeURIComponent(SERVICE)}`)).json;
    assert.deepEqual(inspect.Spec.TaskTemplate.ContainerSpec.Command, ['sleep', '600']);
    assert.equal(inspect.Spec.Mode.Replicated.Replicas, 1);
    // Nothing to roll back to yet.
    assert.equal(await page.getByRole('group', { name: `Actions for ${SERVICE}` }).getByRole('button', { name: 'Roll back' }).isDisabled(), true);
    await shot(page, 'swarm-service');

    // Logs: `sleep 600` prints nothing, so the view is there with nothing in it.
    await page.getByRole('tab', { name: 'Logs', exact: true }).click();
    const log = page.getByRole('log', { name: `Log of ${SERVICE}` });
    await log.waitFor();
    await page.getByRole('status').filter({ hasText: "The service's tasks have logged nothing." }).waitFor();
    assert.equal(await log.locator('.log-line').count(), 0);
    assert.equal(await page.getByRole('alert').count(), 0, 'the log was read');
    await shot(page, 'swarm-service-logs');
    await page.getByRole('tab', { name: 'Tasks', exact: true }).click();
    await tasks.waitFor();

    // Scale to two: the page follows the second task until it runs.
    const scale = page.getByRole('form', { name: `Scale ${SERVICE}` });
    await scale.getByLabel('Replicas', { exact: true }).fill('2');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await page.getByRole('status').filter({ hasText: `Scaled ${SERVICE} to 2 replicas.` }).waitFor();
    await tasksShown(page, '2/2');
    assert.equal((await engine.ok('GET', `/services/${encodeURIComponent(SERVICE)}`)).json.Spec.Mode.Replicated.Replicas, 2);
    await shot(page, 'swarm-service-scaled');

    // The list has it, 2/2.
    await page.getByRole('link', { name: 'All services' }).click();
    await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
    const listed = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: SERVICE }) });
    await listed.waitFor();
    assert.match(await listed.textContent(), /replicated/);
    assert.match(await listed.textContent(), /2\/2/);
    assert.match(await listed.textContent(), new RegExp(escape(TEST_IMAGE)));
    await shot(page, 'swarm-services');

    // Nodes: the one node, its leader mark, and Drain for the admin (not clicked: the tasks would stop).
    await openSection(page, 'Nodes');
    const node = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${escape(nodeName)}`) }) });
    await node.waitFor();
    const nodeText = await node.textContent();
    assert.match(nodeText, /manager/);
    assert.match(nodeText, /leader/);
    assert.match(nodeText, /ready/);
    assert.match(nodeText, /active/);
    await node.getByRole('group', { name: `Actions for ${nodeName}` }).getByRole('button', { name: 'Drain' }).waitFor();
    await shot(page, 'swarm-nodes');

    // Secrets: stored from the dialog, listed without the value, which is never shown again.
    await openSection(page, 'Secrets & configs');
    await page.getByRole('tab', { name: 'Secrets', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a secret' });
    await dialog.getByLabel('Name', { exact: true }).fill(SECRET);
    await dialog.getByLabel('Value', { exact: true }).fill(SECRET_VALUE);
    await dialog.getByText('never shown again').waitFor();
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Created the secret ${SECRET}. Its value is not shown again.` }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0, 'the dialog, and the value in it, are gone');
    await page.getByRole('rowheader', { name: SECRET }).waitFor();
    await settled(page);
    assert.equal(await page.getByText(SECRET_VALUE).count(), 0, 'the value is not shown');
    const fieldsWithValue = await page.locator('input, textarea').evaluateAll((fields, value) => fields.filter((f) => f.value === value).length, SECRET_VALUE);
    assert.equal(fieldsWithValue, 0, 'no field holds the value');
    const secrets = await server.api('GET', envPath('secrets'));
    assert.equal(secrets.status, 200, secrets.text);
    assert.ok(secrets.json.items.some((s) => s.name === SECRET), 'the API lists it');
    assert.ok(!secrets.text.includes(SECRET_VALUE) && !secrets.text.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'the API never returns the value');
    await shot(page, 'swarm-secrets');
    clean(watch);
  });

  test('deploy a stack from a Compose file, see its task run, open it, remove it', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, '/swarm/services?env=local', 'Services');
    await openSection(page, 'Stacks');
    await page.getByRole('link', { name: 'Deploy stack' }).click();
    await page.getByRole('heading', { name: 'Deploy stack', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(STACK);
    await page.getByLabel('Compose file', { exact: true }).fill(STACK_COMPOSE);
    await settled(page);
    await shot(page, 'swarm-stack-new');
    await page.getByRole('button', { name: 'Deploy stack' }).click();

    // The stack's page follows the deploy.
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor({ timeout: CREATE_MS });
    await page.getByRole('status').filter({ hasText: `Deployed the stack ${STACK}.` }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no problem shown');
    const [made] = await engineStackServices(STACK);
    assert.ok(made, 'the engine has the stack\'s service');
    assert.equal(made.Spec.Name, STACK_SERVICE);
    assert.equal(made.Spec.Labels[STACK_LABEL], STACK);
    assert.equal(made.Spec.Mode.Replicated.Replicas, 1);
    const container = made.Spec.TaskTemplate.ContainerSpec;
    assert.ok([container.Command, container.Args].some((words) => JSON.stringify(words) === '["sleep","600"]'), 'the task runs sleep 600');

    // Listed, and its one task running once the engine has scheduled it.
    await page.getByRole('link', { name: 'All stacks' }).click();
    await page.getByRole('heading', { name: 'Stacks', level: 1 }).waitFor();
    const listed = await listedWith(page, STACK, '1/1');
    assert.match(await listed.textContent(), /1\/1/);
    await shot(page, 'swarm-stacks');

    // Its page lists its service, linking to the service's own page.
    await listed.getByRole('link', { name: STACK, exact: true }).click();
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor();
    const services = page.getByRole('table', { name: `Services of ${STACK}` });
    const service = services.getByRole('row').filter({ has: page.getByRole('rowheader', { name: STACK_SERVICE, exact: true }) });
    await service.waitFor();
    assert.match(await service.textContent(), new RegExp(escape(TEST_IMAGE)));
    await shot(page, 'swarm-stack');
    await service.getByRole('link', { name: STACK_SERVICE, exact: true }).click();
    await page.getByRole('heading', { name: `Service ${STACK_SERVICE}`, level: 1 }).waitFor();
    await tasksShown(page, '1/1');
    await page.locator('.facts').getByRole('link', { name: STACK, exact: true }).click();
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor();

    // The services list marks the service with its stack.
    await go(page, '/swarm/services?env=local', 'Services');
    await page.getByRole('row').filter({ has: page.getByRole('link', { name: STACK_SERVICE, exact: true }) }).getByRole('link', { name: `stack ${STACK}` }).waitFor();
    await shot(page, 'swarm-services-stack');
    await go(page, `/swarm/stacks/view?env=local&id=${encodeURIComponent(STACK)}`, `Stack ${STACK}`);

    // Remove, after the confirmation.
    await page.getByRole('group', { name: `Actions for ${STACK}` }).getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: `Remove the stack ${STACK}?` });
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('heading', { name: 'Stacks', level: 1 }).waitFor({ timeout: CREATE_MS });
    await page.getByRole('status').filter({ hasText: `Removed the stack ${STACK}.` }).waitFor();
    await settled(page);
    assert.equal(await page.getByRole('rowheader', { name: STACK, exact: true }).count(), 0, 'no longer listed');
    assert.deepEqual(await engineStackServices(STACK), [], 'the engine has none of its services');
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the Swarm pages in either theme', async () => {
    const name = `${P}-a11y`;
    const stored = await storeService(name);
    const stack = `${P}-a11y-stack`;
    const deployed = await server.api('PUT', envPath(`swarm/stacks/${stack}`), { body: { compose: STACK_COMPOSE }, timeoutMs: CREATE_MS });
    assert.equal(deployed.status, 200, deployed.text);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        ['/swarm/services?env=local', 'Services'],
        ['/swarm/services/new?env=local', 'New service'],
        [`/swarm/services/view?env=local&id=${encodeURIComponent(stored.id)}`, `Service ${name}`],
        ['/swarm/stacks?env=local', 'Stacks'],
        ['/swarm/stacks/new?env=local', 'Deploy stack'],
        [`/swarm/stacks/view?env=local&id=${stack}`, `Stack ${stack}`],
        [`/swarm/stacks/update?env=local&id=${stack}`, `Update stack ${stack}`],
        ['/swarm/nodes?env=local', 'Nodes'],
        ['/swarm/secrets?env=local', 'Secrets & configs'],
      ]) {
        await go(page, hash, heading);
        await settled(page);
        if (hash.startsWith('/swarm/services/view')) await tasksShown(page, '1/1');
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
      // The service's Edit tab: the service form filled from its spec.
      await go(page, `/swarm/services/view?env=local&id=${encodeURIComponent(stored.id)}&tab=edit`, `Service ${name}`);
      await page.getByRole('button', { name: 'Update service' }).waitFor();
      await settled(page);
      for (const line of await accessibilityViolations(page)) found.push(`${theme} edit: ${line}`);
      // The service's Logs tab, read.
      await go(page, `/swarm/services/view?env=local&id=${encodeURIComponent(stored.id)}&tab=logs`, `Service ${name}`);
      await page.getByRole('log', { name: `Log of ${name}` }).waitFor();
      await page.getByRole('status').filter({ hasText: "The service's tasks have logged nothing." }).waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} logs: ${line}`);
      // A refused deploy: the file's problem at the file.
      await go(page, '/swarm/stacks/new?env=local', 'Deploy stack');
      await page.getByLabel('Name', { exact: true }).fill(stack);
      await page.getByLabel('Compose file', { exact: true }).fill(`services:\n  app:\n    image: ${TEST_IMAGE}\n    privileged: true\n`);
      await page.getByRole('button', { name: 'Deploy stack' }).click();
      await page.getByRole('alert').filter({ hasText: 'privileged' }).waitFor({ timeout: CREATE_MS });
      for (const line of await accessibilityViolations(page)) found.push(`${theme} refused deploy: ${line}`);
      // The stack's remove confirmation (cancelled).
      await go(page, `/swarm/stacks/view?env=local&id=${stack}`, `Stack ${stack}`);
      await page.getByRole('group', { name: `Actions for ${stack}` }).getByRole('button', { name: 'Remove' }).click();
      const removal = page.getByRole('dialog', { name: `Remove the stack ${stack}?` });
      await removal.waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} remove stack: ${line}`);
      await removal.getByRole('button', { name: 'Cancel' }).click();
      // The drain confirmation (cancelled).
      await go(page, '/swarm/nodes?env=local', 'Nodes');
      await page.getByRole('group', { name: `Actions for ${nodeName}` }).getByRole('button', { name: 'Drain' }).click();
      const drain = page.getByRole('dialog', { name: `Drain ${nodeName}?` });
      await drain.waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} drain: ${line}`);
      await drain.getByRole('button', { name: 'Cancel' }).click();
      // The create-secret dialog.
      await go(page, '/swarm/secrets?env=local', 'Secrets & configs');
      await page.getByRole('button', { name: 'Create secret' }).click();
      const create = page.getByRole('dialog', { name: 'Create a secret' });
      await create.waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} create secret: ${line}`);
      await create.getByRole('button', { name: 'Cancel' }).click();
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    await shot(page, 'swarm-dark');
    const node = (await server.api('GET', envPath('swarm/nodes'))).json.items[0];
    assert.equal(node.availability, 'active', 'the drain was cancelled');
    assert.equal((await server.api('DELETE', envPath(`services/${encodeURIComponent(stored.id)}`))).status, 204);
    assert.equal((await server.api('DELETE', envPath(`swarm/stacks/${stack}`), { timeoutMs: CREATE_MS })).status, 204, 'the stack was not removed');
    clean(watch);
  });
});
