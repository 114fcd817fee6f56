// Event webhooks in the web UI end to end, in Debian's Chromium (headless, playwright-core)
// against a real server (with --alert-webhook-allow 127.0.0.1) and a receiver started here on
// 127.0.0.1 that records every request: an admin makes a platform webhook to the receiver for
// webhook.test from the form, reads the secret from the read-only field it is shown once in,
// sends a test event from the webhook's page and the receiver gets it with a signature that
// verifies with that secret (HMAC-SHA256 over timestamp "." body); the delivery log then shows it
// delivered, and the webhook is deleted after a confirmation. Every page must run without a
// Content-Security-Policy violation or a script error, and the webhook pages pass the WCAG 2.1 AA
// rules axe checks in both themes. Screenshots go to build/test-artifacts/web/<backend>/
// (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { startServer, uniquePrefix, waitFor } from './lib/harness.mjs';

const P = uniquePrefix();
const NAME = `${P}-hook`;
// The lease holder delivers queued events within seconds.
const DELIVERY_MS = 30_000;

let server;
let browser;
let receiver;

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

/** Takes POSTs on /<path>, answers 204 and keeps each request's headers and body as received. */
async function startReceiver() {
  const got = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: (name) => `http://127.0.0.1:${srv.address().port}/${name}`,
    got,
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

/** Whether a recorded request is signed with `secret`: sha256=hex(HMAC-SHA256(secret, timestamp "." body)), fresh. */
function verifies(request, secret) {
  const timestamp = request.headers['x-dokkerr-timestamp'];
  const signature = request.headers['x-dokkerr-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`;
  if (signature.length !== expected.length) return false;
  if (!crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return false;
  return Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

function parsed(request) {
  try {
    return JSON.parse(request.body);
  } catch {
    return null;
  }
}

/** Makes a platform webhook through the API. */
async function storeWebhook(name, events = ['webhook.test']) {
  const made = await server.api('POST', '/api/v1/webhooks', { body: { name, url: receiver.url(name), events } });
  assert.equal(made.status, 201, made.text);
  return made.json;
}

/** Waits until the open page has nothing left loading. */
async function settled(page) {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
}

/** Refreshes the delivery log of the open webhook page until a row says "delivered". */
async function deliveredRow(page, name) {
  const log = page.getByRole('table', { name: `Deliveries of ${name}` });
  const delivered = log.getByRole('row').filter({ hasText: 'webhook.test' }).filter({ has: page.locator('.delivery-state', { hasText: /^delivered$/ }) });
  await waitFor(
    async () => {
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await settled(page);
      return (await delivered.count()) > 0;
    },
    DELIVERY_MS,
    { intervalMs: 1000, what: 'a delivered row in the delivery log' },
  );
  return delivered.first();
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  receiver = await startReceiver();
  server = await startServer({ args: ['--web-dir', WEB_DIST, '--alert-webhook-allow', '127.0.0.1'] });
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
      // The webhooks live in the server's database only, which goes with it.
      if (server) await server.stop();
    } finally {
      if (receiver) await receiver.close();
    }
  }
});

describe('event webhooks in the web UI', { timeout: 300_000 }, () => {
  test('make from the form, read the secret once, send a test event that arrives signed, delete', async () => {
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();

    // Create: a platform webhook to the receiver, for webhook.test.
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByRole('heading', { name: 'New webhook', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByLabel('URL', { exact: true }).fill(receiver.url(NAME));
    const scope = page.getByLabel('Scope', { exact: true });
    await scope.locator('option', { hasText: 'Platform (every event)' }).waitFor({ state: 'attached' });
    await scope.selectOption({ label: 'Platform (every event)' });
    await page.getByRole('checkbox', { name: 'webhook.test', exact: true }).check();
    assert.equal(await page.getByRole('checkbox', { name: 'Enabled', exact: true }).isChecked(), true);
    await shot(page, 'webhook-new');
    await page.getByRole('button', { name: 'Create webhook' }).click();

    // The secret, shown this once in a read-only field.
    const field = page.getByLabel('Signing secret', { exact: true });
    await field.waitFor();
    assert.notEqual(await field.getAttribute('readonly'), null, 'the secret field is read-only');
    const secret = await field.inputValue();
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);
    await page.getByText('it will not be shown again').waitFor();
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await shot(page, 'webhook-secret');

    // The webhook's page no longer shows it.
    await page.getByRole('link', { name: 'Open the webhook' }).click();
    await page.getByRole('heading', { name: `Webhook ${NAME}`, level: 1 }).waitFor();
    await settled(page);
    assert.equal(await page.getByLabel('Signing secret').count(), 0, 'the secret is not shown again');
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is not shown again');

    // Send test event: the receiver gets a webhook.test whose signature verifies with the secret.
    const before = receiver.got.length;
    await page.getByRole('group', { name: `Actions for ${NAME}` }).getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status').filter({ hasText: 'Queued a test event' }).waitFor();
    const arrived = await waitFor(
      () => receiver.got.slice(before).find((r) => r.method === 'POST' && r.path === `/${NAME}` && parsed(r)?.type === 'webhook.test' && verifies(r, secret)),
      DELIVERY_MS,
      { intervalMs: 200, what: 'a signed webhook.test at the receiver' },
    );
    const event = parsed(arrived);
    assert.equal(event.type, 'webhook.test');
    assert.equal(arrived.headers['content-type']?.split(';')[0], 'application/json');
    assert.ok(!verifies(arrived, `${secret}x`), 'another secret does not verify');

    // The delivery log shows it delivered after Refresh.
    const row = await deliveredRow(page, NAME);
    assert.match(await row.textContent(), /delivered/);
    assert.equal(await page.getByRole('alert').count(), 0, 'no problem shown');
    await shot(page, 'webhook-view');

    // The list has it: Platform, its event, enabled.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const listed = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
    await listed.waitFor();
    await listed.getByRole('cell', { name: 'Platform', exact: true }).waitFor();
    assert.match(await listed.textContent(), /webhook\.test/);
    assert.match(await listed.textContent(), /enabled/);
    await shot(page, 'webhooks');

    // Delete after a confirmation; the list no longer has it.
    await listed.getByRole('link', { name: NAME }).click();
    await page.getByRole('heading', { name: `Webhook ${NAME}`, level: 1 }).waitFor();
    await page.getByRole('group', { name: `Actions for ${NAME}` }).getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: `Delete the webhook ${NAME}?` });
    await remove.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText(`Deleted the webhook ${NAME}.`).waitFor();
    await settled(page);
    assert.equal(await page.getByRole('rowheader', { name: NAME }).count(), 0);
    const left = await server.api('GET', '/api/v1/webhooks');
    assert.equal(left.status, 200, left.text);
    assert.deepEqual(
      left.json.items.filter((w) => w.name === NAME),
      [],
      'the webhook is gone',
    );
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the webhook pages in either theme', async () => {
    const name = `${P}-a11y`;
    const stored = await storeWebhook(name, ['webhook.test', 'stack.deployed']);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        ['/webhooks', 'Webhooks'],
        ['/webhooks/new', 'New webhook'],
        [`/webhooks/view?id=${encodeURIComponent(stored.id)}`, `Webhook ${name}`],
      ]) {
        await go(page, hash, heading);
        await settled(page);
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
      // The webhook's page with a delivered test event in its log.
      await page.getByRole('group', { name: `Actions for ${name}` }).getByRole('button', { name: 'Send test event' }).click();
      await page.getByRole('status').filter({ hasText: 'Queued a test event' }).waitFor();
      await deliveredRow(page, name);
      for (const line of await accessibilityViolations(page)) found.push(`${theme} log: ${line}`);
      // The edit dialog.
      await page.getByRole('group', { name: `Actions for ${name}` }).getByRole('button', { name: 'Edit' }).click();
      const edit = page.getByRole('dialog', { name: `Edit ${name}` });
      await edit.waitFor();
      await edit.getByRole('checkbox', { name: 'webhook.test', exact: true }).waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} edit: ${line}`);
      await edit.getByRole('button', { name: 'Cancel' }).click();
      // A rotated secret, shown once.
      await page.getByRole('group', { name: `Actions for ${name}` }).getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('dialog', { name: `Rotate the secret of ${name}?` }).getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByLabel('Signing secret', { exact: true }).waitFor();
      for (const line of await accessibilityViolations(page)) found.push(`${theme} rotated: ${line}`);
      await page.getByRole('button', { name: 'Done' }).click();
    }
    assert.deepEqual(found, [], 'no accessibility violation');
    await shot(page, 'webhook-dark');
    assert.equal((await server.api('DELETE', `/api/v1/webhooks/${encodeURIComponent(stored.id)}`)).status, 204);
    clean(watch);
  });
});
