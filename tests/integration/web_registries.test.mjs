// Stored registries in the web UI end to end, in Debian's Chromium (headless, playwright-core)
// against a real server and the test registry that asks for a login (DOKKERR_TEST_REGISTRY_AUTH,
// with DOKKERR_TEST_REGISTRY_AUTH_USER and DOKKERR_TEST_REGISTRY_AUTH_PASSWORD; skipped without
// it): an admin stores the registry from the form for every team of an organization, over plain
// HTTP, tests the connection and sees it succeed, browses the repositories (whatever the registry
// holds: an empty catalog is fine) and deletes it after a confirmation. A wrong stored password
// fails the test with the server's problem and its code. Every page must run without a
// Content-Security-Policy violation or a script error, and the registry pages pass the WCAG 2.1
// AA rules axe checks in both themes. Screenshots go to build/test-artifacts/web/<backend>/
// (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { startServer, uniquePrefix } from './lib/harness.mjs';

const REGISTRY = process.env.DOKKERR_TEST_REGISTRY_AUTH;
const REGISTRY_USER = process.env.DOKKERR_TEST_REGISTRY_AUTH_USER ?? '';
const REGISTRY_PASSWORD = process.env.DOKKERR_TEST_REGISTRY_AUTH_PASSWORD ?? '';
const P = uniquePrefix();
const ORG = `${P}-org`;
const NAME = `${P}-registry`;
// A check and a catalog page ask the registry itself.
const REGISTRY_MS = 60_000;

let server;
let browser;
let orgId;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

/** Stores a registry through the API, for every team of the test organization. */
async function storeRegistry(name, password) {
  const made = await server.api('POST', '/api/v1/registries', {
    body: { name, address: REGISTRY, organization_id: orgId, username: REGISTRY_USER, password, insecure: true },
  });
  assert.equal(made.status, 201, made.text);
  return made.json;
}

/** Waits until the open page has nothing left loading. */
async function settled(page) {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: REGISTRY_MS }).catch(() => {});
}

/** Lists the repositories of the open registry page: a list, or the word that there are none. */
async function browseRepositories(page, name) {
  await page.getByRole('button', { name: /^(Browse|Reload) repositories$/ }).click();
  await page
    .getByRole('list', { name: `Repositories in ${name}` })
    .or(page.getByText('The registry lists no repositories.'))
    .waitFor({ timeout: REGISTRY_MS });
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Could not list the repositories' }).count(), 0, 'the catalog was read');
}

before(async () => {
  if (!REGISTRY) return;
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  server = await startServer({ args: ['--web-dir', WEB_DIST, '--allowed-registry', REGISTRY] });
  const org = await server.api('POST', '/api/v1/organizations', { body: { name: ORG } });
  assert.equal(org.status, 201, org.text);
  orgId = org.json.id;
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
    // The registries live in the server's database only, which goes with it.
    if (server) await server.stop();
  }
});

describe('stored registries in the web UI', { skip: !REGISTRY && 'DOKKERR_TEST_REGISTRY_AUTH is not set', timeout: 300_000 }, () => {
  test('store from the form, test the connection, browse, delete', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Registries' }).click();
    await page.getByRole('heading', { name: 'Registries', level: 1 }).waitFor();

    // Create: every team of the organization, with the login, over plain HTTP.
    await page.getByRole('link', { name: 'New registry' }).click();
    await page.getByRole('heading', { name: 'New registry', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByLabel('Address', { exact: true }).fill(REGISTRY);
    await page.getByLabel('Scope', { exact: true }).locator('option', { hasText: `Every team of ${ORG}` }).waitFor({ state: 'attached' });
    await page.getByLabel('Scope', { exact: true }).selectOption({ label: `Every team of ${ORG}` });
    await page.getByLabel('Username', { exact: true }).fill(REGISTRY_USER);
    const password = page.getByLabel('Password', { exact: true });
    assert.equal(await password.getAttribute('type'), 'password');
    assert.equal(await password.getAttribute('autocomplete'), 'new-password');
    await password.fill(REGISTRY_PASSWORD);
    await page.getByLabel('Plain HTTP (no TLS)').check();
    await shot(page, 'registry-new');
    await page.getByRole('button', { name: 'Save registry' }).click();

    // The registry's page follows.
    await page.getByRole('heading', { name: `Registry ${NAME}`, level: 1 }).waitFor();
    await page.locator('.detail-head .badge').filter({ hasText: /^plain HTTP$/ }).waitFor();
    await page.getByText('Stored (never shown)').waitFor();
    assert.equal(await page.getByText(REGISTRY_PASSWORD, { exact: true }).count(), 0, 'the password is not shown');

    // Test connection: the registry answers and takes the stored login.
    const actions = page.getByRole('group', { name: `Actions for ${NAME}` });
    await actions.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('status').filter({ hasText: 'answered and accepted the stored login.' }).waitFor({ timeout: REGISTRY_MS });
    assert.equal(await page.getByRole('alert').count(), 0, 'no problem shown');

    // Browse: the catalog shows, empty or not.
    await browseRepositories(page, NAME);
    await shot(page, 'registry-view');

    // The list has it, with its scope and the plain HTTP badge.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Registries' }).click();
    await page.getByRole('heading', { name: 'Registries', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
    await row.waitFor();
    await row.getByText(`Every team of ${ORG}`).waitFor();
    assert.match(await row.textContent(), /plain HTTP/);
    assert.match(await row.textContent(), new RegExp(REGISTRY_USER.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await shot(page, 'registries');

    // Delete after a confirmation; the list no longer has it.
    await row.getByRole('link', { name: NAME }).click();
    await page.getByRole('heading', { name: `Registry ${NAME}`, level: 1 }).waitFor();
    await page.getByRole('group', { name: `Actions for ${NAME}` }).getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: `Delete the registry ${NAME}?` });
    await remove.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Registries', level: 1 }).waitFor();
    await page.getByText(`Removed the registry ${NAME}.`).waitFor();
    await settled(page);
    assert.equal(await page.getByRole('rowheader', { name: NAME }).count(), 0);
    const left = await server.api('GET', '/api/v1/registries');
    assert.equal(left.status, 200, left.text);
    assert.deepEqual(
      left.json.items.filter((r) => r.name === NAME),
      [],
      'the registry is gone',
    );
    clean(watch);
  });

  test('a wrong stored password fails the test with the problem and its code', async () => {
    const stored = await storeRegistry(`${P}-wrong`, `${REGISTRY_PASSWORD}-not`);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, `/registries/view?id=${encodeURIComponent(stored.id)}`, `Registry ${P}-wrong`);
    await page.getByRole('group', { name: `Actions for ${P}-wrong` }).getByRole('button', { name: 'Test connection' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'The connection test failed' });
    await problem.waitFor({ timeout: REGISTRY_MS });
    assert.match(await problem.textContent(), /registry_auth_failed/);
    await shot(page, 'registry-auth-failed');
    assert.equal((await server.api('DELETE', `/api/v1/registries/${encodeURIComponent(stored.id)}`)).status, 204);
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the registry pages in either theme', async () => {
    const stored = await storeRegistry(NAME, REGISTRY_PASSWORD);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        ['/registries', 'Registries'],
        ['/registries/new', 'New registry'],
        [`/registries/view?id=${encodeURIComponent(stored.id)}`, `Registry ${NAME}`],
      ]) {
        await go(page, hash, heading);
        await settled(page);
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
      // The registry's page with its catalog and the outcome of a connection test.
      await page.getByRole('group', { name: `Actions for ${NAME}` }).getByRole('button', { name: 'Test connection' }).click();
      await page.getByRole('status').filter({ hasText: 'answered and accepted the stored login.' }).waitFor({ timeout: REGISTRY_MS });
      await browseRepositories(page, NAME);
      for (const line of await accessibilityViolations(page)) found.push(`${theme} browse: ${line}`);
      // The edit dialog.
      await page.getByRole('group', { name: `Actions for ${NAME}` }).getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('dialog', { name: `Edit ${NAME}` }).waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} edit: ${line}`);
      await page.getByRole('dialog', { name: `Edit ${NAME}` }).getByRole('button', { name: 'Cancel' }).click();
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    await shot(page, 'registry-dark');
    assert.equal((await server.api('DELETE', `/api/v1/registries/${encodeURIComponent(stored.id)}`)).status, 204);
    clean(watch);
  });
});
