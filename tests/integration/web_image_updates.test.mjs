// Image updates in the web UI end to end, in Debian's Chromium (headless, playwright-core) against
// a real server and the private engine: an admin deploys a one-service stack through the API,
// opts it in to automatic redeploys from its page (the choice is kept: after a reload and through
// the API), sees it marked on the Stacks list, and checks the running images from the Images
// page's Updates tab, where the locally built test image is "Unknown" with the server's reason.
// The scheduled check is off (--image-update-interval 0), so nothing is checked before the click.
// Every page must run without a Content-Security-Policy violation or a script error, and the
// Updates tab and the stack page pass the WCAG 2.1 AA rules axe checks in both themes.
// Screenshots go to build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { Engine, TEST_IMAGE, envPath, startServer, uniquePrefix } from './lib/harness.mjs';

const P = uniquePrefix();
const STACK = `${P}-upd`;
// Deploys wait for the services: longer than a page's default wait.
const DEPLOY_MS = 120_000;
// A check asks the image's registry (Docker Hub for the test image's name), which may be slow to
// refuse or unreachable here.
const CHECK_MS = 180_000;
// The test image exists only in the engine (no registry has it): "pull_policy: never".
const COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    pull_policy: never
    command: sleep 600
`;
const AUTO_UPDATE = 'Redeploy automatically when an image update is found';

let server;
let engine;
let browser;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

/** Waits for the loading marks of the page to go, as far as they go within a few seconds. */
async function settled(page) {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--web-dir', WEB_DIST, '--image-update-interval', '0'] });
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
      // Whatever a failed run left: the stack (its containers and network go with it)…
      if (server) await server.api('DELETE', envPath(`stacks/${STACK}`), { timeoutMs: 60_000 }).catch(() => {});
    } finally {
      try {
        // …and anything else named with the prefix.
        if (engine) await engine.cleanup(P);
      } finally {
        if (server) await server.stop();
      }
    }
  }
});

describe('image updates in the web UI', { timeout: 600_000 }, () => {
  test('opt a stack in to automatic redeploys, check the running images, delete the stack', async () => {
    const made = await server.api('POST', envPath('stacks'), { body: { name: STACK, compose: COMPOSE }, timeoutMs: DEPLOY_MS });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.auto_update, false);
    assert.ok(Array.isArray(made.json.images), made.text);

    const { page, watch } = await openPage(browser);
    await signIn(page);

    // The stack page: the switch is off; ticking it asks the server, which keeps the choice.
    await go(page, `/stacks/view?env=local&name=${STACK}`, `Stack ${STACK}`);
    await page.locator('.detail-head .state').filter({ hasText: /^running$/ }).waitFor({ timeout: DEPLOY_MS });
    const toggle = page.getByLabel(AUTO_UPDATE);
    await toggle.waitFor();
    assert.equal(await toggle.isChecked(), false);
    assert.equal(await toggle.isEnabled(), true);
    await toggle.check();
    await page.getByText(`${STACK} is redeployed automatically when an image update is found.`).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no failure shown');
    const stored = await server.api('GET', envPath(`stacks/${STACK}`));
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.json.auto_update, true);
    // Away and back (a reload would sign the page out: the session lives in memory only).
    await go(page, '/stacks?env=local', 'Stacks');
    await go(page, `/stacks/view?env=local&name=${STACK}`, `Stack ${STACK}`);
    await page.locator('.detail-head .state').filter({ hasText: /^running$/ }).waitFor();
    assert.equal(await page.getByLabel(AUTO_UPDATE).isChecked(), true, 'the choice is kept after a reload');
    await shot(page, 'stack-auto-update');

    // The list marks the stack as redeployed automatically.
    await go(page, '/stacks?env=local', 'Stacks');
    const listed = page.getByRole('rowheader', { name: STACK }).locator('xpath=..');
    await listed.getByText('auto-update', { exact: true }).waitFor();

    // The Images page's Updates tab: nothing checked yet; Check now checks the running images.
    await go(page, '/images?env=local', 'Images');
    await page.getByRole('tab', { name: 'Updates' }).click();
    assert.equal(await page.getByRole('tab', { name: 'Updates' }).getAttribute('aria-selected'), 'true');
    assert.match(page.url(), /#\/images\?env=local&tab=updates$/);
    await page.getByText(/^Nothing has been checked yet\./).waitFor();
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByText(/^Checked \d+ images?: /).waitFor({ timeout: CHECK_MS });
    const table = page.getByRole('table', { name: 'Image updates in local' });
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: TEST_IMAGE, exact: true }) });
    await row.waitFor();
    // Built here, not pulled from a registry: the server cannot tell, and says why.
    await row.locator('.update-badge').filter({ hasText: /^Unknown$/ }).waitFor();
    const reason = (await row.locator('.update-error').textContent())?.trim() ?? '';
    assert.ok(reason.length > 0, 'the reason is shown');
    await page.getByText(/^Last checked /).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Check now' }).isEnabled(), true);
    assert.equal(await page.getByRole('alert').count(), 0, 'no failure shown');
    const results = await server.api('GET', envPath('image-updates'));
    assert.equal(results.status, 200, results.text);
    const result = results.json.items.find((u) => u.image === TEST_IMAGE);
    assert.ok(result, results.text);
    assert.equal(result.status, 'unknown');
    assert.equal(result.error, reason);
    await shot(page, 'image-updates');
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the Updates tab and the stack page in either theme', async () => {
    // The first test made the stack and the results; make them again when it ran alone or failed early.
    if ((await server.api('GET', envPath(`stacks/${STACK}`))).status === 404) {
      const made = await server.api('POST', envPath('stacks'), { body: { name: STACK, compose: COMPOSE }, timeoutMs: DEPLOY_MS });
      assert.equal(made.status, 201, made.text);
    }
    const checked = await server.api('POST', envPath('image-updates/check'), { timeoutMs: CHECK_MS });
    assert.equal(checked.status, 200, checked.text);

    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading, ready] of [
        ['/images?env=local&tab=updates', 'Images', () => page.getByRole('rowheader', { name: TEST_IMAGE, exact: true }).waitFor()],
        [`/stacks/view?env=local&name=${STACK}`, `Stack ${STACK}`, () => page.getByLabel(AUTO_UPDATE).waitFor()],
        ['/stacks?env=local', 'Stacks', () => page.getByRole('rowheader', { name: STACK }).waitFor()],
      ]) {
        await go(page, hash, heading);
        await ready();
        await settled(page);
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    await shot(page, 'image-updates-dark');

    // The end: the stack goes, and with it the opt-in.
    assert.equal((await server.api('DELETE', envPath(`stacks/${STACK}`), { timeoutMs: DEPLOY_MS })).status, 204);
    assert.equal((await server.api('GET', envPath(`stacks/${STACK}`))).status, 404);
    clean(watch);
  });
});
