// The web UI's monitoring pages end to end, in Debian's Chromium (headless, playwright-core)
// against a real server collecting every second and the private engine: a container kept busy on
// half a core shows its CPU in the metric history; a CPU rule made in the rule editor fires, and
// the alert appears on an alerts page already open (pushed by the alert stream, or read again
// every 10 s without it), is acknowledged there, and shows on the dashboard's tile; a webhook
// that points inward is refused with its code; hostile strings are shown as text. Every page must
// run without a Content-Security-Policy violation or a script error, and pass the WCAG 2.1 AA
// rules axe checks. Screenshots go to build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import {
  ADMIN_USER,
  Engine,
  TEST_IMAGE,
  envPath,
  expectStatus,
  startServer,
  testLabels,
  uniquePrefix,
} from './lib/harness.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>';
const P = uniquePrefix();
const BUSY = `${P}-busy`;
const RULE = `${P} busy CPU`;

let server;
let engine;
let browser;
let busyId;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--web-dir', WEB_DIST, '--metrics-interval', '1', '--metrics-chunk', '10'] });
  // Half a core spinning: about 50 % of one core, well over the rule's 20.
  const made = await server.api('POST', envPath(`containers?name=${BUSY}`), {
    body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', 'while :; do :; done'], Labels: testLabels(P), HostConfig: { NanoCpus: 500_000_000 } },
  });
  expectStatus(assert, made, 201);
  busyId = made.json.Id;
  expectStatus(assert, await server.api('POST', envPath(`containers/${busyId}/start`)), 204);
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
      if (engine) await engine.cleanup(P);
    } finally {
      if (server) await server.stop();
    }
  }
});

describe('monitoring in the web UI', { timeout: 300_000 }, () => {
  test('the metric history of a busy container shows its CPU, and the tier the server chose', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).click();
    await page.getByRole('heading', { name: 'Monitoring: Metric history', level: 1 }).waitFor();
    await page.getByLabel('Environment').selectOption('local');
    await page.getByLabel('Range').selectOption('15m');
    // The container is chosen from the list, by its name.
    const picker = page.getByLabel('Container', { exact: true });
    await picker.locator(`option[value="${busyId}"]`).waitFor({ state: 'attached' });
    await picker.selectOption(busyId);
    await page.locator('.chart canvas').first().waitFor();
    // Samples are stored as they come; until some are, the chart says "no data": read again.
    const cpu = page.getByRole('img', { name: new RegExp(`^CPU of ${BUSY}: CPU \\d`) });
    const deadline = Date.now() + 60_000;
    while (!(await cpu.count())) {
      assert.ok(Date.now() < deadline, `CPU history of ${BUSY} shown within 60 s`);
      await page.waitForTimeout(2_000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    const label = await cpu.getAttribute('aria-label');
    const value = Number(/CPU ([\d.]+) %/.exec(label)?.[1]);
    assert.ok(value > 10, `a busy CPU (${label})`);
    await page.getByText(/Tier (raw|1m|1h)/).waitFor();
    assert.equal(await page.locator('.tier-note .badge').textContent(), 'raw', 'a short range reads the raw samples');
    await shot(page, 'monitoring-metrics');

    // The container's page links to its history.
    await go(page, `/containers/view?env=local&id=${busyId}`);
    await page.getByRole('link', { name: 'Metric history' }).click();
    await page.getByRole('heading', { name: 'Monitoring: Metric history', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Container', { exact: true }).inputValue(), busyId);
    clean(watch);
  });

  test('a CPU rule made in the editor fires, and the alert appears live on the open alerts page', async (t) => {
    // One browser watches the alerts page from before the rule exists.
    const watcher = await openPage(browser);
    await signIn(watcher.page);
    await go(watcher.page, '/monitoring/alerts', 'Monitoring: Alerts');
    const firingTable = watcher.page.getByRole('table', { name: 'Firing alerts' });
    await firingTable.waitFor();
    assert.equal(await firingTable.getByText(RULE).count(), 0, 'nothing of this rule fires yet');

    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, '/monitoring/rules', 'Monitoring: Alert rules');
    // A webhook that points at the server's own host is refused, with its code.
    await page.getByRole('button', { name: 'New rule' }).click();
    let dialog = page.getByRole('dialog', { name: 'New alert rule' });
    await dialog.getByLabel('Name', { exact: true }).fill(HOSTILE);
    await dialog.getByLabel('Notify an address when it fires and resolves', { exact: true }).check();
    await dialog.getByLabel('Webhook URL', { exact: true }).fill('http://127.0.0.1:9/hook');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'webhook_url_forbidden' }).waitFor();
    await shot(page, 'monitoring-rule-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'New rule' }).click();
    dialog = page.getByRole('dialog', { name: 'New alert rule' });
    await dialog.getByLabel('Name', { exact: true }).fill(RULE);
    await dialog.getByLabel('Metric', { exact: true }).selectOption('cpu_percent');
    await dialog.getByLabel('Operator', { exact: true }).selectOption('>');
    await dialog.getByLabel('Threshold', { exact: true }).fill('20');
    await dialog.getByLabel('For (seconds)', { exact: true }).fill('2');
    await dialog.getByLabel('Container', { exact: true }).fill(BUSY);
    await shot(page, 'monitoring-rule-editor');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.waitFor({ state: 'detached' });
    const rules = page.getByRole('table', { name: 'Alert rules' });
    await rules.getByRole('rowheader', { name: RULE }).waitFor();
    await rules.getByText('CPU (% of one core) > 20 for 2s').waitFor();
    await shot(page, 'monitoring-rules');

    // The watching page was not reloaded: the alert arrives by itself.
    const row = firingTable.getByRole('row').filter({ hasText: RULE });
    await row.waitFor({ timeout: 60_000 });
    assert.match(await row.textContent(), new RegExp(BUSY));
    t.diagnostic(`the alert list was: ${await watcher.page.locator('.panel-head .live-status').first().textContent()}`);
    await shot(watcher.page, 'monitoring-alerts-firing');

    await row.getByRole('button', { name: `Acknowledge ${RULE} on ${BUSY}` }).click();
    await row.getByText(`acknowledged by ${ADMIN_USER}`).waitFor();
    await row.getByRole('button', { name: `Notifications of ${RULE} on ${BUSY}` }).click();
    const notes = watcher.page.getByRole('dialog', { name: `Notifications of ${RULE}` });
    await notes.getByText(/No notifications/).waitFor();
    await notes.getByRole('button', { name: 'Close' }).first().click();

    // The dashboard's tile counts it and names it.
    await go(page, '/', 'Dashboard');
    const tile = page.getByRole('region', { name: 'Alerts', exact: true });
    await tile.getByRole('list', { name: 'Newest firing alerts' }).getByText(RULE).waitFor();
    assert.ok(Number(await tile.locator('.alert-count strong').textContent()) >= 1);
    await shot(page, 'dashboard-alerts');
    await tile.getByRole('link', { name: 'All alerts' }).click();
    await page.getByRole('heading', { name: 'Monitoring: Alerts', level: 1 }).waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no element made from the strings');
    clean(watch);
    clean(watcher.watch);
  });

  test('silences: made with a duration, listed, ended', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, '/monitoring/silences', 'Monitoring: Silences');
    await page.getByRole('button', { name: 'New silence' }).click();
    const dialog = page.getByRole('dialog', { name: 'New silence' });
    await dialog.getByLabel('Container', { exact: true }).fill(BUSY);
    await dialog.getByLabel('Duration', { exact: true }).selectOption({ label: '1 hour' });
    await dialog.getByLabel('Comment', { exact: true }).fill(HOSTILE);
    await dialog.getByRole('button', { name: 'Silence' }).click();
    await dialog.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'Silences in force' });
    await table.getByText(HOSTILE).waitFor();
    assert.equal(await page.locator('img').count(), 0, 'the comment is text');
    await shot(page, 'monitoring-silences');
    await table.getByRole('button', { name: `End silence ${HOSTILE}` }).click();
    await page.getByRole('dialog', { name: 'End silence' }).getByRole('button', { name: 'End silence' }).click();
    await page.getByText('No silence is in force.').waitFor();
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the monitoring pages in either theme', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        [`/monitoring/metrics?kind=container&env=local&id=${busyId}&range=15m`, 'Monitoring: Metric history'],
        ['/monitoring/alerts', 'Monitoring: Alerts'],
        ['/monitoring/rules', 'Monitoring: Alert rules'],
        ['/monitoring/silences', 'Monitoring: Silences'],
      ]) {
        await go(page, hash, heading);
        await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        await page.getByRole('status').filter({ hasText: 'Loading…' }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    clean(watch);
  });
});
