// Compose stacks in the web UI end to end, in Debian's Chromium (headless, playwright-core)
// against a real server and the private engine: an admin deploys a one-service stack from the
// form, watches the engine's events for its container (created, started) while the deploy runs,
// and sees it running with its container and that list; edits the file, reviews the line diff and deploys
// version 2; rolls back to version 1 from the history (version 3); reads the logs; issues the
// stack's redeploy webhook, calls its URL without credentials and revokes it; pulls and
// redeploys from the page; deletes the stack with its volumes. A file with an impossible port is refused with the server's detail,
// which names the line. Every page must run without a Content-Security-Policy violation or a
// script error, and the stack pages pass the WCAG 2.1 AA rules axe checks in both themes.
// Screenshots go to build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { Engine, TEST_IMAGE, ensureEngine, envPath, releaseEngine, startServer, uniquePrefix } from './lib/harness.mjs';

const P = uniquePrefix();
const STACK = `${P}-web`;
// Deploys wait for the services: longer than a page's default wait.
const DEPLOY_MS = 120_000;
// The test image exists only in the engine (no registry has it): "pull_policy: never" lets a
// redeploy (the webhook's, or Pull and redeploy) skip the pull and keep the stack running.
const COMPOSE_V1 = `services:
  app:
    image: ${TEST_IMAGE}
    pull_policy: never
    command: sleep 600
    volumes:
      - data:/data
volumes:
  data:
`;
const COMPOSE_V2 = COMPOSE_V1.replace('    command: sleep 600\n', '    command: sleep 600\n    environment:\n      COLOR: blue\n');

let server;
let engine;
let browser;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

/** The header badge of the open stack page ("version 2") shows `version`. */
async function waitForVersion(page, version) {
  await page.locator('.detail-head .badge').filter({ hasText: new RegExp(`^version ${version}$`) }).waitFor({ timeout: DEPLOY_MS });
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  // The given engine, or the private test engine started for this file (and stopped after it).
  engine = new Engine(await ensureEngine());
  server = await startServer({ args: ['--web-dir', WEB_DIST] });
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
      // Whatever a failed run left: the stack (its containers, network and volume go with it)…
      if (server) await server.api('DELETE', envPath(`stacks/${STACK}?volumes=1`), { timeoutMs: 60_000 }).catch(() => {});
    } finally {
      try {
        // …and anything else named with the prefix.
        if (engine) await engine.cleanup(P);
      } finally {
        try {
          if (server) await server.stop();
        } finally {
          await releaseEngine();
        }
      }
    }
  }
});

describe('compose stacks in the web UI', { timeout: 400_000 }, () => {
  test('deploy from the form, edit with a reviewed diff, roll back, read the logs, delete', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stacks' }).click();
    await page.getByRole('heading', { name: 'Stacks', level: 1 }).waitFor();
    await page.getByLabel('Environment').selectOption('local');

    // Create: the form starts with an example file, replaced here.
    await page.getByRole('link', { name: 'New stack' }).click();
    await page.getByRole('heading', { name: 'New stack', level: 1 }).waitFor();
    assert.match(await page.getByLabel('Compose file').inputValue(), /^services:/);
    await page.getByLabel('Name', { exact: true }).fill(STACK);
    await page.getByLabel('Compose file').fill(COMPOSE_V1);
    await page.getByRole('button', { name: 'Deploy' }).click();
    // While the deploy runs (a service without a health check is watched for a few seconds before
    // the server answers), the engine's events for the stack's container show as they come.
    const progress = page.getByRole('log', { name: `Deploy progress of ${STACK}` });
    await progress.getByRole('listitem').filter({ hasText: /app-1 started$/ }).waitFor({ timeout: DEPLOY_MS });
    const during = await progress.getByRole('listitem').allTextContents();
    assert.ok(
      during.findIndex((t) => /^\d\d:\d\d:\d\d app-1 created$/.test(t)) >= 0 &&
        during.findIndex((t) => /app-1 created$/.test(t)) < during.findIndex((t) => /app-1 started$/.test(t)),
      `created, then started: ${JSON.stringify(during)}`,
    );
    // The deploy may end (and the stack's page open) at any moment now: the count is read from
    // whichever page shows it, the form or the stack's page that keeps the list.
    await page.getByText(/^(Finished: )?1 of 1 service started\.$/).first().waitFor();
    // The deploy answers once the service is up; the stack's page follows.
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor({ timeout: DEPLOY_MS });
    await page.locator('.detail-head .state').filter({ hasText: /^running$/ }).waitFor();
    await waitForVersion(page, 1);
    const containers = page.getByRole('table', { name: `Containers of ${STACK}` });
    const row = containers.getByRole('row').filter({ hasText: `${STACK}-app-1` });
    await row.waitFor();
    assert.match(await row.textContent(), /app/);
    assert.match(await row.textContent(), /running/);
    // The stack's page keeps the list of the deploy that made it, until hidden.
    await page.getByText('Finished: 1 of 1 service started.').waitFor();
    const kept = await progress.getByRole('listitem').allTextContents();
    assert.ok(kept.some((t) => /app-1 started$/.test(t)), JSON.stringify(kept));
    await shot(page, 'stack-running');
    const theme = page.locator('.shell-header').getByLabel('Theme');
    const chosenTheme = await theme.inputValue();
    const found = [];
    for (const name of ['light', 'dark']) {
      await theme.selectOption(name);
      for (const line of await accessibilityViolations(page)) found.push(`${name}: ${line}`);
    }
    assert.deepEqual(found, [], 'no accessibility violation with the deploy progress shown');
    await shot(page, 'stack-deploy-progress-dark');
    await theme.selectOption(chosenTheme);
    await page.getByRole('button', { name: 'Hide the deploy progress' }).click();
    assert.equal(await progress.count(), 0);

    // Edit: add an environment variable, review the diff, deploy → version 2.
    await page.getByRole('tab', { name: 'Edit' }).click();
    const editor = page.getByLabel('Compose file');
    assert.equal(await editor.inputValue(), COMPOSE_V1);
    await editor.fill(COMPOSE_V2);
    await page.getByRole('button', { name: 'Review changes' }).click();
    const diff = page.getByRole('list', { name: `Changes to the compose file of ${STACK}` });
    await diff.waitFor();
    const added = (await diff.locator('.diff-added').allTextContents()).map((t) => t.replace(/^\+Added: /, ''));
    assert.deepEqual(added, ['    environment:', '      COLOR: blue']);
    assert.equal(await diff.locator('.diff-removed').count(), 0);
    await page.getByText('0 lines removed, 2 added.').waitFor();
    await shot(page, 'stack-review');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    // A changed environment recreates the container: the old one goes, a new one starts.
    await progress.getByRole('listitem').filter({ hasText: /app-1 started$/ }).waitFor({ timeout: DEPLOY_MS });
    await waitForVersion(page, 2);
    await page.getByText(`Deployed version 2 of ${STACK}.`).waitFor();
    const edited = await progress.getByRole('listitem').allTextContents();
    assert.ok(edited.some((t) => /app-1 removed$/.test(t)), JSON.stringify(edited));
    assert.ok(edited.findIndex((t) => /app-1 removed$/.test(t)) < edited.findIndex((t) => /app-1 started$/.test(t)), JSON.stringify(edited));

    // History: both versions; roll back to 1 → version 3.
    await page.getByRole('tab', { name: 'History' }).click();
    const versions = page.getByRole('table', { name: `Versions of ${STACK}` });
    await versions.getByRole('rowheader', { name: 'Version 2' }).waitFor();
    await versions.getByRole('rowheader', { name: 'Version 1' }).waitFor();
    await versions.getByRole('button', { name: 'Roll back to this version (version 1)' }).click();
    const confirm = page.getByRole('dialog', { name: `Roll back ${STACK} to version 1?` });
    await confirm.locator('.diff-removed').filter({ hasText: 'COLOR: blue' }).waitFor();
    await confirm.getByRole('button', { name: 'Roll back' }).click();
    await waitForVersion(page, 3);
    await page.getByText(`Rolled back to version 1: ${STACK} is now at version 3.`).waitFor();
    // The rollback's events stay above the versions once its question has closed.
    await progress.getByRole('listitem').filter({ hasText: /app-1 started$/ }).waitFor();
    await versions.getByRole('rowheader', { name: 'Version 3' }).waitFor();
    await shot(page, 'stack-history');

    // Logs: the service filter lists the stack's service; Refresh reads again.
    await page.getByRole('tab', { name: 'Logs' }).click();
    const filter = page.getByLabel('Service', { exact: true });
    await filter.waitFor();
    assert.deepEqual(await filter.locator('option').allTextContents(), ['All services', 'app']);
    await filter.selectOption('app');
    await page.getByRole('button', { name: 'Refresh' }).last().click();
    await page.getByRole('log', { name: `Log of ${STACK}` }).waitFor();
    await page.getByRole('status').filter({ hasText: /lines? of app\.$/ }).waitFor();

    // Webhook: none yet; issue one, whose URL is shown once; call it without credentials.
    await page.getByRole('tab', { name: 'Webhook' }).click();
    await page.getByRole('heading', { name: 'Redeploy webhook', level: 2 }).waitFor();
    await page.getByText('This stack has no webhook.').waitFor();
    await page.getByRole('button', { name: 'Issue a webhook URL' }).click();
    const urlField = page.getByLabel('Webhook URL');
    await urlField.waitFor();
    assert.equal(await urlField.getAttribute('readonly'), '');
    await page.getByText('Copy the URL now: it will not be shown again.').waitFor();
    const hookUrl = await urlField.inputValue();
    assert.ok(hookUrl.startsWith(`${server.url}/api/v1/hooks/stacks/`), hookUrl);
    assert.match(hookUrl, /\/api\/v1\/hooks\/stacks\/dkh_[0-9a-f]{64}$/);
    await page.getByText(`curl -X POST ${hookUrl}`).waitFor();
    await page.getByText('never used').waitFor();
    await shot(page, 'stack-webhook');
    const fired = await fetch(hookUrl, { method: 'POST', signal: AbortSignal.timeout(DEPLOY_MS) });
    const firedText = await fired.text();
    assert.equal(fired.status, 200, firedText);
    assert.match(fired.headers.get('content-type') ?? '', /json/);
    const firedBody = JSON.parse(firedText);
    assert.equal(firedBody.stack, STACK);
    assert.equal(firedBody.status, 'running');
    // Revoke, after a question: the URL stops working.
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await urlField.count(), 0, 'the URL is not shown again');
    await page.getByRole('button', { name: 'Revoke' }).click();
    const revoke = page.getByRole('dialog', { name: `Revoke the webhook of ${STACK}?` });
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(`Revoked the webhook of ${STACK}: its URL no longer works.`).waitFor();
    await page.getByText('This stack has no webhook.').waitFor();
    const refused = await fetch(hookUrl, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    assert.equal(refused.status, 404);
    assert.equal((await refused.json()).code, 'hook_not_found');

    // Pull and redeploy: the button shows the pending state, then the stack is still running.
    const actions = page.getByRole('group', { name: `Actions for ${STACK}` });
    await actions.getByRole('button', { name: 'Pull and redeploy' }).click();
    await page.getByText(`Pulled and redeployed ${STACK}: running.`).waitFor({ timeout: DEPLOY_MS });
    await actions.getByRole('button', { name: 'Pull and redeploy' }).waitFor();
    await page.locator('.detail-head .state').filter({ hasText: /^running$/ }).waitFor();
    await waitForVersion(page, 3);
    await page.getByRole('tab', { name: 'Containers' }).click();
    const redeployedRow = page.getByRole('table', { name: `Containers of ${STACK}` }).getByRole('row').filter({ hasText: `${STACK}-app-1` });
    await redeployedRow.filter({ hasText: 'running' }).waitFor();

    // Delete, with the volumes, after a confirmation; the list no longer has it.
    await page.getByRole('group', { name: `Actions for ${STACK}` }).getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: `Delete the stack ${STACK}?` });
    await remove.getByLabel("Also remove the stack's volumes (and the data in them)").check();
    await remove.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Stacks', level: 1 }).waitFor({ timeout: DEPLOY_MS });
    await page.getByText(`Removed the stack ${STACK}.`).waitFor();
    await page.getByText('No stacks in this environment.').waitFor();
    assert.equal(await page.getByRole('rowheader', { name: STACK }).count(), 0);
    const left = await engine.ok('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${STACK}`] }))}`);
    assert.deepEqual(left.json, [], 'no container of the stack is left');
    assert.equal((await engine.call('GET', `/volumes/${STACK}_data`)).status, 404, 'the volume went with it');
    clean(watch);
  });

  test('a file with an impossible port is refused with the detail that names the line', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, '/stacks/new?env=local', 'New stack');
    await page.getByLabel('Name', { exact: true }).fill(`${P}-bad`);
    await page.getByLabel('Compose file').fill(`services:\n  web:\n    image: ${TEST_IMAGE}\n    ports: ["99999:80"]\n`);
    await page.getByRole('button', { name: 'Deploy' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'invalid_compose' });
    await problem.waitFor();
    assert.match(await problem.textContent(), /line 4, services\.web\.ports\[0\]/);
    assert.equal(await page.getByLabel('Compose file').getAttribute('aria-invalid'), 'true');
    await shot(page, 'stack-invalid-compose');
    await go(page, '/stacks?env=local', 'Stacks');
    await page.getByText('No stacks in this environment.').waitFor();
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the stack pages in either theme', async () => {
    // A stack to show, made through the API.
    const made = await server.api('POST', envPath('stacks'), { body: { name: STACK, compose: COMPOSE_V1 }, timeoutMs: DEPLOY_MS });
    assert.equal(made.status, 201, made.text);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        ['/stacks?env=local', 'Stacks'],
        ['/stacks/new?env=local', 'New stack'],
        [`/stacks/view?env=local&name=${STACK}`, `Stack ${STACK}`],
        [`/stacks/view?env=local&name=${STACK}&tab=history`, `Stack ${STACK}`],
        [`/stacks/view?env=local&name=${STACK}&tab=webhook`, `Stack ${STACK}`],
      ]) {
        await go(page, hash, heading);
        await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    await shot(page, 'stack-dark');
    assert.equal((await server.api('DELETE', envPath(`stacks/${STACK}?volumes=1`), { timeoutMs: DEPLOY_MS })).status, 204);
    clean(watch);
  });
});
