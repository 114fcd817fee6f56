// The web UI end to end, in Debian's Chromium (headless, playwright-core) against a real server
// and the private engine, as its users would go: first-run setup with the printed token,
// two-factor enrolment and sign-in, a container created, started, followed in its live log and
// console, stopped and removed; a viewer and two teams kept apart; hostile strings shown as text.
// Every page must run without a Content-Security-Policy violation or a script error.
// Screenshots of the main pages go to build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import {
  Engine,
  REPO_ROOT,
  TENANT_PASSWORD,
  TEST_IMAGE,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';
import { Authenticator } from './lib/totp.mjs';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');
const CHROMIUM = process.env.DOKKERR_TEST_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(
  process.env.DOKKERR_TEST_ARTIFACTS || path.join(REPO_ROOT, 'build/test-artifacts'),
  'web',
  process.env.DOKKERR_TEST_DATABASE || 'sqlite',
);
const HOSTILE = '<img src=x onerror=alert(1)>';
const ADMIN = 'admin';
const ADMIN_PASS = 'e2e admin passphrase 42';
const P = uniquePrefix();
// axe-core, the accessibility rules engine, evaluated into the page by the test (not served).
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let engine;
let browser;
let authenticator; // the admin's second factor, once enrolled
const pages = [];

// A page in a context of its own (its own memory: tokens never cross), watched for policy
// violations, script errors and alert() dialogs.
async function openPage() {
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
  pages.push({ page, watch });
  page.setDefaultTimeout(20_000);
  return { page, watch };
}

function clean(watch) {
  assert.deepEqual(watch.violations, [], 'no Content-Security-Policy violation');
  assert.deepEqual(watch.errors, [], 'no script error');
  assert.deepEqual(watch.dialogs, [], 'no dialog opened by script');
}

async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(page, username, password, { code, recovery } = {}) {
  await page.goto(server.url + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (code) {
    await page.getByLabel('Authentication code').fill(await code());
    await page.getByRole('button', { name: 'Verify' }).click();
  } else if (recovery) {
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recovery);
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

// The admin's second sign-ins use the recovery codes shown at enrolment (each works once; the
// authenticator would give only three codes a 30 s step).
let recoveryCodes = [];
const asAdmin = () => ({ recovery: recoveryCodes.shift() });

async function go(page, hash, heading) {
  await page.goto(`${server.url}/#${hash}`);
  if (heading) await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

// The WCAG 2.1 A/AA violations axe finds on the page as it stands, as readable lines.
async function accessibilityViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  );
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1] ?? ''}`));
}

async function state(id) {
  return (await engine.call('GET', `/containers/${id}/json`)).json?.State;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--web-dir', WEB_DIST], bootstrap: false });
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

describe('the web UI in a real browser', { timeout: 300_000 }, () => {
  test('first-run setup: the printed token makes the first admin, who lands on the dashboard', async () => {
    const token = /Dokkerr setup token: (\S+)/.exec(server.child.stdoutText())?.[1];
    assert.ok(token, 'the server printed a setup token');
    const { page, watch } = await openPage();
    await page.goto(server.url + '/');
    await page.getByLabel('Setup token').fill('not the token');
    await page.getByLabel('Administrator username').fill(ADMIN);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASS);
    await page.getByLabel('Repeat password').fill(ADMIN_PASS);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid_setup_token' }).waitFor();
    await page.getByLabel('Setup token').fill(token);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'local', level: 3 }).waitFor();
    await shot(page, 'dashboard');
    clean(watch);
    // The API calls of the tests below act as this admin.
    server.token = (await server.login(ADMIN, ADMIN_PASS)).access_token;
    expectProblem(assert, await server.api('POST', '/api/v1/setup', { token: null, body: { setup_token: token, username: 'x', password: ADMIN_PASS } }), 409, 'setup_complete');
  });

  test('two-factor enrolment with the QR code, then sign-in asks for the code', async () => {
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS);
    await go(page, '/account/security');
    await page.getByRole('button', { name: 'Set up' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    assert.ok((await dialog.locator('svg path').count()) >= 1, 'the QR code is drawn');
    const secret = (await dialog.locator('.totp-secret').textContent()).trim();
    authenticator = new Authenticator(secret);
    await dialog.getByLabel('Code from the app').fill(await authenticator.nextCode());
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    const codes = dialog.getByRole('list', { name: 'Recovery codes' });
    await codes.waitFor();
    assert.equal(await codes.getByRole('listitem').count(), 10);
    recoveryCodes = (await codes.getByRole('listitem').allTextContents()).map((c) => c.trim());
    await shot(page, 'account-recovery-codes');
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await shot(page, 'account-security');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASS);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid_mfa_code' }).waitFor();
    await page.getByLabel('Authentication code').fill(await authenticator.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    // Signed in again where the session ended.
    await page.getByRole('heading', { name: 'My account: Security', level: 1 }).waitFor();
    const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie }));
    assert.deepEqual(stored, { local: 0, session: 0, cookies: '' }, 'tokens stay in memory');
    clean(watch);
  });

  test('create and start from the form, see it running, its live log and a console command', async () => {
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS, asAdmin());
    await go(page, '/containers', 'Containers');
    await page.getByRole('link', { name: 'New container' }).click();
    await page.getByRole('heading', { name: 'New container', level: 1 }).waitFor();
    await page.getByLabel('Image', { exact: true }).fill(TEST_IMAGE);
    await page.getByLabel('Name', { exact: true }).fill(`${P}-web`);
    // A main process that ends on SIGTERM, so that Stop does not wait out the engine's grace.
    await page.getByLabel('Command', { exact: true }).fill(`sh -c "trap 'exit 0' TERM; echo hello-from-the-log; while :; do sleep 1; done"`);
    await shot(page, 'container-create');
    await page.getByRole('button', { name: 'Create and start' }).click();

    const heading = page.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: `${P}-web` }).waitFor();
    await page.locator('.detail-head .state-running').waitFor();
    const id = new URL(page.url().replace('/#/', '/')).searchParams.get('id');
    assert.ok(id, page.url());
    assert.equal((await state(id)).Running, true);
    await shot(page, 'container-overview');

    await page.getByRole('tab', { name: 'Logs' }).click();
    const log = page.getByRole('log', { name: `Log of ${P}-web` });
    await log.getByText('hello-from-the-log').waitFor();
    // A line printed now arrives while the page is open.
    const emitted = await server.api('POST', envPath(`containers/${id}/exec`), { body: { Cmd: ['sh', '-c', 'echo printed-later > /proc/1/fd/1'] } });
    expectStatus(assert, emitted, 200);
    await log.getByText('printed-later').waitFor();
    await shot(page, 'container-logs');

    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, 'container-stats');

    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('button', { name: 'Disconnect' }).waitFor();
    const terminal = page.locator('.console-box .xterm');
    await terminal.waitFor();
    await terminal.click();
    // The shell's prompt, then a command typed as a person would.
    await page.locator('.console-box .xterm-rows').getByText('#', { exact: false }).first().waitFor();
    await page.keyboard.type('echo console-$((6*7))');
    await page.keyboard.press('Enter');
    await page.locator('.console-box .xterm-rows').getByText('console-42', { exact: false }).first().waitFor();
    await shot(page, 'container-console');
    // The terminal's own styles applied (the page's nonce): its rows are laid out, not hidden.
    const rowHeight = await page.locator('.console-box .xterm-rows > div').first().evaluate((el) => el.getBoundingClientRect().height);
    assert.ok(rowHeight > 0, `terminal rows are laid out (${rowHeight}px)`);
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await page.getByText(/exited|exit code/i).first().waitFor();
    clean(watch);
  });

  test('stop and remove from the UI', async () => {
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS, asAdmin());
    await go(page, '/containers?env=local', 'Containers');
    await page.getByRole('link', { name: `${P}-web` }).click();
    const actions = page.getByRole('group', { name: `Actions for ${P}-web` });
    await actions.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.detail-head .state-exited').waitFor({ timeout: 30_000 });
    const id = new URL(page.url().replace('/#/', '/')).searchParams.get('id');
    assert.equal((await state(id)).Running, false);
    await actions.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('heading', { name: 'Containers', level: 1 }).waitFor();
    await waitFor(async () => (await engine.call('GET', `/containers/${id}/json`)).status === 404, 15_000, { what: 'the container to be gone' });
    assert.equal(await page.getByRole('link', { name: `${P}-web` }).count(), 0);
    clean(watch);
  });

  test('a viewer sees no create button, and the API refuses anyway', async () => {
    const viewer = await createTenant(server, { name: `${P}-v`, role: 'viewer' });
    const made = await server.api('POST', envPath(`containers?name=${P}-viewed&team=${viewer.teamId}`), {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
    });
    expectStatus(assert, made, 201);
    const { page, watch } = await openPage();
    await signIn(page, viewer.username, TENANT_PASSWORD);
    await go(page, '/containers?env=local', 'Containers');
    await page.getByRole('link', { name: `${P}-viewed` }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'New container' }).count(), 0, 'no create button');
    assert.equal(await page.getByRole('button', { name: 'Remove' }).count(), 0, 'no remove button');
    await go(page, '/containers/new?env=local');
    await page.getByText('You may not create containers in this environment').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Create/ }).count(), 0);
    await shot(page, 'viewer-containers');
    const refused = await server.api('POST', envPath('containers?name=x'), {
      token: viewer.token,
      body: { Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(P) },
    });
    expectProblem(assert, refused, 403, 'permission_denied');
    clean(watch);
  });

  test("a member of team A does not see team B's containers", async () => {
    const a = await createTenant(server, { name: `${P}-ta` });
    const b = await createTenant(server, { name: `${P}-tb` });
    const make = async (tenant, name) => {
      const res = await server.api('POST', envPath(`containers?name=${name}`), {
        token: tenant.token,
        body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
      });
      expectStatus(assert, res, 201);
      return res.json.Id;
    };
    await make(a, `${P}-of-a`);
    const theirs = await make(b, `${P}-of-b`);
    const { page, watch } = await openPage();
    await signIn(page, a.username, TENANT_PASSWORD);
    await go(page, '/containers?env=local', 'Containers');
    await page.getByRole('link', { name: `${P}-of-a` }).waitFor();
    assert.equal(await page.getByText(`${P}-of-b`).count(), 0, "team B's container is not listed");
    await go(page, `/containers/view?env=local&id=${theirs}`);
    await page.getByRole('alert').filter({ hasText: 'container_not_found' }).waitFor();
    assert.equal(await page.getByText(`${P}-of-b`).count(), 0);
    clean(watch);
  });

  test('hostile names, labels and log lines render as text', async () => {
    const made = await server.api('POST', envPath(`containers?name=${P}-hostile`), {
      body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', `echo '${HOSTILE}'; exec sleep 600`], Labels: { ...testLabels(P), note: HOSTILE } },
    });
    expectStatus(assert, made, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${made.json.Id}/start`)), 204);
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS, asAdmin());
    await go(page, `/containers/view?env=local&id=${made.json.Id}`);
    await page.getByText(HOSTILE).first().waitFor();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByRole('log').getByText(HOSTILE).waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no element made from the strings');

    // The engine refuses such a name; the refusal is shown, as text.
    await go(page, '/containers/new?env=local', 'New container');
    await page.getByLabel('Image', { exact: true }).fill(TEST_IMAGE);
    await page.getByLabel('Name', { exact: true }).fill(HOSTILE);
    await page.getByRole('button', { name: 'Create and start' }).click();
    await page.getByRole('alert').first().waitFor();
    assert.equal(await page.locator('img').count(), 0);
    clean(watch);
  });

  test('the other main pages load cleanly (screenshots)', async () => {
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS, asAdmin());
    const visits = [
      ['/containers?env=local', 'Containers', 'containers'],
      ['/images?env=local', 'Images', 'images'],
      ['/networks?env=local', 'Networks', 'networks'],
      ['/volumes?env=local', 'Volumes', 'volumes'],
      ['/admin/users', 'Administration: Users', 'admin-users'],
      ['/admin/teams', 'Administration: Teams', 'admin-teams'],
      ['/admin/environments', 'Administration: Environments', 'admin-environments'],
      ['/admin/audit', 'Administration: Audit log', 'admin-audit'],
      ['/account/profile', 'My account', 'account-profile'],
    ];
    for (const [hash, heading, name] of visits) {
      await go(page, hash, heading);
      await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
      await shot(page, name);
    }
    // Dark theme, kept in the account's preferences.
    await page.locator('.shell-header').getByLabel('Theme').selectOption('dark');
    await go(page, '/', 'Dashboard');
    await shot(page, 'dashboard-dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    clean(watch);
  });

  test('accessible: no WCAG 2.1 AA violation on the main pages in either theme, and usable from the keyboard', async () => {
    const { page, watch } = await openPage();
    await signIn(page, ADMIN, ADMIN_PASS, asAdmin());
    const found = [];
    for (const theme of ['light', 'dark']) {
      await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
      for (const [hash, heading] of [
        ['/', 'Dashboard'],
        ['/containers?env=local', 'Containers'],
        ['/containers/new?env=local', 'New container'],
        ['/images?env=local', 'Images'],
        ['/networks?env=local', 'Networks'],
        ['/volumes?env=local', 'Volumes'],
        ['/admin/users', 'Administration: Users'],
        ['/admin/audit', 'Administration: Audit log'],
        ['/account/security', 'My account: Security'],
      ]) {
        await go(page, hash, heading);
        await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        for (const line of await accessibilityViolations(page)) found.push(`${theme} ${hash}: ${line}`);
      }
    }
    assert.deepEqual(found, [], 'no accessibility violation');

    // The keyboard alone: skip to the content, reach the navigation, open a page.
    await go(page, '/', 'Dashboard');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content', 'the skip link comes first');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main-content');
    await page.getByRole('link', { name: 'Containers', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Containers', level: 1 }).waitFor();
    // Every focusable control shows where the focus is.
    await page.getByRole('button', { name: 'Refresh' }).focus();
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'a visible focus outline');
    clean(watch);
  });
});