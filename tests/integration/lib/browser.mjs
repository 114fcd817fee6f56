// What the web UI's browser tests share: Debian's Chromium through playwright-core, a page that
// records Content-Security-Policy violations, script errors and dialogs, sign-in, navigation,
// screenshots and the axe accessibility check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { ADMIN_PASSWORD, ADMIN_USER, REPO_ROOT } from './harness.mjs';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
export const CHROMIUM = process.env.DOKKERR_TEST_CHROMIUM || '/usr/bin/chromium';
// Screenshots: build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
export const ARTIFACTS = path.join(
  process.env.DOKKERR_TEST_ARTIFACTS || path.join(REPO_ROOT, 'build/test-artifacts'),
  'web',
  process.env.DOKKERR_TEST_DATABASE || 'sqlite',
);
// axe-core, the accessibility rules engine, evaluated into the page by the test (not served).
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const watch = { violations: [], errors: [], dialogs: [] };
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (apply|load|execute)/i.test(message.text())) watch.violations.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(String(error)));
  page.on('dialog', async (dialog) => {
    watch.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.setDefaultTimeout(20_000);
  return { page, watch };
}

export function clean(watch) {
  assert.deepEqual(watch.violations, [], 'no Content-Security-Policy violation');
  assert.deepEqual(watch.errors, [], 'no script error');
  assert.deepEqual(watch.dialogs, [], 'no dialog opened by script');
}

export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Signs in as the bootstrap admin on the server at `url`.
export async function signInAdmin(page, url) {
  await page.goto(url + '/');
  await page.getByLabel('Username').fill(ADMIN_USER);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

export async function goTo(page, url, hash, heading) {
  await page.goto(`${url}/#${hash}`);
  if (heading) await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

export async function accessibilityViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  );
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1] ?? ''}`));
}
