// Git-backed stacks in the web UI end to end, in Debian's Chromium (headless, playwright-core)
// against a real server (no scheduled Git poll) and the private engine: a repository is made here
// (file://, which platform admins may use); an admin deploys a stack from the form choosing "Git
// repository" and sees it running with the short commit; a new commit (an environment variable
// added) is deployed with Sync from Git as version 2, and a second sync says there is nothing new;
// the list marks the stack "Git"; the stack is deleted. The create form (Git chosen) and the stack's
// page pass the WCAG 2.1 AA rules axe checks in both themes, and every page runs without a
// Content-Security-Policy violation or a script error. Screenshots go to
// build/test-artifacts/web/<backend>/ (DOKKERR_TEST_ARTIFACTS).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { CHROMIUM, WEB_DIST, accessibilityViolations, clean, goTo, openPage, shot, signInAdmin } from './lib/browser.mjs';
import { Engine, TEST_IMAGE, envPath, startServer, uniquePrefix } from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
const STACK = `${P}-gitweb`;
// Deploys wait for the services (and a clone): longer than a page's default wait.
const DEPLOY_MS = 120_000;
const COMPOSE_PATH = 'deploy/compose.yml';
// The test image exists only in the engine: "pull_policy: never" keeps the deploy from pulling.
const COMPOSE_V1 = `services:
  app:
    image: ${TEST_IMAGE}
    command: sleep 600
    pull_policy: never
`;
const COMPOSE_V2 = `${COMPOSE_V1}    environment:
      COLOR: blue
`;

let server;
let engine;
let browser;
let repo;

async function git(...args) {
  const { stdout } = await execFileP('git', ['-c', 'user.email=web@example.com', '-c', 'user.name=web', ...args], { cwd: repo });
  return stdout.trim();
}

/** Commits `compose` as the stack's file; answers the commit's first 12 hex digits. */
async function commit(compose, message) {
  await fsp.writeFile(path.join(repo, COMPOSE_PATH), compose);
  await git('add', '-A');
  await git('commit', '-q', '-m', message);
  return (await git('rev-parse', 'HEAD')).slice(0, 12);
}

const signIn = (page) => signInAdmin(page, server.url);
const go = (page, hash, heading) => goTo(page, server.url, hash, heading);

/** The header badge of the open stack page ("version 2") shows `version`. */
async function waitForVersion(page, version) {
  await page.locator('.detail-head .badge').filter({ hasText: new RegExp(`^version ${version}$`) }).waitFor({ timeout: DEPLOY_MS });
}

/** axe's WCAG 2.1 AA violations on the page as it is, in the light and the dark theme. */
async function violationsInBothThemes(page, what) {
  const found = [];
  for (const theme of ['light', 'dark']) {
    await page.locator('.shell-header').getByLabel('Theme').selectOption(theme);
    await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    await page.getByRole('status').filter({ hasText: /Loading/ }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    for (const line of await accessibilityViolations(page)) found.push(`${theme} ${what}: ${line}`);
  }
  await page.locator('.shell-header').getByLabel('Theme').selectOption('light');
  return found;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-web-git-'));
  await fsp.mkdir(path.join(repo, 'deploy'));
  await git('init', '-q', '-b', 'main');
  await commit(COMPOSE_V1, 'first');
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  // No scheduled poll: only Sync from Git deploys a new commit here.
  server = await startServer({ args: ['--web-dir', WEB_DIST, '--git-poll-interval', '0'] });
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
      if (server) await server.api('DELETE', envPath(`stacks/${STACK}?volumes=1`), { timeoutMs: 60_000 }).catch(() => {});
    } finally {
      try {
        // …and anything else named with the prefix.
        if (engine) await engine.cleanup(P);
      } finally {
        try {
          if (server) await server.stop();
        } finally {
          if (repo) await fsp.rm(repo, { recursive: true, force: true });
        }
      }
    }
  }
});

describe('git-backed stacks in the web UI', { timeout: 400_000 }, () => {
  test('deploy from a repository, sync a new commit, see it marked Git, delete', async () => {
    const first = (await git('rev-parse', 'HEAD')).slice(0, 12);
    const { page, watch } = await openPage(browser);
    await signIn(page);
    await go(page, '/stacks/new?env=local', 'New stack');

    // The form: the source is a radio group; "Git repository" swaps the editor for the location.
    const source = page.getByRole('group', { name: 'Source' });
    assert.equal(await source.getByRole('radio', { name: 'Inline file' }).isChecked(), true);
    await page.getByLabel('Name', { exact: true }).fill(STACK);
    await source.getByRole('radio', { name: 'Git repository' }).check();
    assert.equal(await page.getByLabel('Compose file', { exact: true }).count(), 0, 'no inline editor for a Git stack');
    assert.equal(await page.getByLabel('Branch or tag').inputValue(), 'main');
    assert.equal(await page.getByLabel('Path of the Compose file').inputValue(), 'docker-compose.yml');
    await page.getByLabel('Repository URL').fill(`file://${repo}`);
    await page.getByLabel('Branch or tag').fill('main');
    await page.getByLabel('Path of the Compose file').fill(COMPOSE_PATH);
    await page.getByLabel('Variables').waitFor();
    const formViolations = await violationsInBothThemes(page, 'the create form, Git chosen');
    assert.deepEqual(formViolations, [], 'no accessibility violation on the create form');
    // The theme switch keeps what was typed.
    assert.equal(await page.getByLabel('Repository URL').inputValue(), `file://${repo}`);
    await shot(page, 'stack-git-create');
    await page.getByRole('button', { name: 'Deploy' }).click();

    // The deploy answers once the service is up; the stack's page follows, with where the file is.
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor({ timeout: DEPLOY_MS });
    await page.locator('.detail-head .state').filter({ hasText: /^running$/ }).waitFor();
    await waitForVersion(page, 1);
    const facts = page.getByRole('region', { name: 'From Git' });
    await facts.getByText(`file://${repo}`, { exact: true }).waitFor();
    await facts.getByText(COMPOSE_PATH, { exact: true }).waitFor();
    await facts.getByText(first, { exact: true }).waitFor();
    const row = page.getByRole('table', { name: `Containers of ${STACK}` }).getByRole('row').filter({ hasText: `${STACK}-app-1` });
    await row.filter({ hasText: 'running' }).waitFor();
    await shot(page, 'stack-git-running');
    const pageViolations = await violationsInBothThemes(page, 'the stack page');
    assert.deepEqual(pageViolations, [], 'no accessibility violation on the stack page');

    // The Edit tab says the file comes from Git rather than offering an editor.
    await page.getByRole('tab', { name: 'Edit' }).click();
    await page.getByText(/It is not edited here: commit a change to the repository, then use Sync from Git\./).waitFor();
    await page.getByRole('button', { name: 'Edit the location' }).waitFor();
    await page.getByRole('button', { name: 'Switch to an inline file' }).waitFor();
    assert.equal(await page.getByLabel('Compose file', { exact: true }).count(), 0);
    await page.getByRole('tab', { name: 'Containers' }).click();

    // A new commit (an environment variable added), deployed with Sync from Git as version 2.
    const second = await commit(COMPOSE_V2, 'color');
    const actions = page.getByRole('group', { name: `Actions for ${STACK}` });
    await actions.getByRole('button', { name: 'Sync from Git' }).click();
    await page.getByText(`Deployed commit ${second}: ${STACK} is now at version 2.`).waitFor({ timeout: DEPLOY_MS });
    await waitForVersion(page, 2);
    await facts.getByText(second, { exact: true }).waitFor();
    await actions.getByRole('button', { name: 'Sync from Git' }).waitFor();
    const view = await server.api('GET', envPath(`stacks/${STACK}`));
    assert.equal(view.status, 200, view.text);
    assert.equal(view.json.git.commit.slice(0, 12), second);
    const app = view.json.containers.find((c) => c.service === 'app');
    assert.ok(app, view.text);
    const env = (await engine.ok('GET', `/containers/${app.id}/json`)).json.Config.Env;
    assert.ok(env.includes('COLOR=blue'), env.join(' '));
    await page.getByRole('table', { name: `Containers of ${STACK}` }).getByRole('row').filter({ hasText: `${STACK}-app-1` }).filter({ hasText: 'running' }).waitFor();
    await shot(page, 'stack-git-synced');

    // Nothing new: the version stays.
    await actions.getByRole('button', { name: 'Sync from Git' }).click();
    await page.getByText(`Already at ${second}: nothing new to deploy.`).waitFor({ timeout: DEPLOY_MS });
    await waitForVersion(page, 2);

    // The list marks it as read from Git.
    await go(page, '/stacks?env=local', 'Stacks');
    const listed = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: STACK }) });
    await listed.locator('.badge').filter({ hasText: /^Git$/ }).waitFor();
    await listed.getByRole('link', { name: STACK }).click();
    await page.getByRole('heading', { name: `Stack ${STACK}`, level: 1 }).waitFor();

    // Delete, after a confirmation; the list no longer has it.
    await page.getByRole('group', { name: `Actions for ${STACK}` }).getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: `Delete the stack ${STACK}?` });
    await remove.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Stacks', level: 1 }).waitFor({ timeout: DEPLOY_MS });
    await page.getByText(`Removed the stack ${STACK}.`).waitFor();
    assert.equal(await page.getByRole('rowheader', { name: STACK }).count(), 0);
    const left = await engine.ok('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${STACK}`] }))}`);
    assert.deepEqual(left.json, [], 'no container of the stack is left');
    clean(watch);
  });
});
