// The web UI served by the server itself (--web-dir web/dist, built by the test command): its
// files with their caching, compression and page policy, and the app in a real browser
// (Debian's Chromium, headless, through playwright-core): sign in, the dashboard, the container
// list and an action on a container, with no Content-Security-Policy violation and nothing kept
// in browser storage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  Engine,
  TEST_IMAGE,
  envPath,
  expectProblem,
  expectStatus,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');
const CHROMIUM = process.env.DOKKERR_TEST_CHROMIUM || '/usr/bin/chromium';
const P = uniquePrefix();
let server;
let engine;
let browser;
let scriptPath;

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `no ${WEB_DIST}/index.html: build it (cd web && npm ci && npm run build)`);
  server = await startServer({ args: ['--web-dir', WEB_DIST] });
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  scriptPath = fs.readdirSync(path.join(WEB_DIST, 'assets')).find((name) => name.endsWith('.js'));
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

describe('the UI files', () => {
  test('index.html: the page policy with a fresh style nonce in each answer, never stored', async () => {
    const res = await server.api('GET', '/', { token: null });
    expectStatus(assert, res, 200);
    assert.match(res.headers['content-type'], /^text\/html/);
    const csp = res.headers['content-security-policy'];
    for (const part of ["default-src 'self'", "script-src 'self'", "style-src 'self' 'nonce-", "frame-ancestors 'none'", "object-src 'none'"]) {
      assert.ok(csp.includes(part), `${part} in ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.etag, undefined, 'no ETag: each answer differs');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    const nonce = /'nonce-([A-Za-z0-9_-]{20,})'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    // The page carries the same nonce in place of the build's placeholder, and nothing else changed.
    const built = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    assert.ok(built.includes('__DOKKERR_STYLE_NONCE__'));
    assert.equal(res.text, built.replace('__DOKKERR_STYLE_NONCE__', nonce));
    const again = await server.api('GET', '/', { token: null, headers: { 'If-None-Match': '*' } });
    assert.equal(again.status, 200, 'never 304');
    assert.notEqual(/'nonce-([^']+)'/.exec(again.headers['content-security-policy'])[1], nonce, 'a new nonce each time');
  });

  test('hashed assets: cached for a year, gzip when accepted', async () => {
    assert.ok(scriptPath, 'the build has a script');
    const plain = await server.api('GET', `/assets/${scriptPath}`, { token: null });
    expectStatus(assert, plain, 200);
    assert.match(plain.headers['content-type'], /^text\/javascript/);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['content-encoding'], undefined);
    const packed = await server.api('GET', `/assets/${scriptPath}`, { token: null, headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(packed.headers['content-encoding'], 'gzip');
    assert.match(packed.headers.vary, /Accept-Encoding/);
    assert.ok(packed.body.length < plain.body.length);
    assert.deepEqual(zlib.gunzipSync(packed.body), fs.readFileSync(path.join(WEB_DIST, 'assets', scriptPath)));
  });

  test('the first load stays within the bundle budget; the terminal and the charts come later', () => {
    // What index.html makes the browser fetch before anything is shown: its scripts, the modules
    // they preload, its stylesheets.
    const index = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    const initial = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    const scripts = initial.filter((f) => f.endsWith('.js'));
    assert.ok(scripts.length >= 1, index);
    const gzipped = (file) => zlib.gzipSync(fs.readFileSync(path.join(WEB_DIST, file)), { level: 9 }).length;
    const initialScriptBytes = scripts.reduce((sum, f) => sum + gzipped(f), 0);
    assert.ok(initialScriptBytes <= 300 * 1024, `initial JavaScript ${initialScriptBytes} bytes gzipped (budget 300 KiB)`);
    const assets = fs.readdirSync(path.join(WEB_DIST, 'assets'));
    for (const lazy of ['ConsoleTerminal-', 'UPlotChart-']) {
      const chunk = assets.find((f) => f.startsWith(lazy) && f.endsWith('.js'));
      assert.ok(chunk, `${lazy}*.js is a chunk of its own`);
      assert.ok(!initial.includes(`assets/${chunk}`), `${chunk} is not loaded at first`);
    }
  });

  test('nothing else is served: unknown names, traversal, encoded slashes', async () => {
    for (const target of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/%2e%2e', '/index.htm', '/assets/', '/web/dist/index.html']) {
      const res = await server.api('GET', target, { token: null });
      assert.equal(res.status, 404, `${target}: ${res.status}`);
      assert.match(res.headers['content-type'], /problem\+json/, target);
    }
    const traversal = await server.api('GET', '/../../etc/passwd', { token: null });
    assert.ok([400, 404].includes(traversal.status), `${traversal.status}`);
    assert.ok(!traversal.text.includes('root:'), 'no file outside the build');
  });

  test('API answers keep their own policy and stay uncached', async () => {
    const res = await server.api('GET', '/api/v1/version');
    expectStatus(assert, res, 200);
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(res.headers['cache-control'], 'no-store');
    const described = await server.api('GET', '/api/v1/openapi.json', { token: null });
    assert.ok(!Object.keys(described.json.paths).some((p) => p === '/' || p.startsWith('/assets')), 'UI files are not API operations');
  });
});

describe('in a real browser', { timeout: 120_000 }, () => {
  test('sign in, see the dashboard and the containers, stop one; no CSP violation, no stored token', async () => {
    const made = await server.api('POST', envPath(`containers?name=${P}-web`), { body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) } });
    expectStatus(assert, made, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${made.json.Id}/start`)), 204);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless'] });
    const page = await browser.newPage();
    const violations = [];
    const errors = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(server.url + '/');

    await page.getByLabel('Username').fill(ADMIN_USER);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor({ timeout: 15_000 });
    await page.getByText('local').first().waitFor({ timeout: 15_000 });

    await page.goto(server.url + '/#/containers?env=local');
    const actions = page.getByRole('group', { name: `Actions for ${P}-web` });
    await actions.waitFor({ timeout: 15_000 });
    await actions.getByRole('button', { name: 'Stop' }).click();
    await waitFor(async () => (await engine.inspectContainer(made.json.Id))?.State?.Running === false, 30_000, { what: 'the container to stop from the UI' });

    const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie }));
    assert.deepEqual(stored, { local: 0, session: 0, cookies: '' }, 'tokens stay in memory');
    assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
    assert.deepEqual(errors, [], 'no script error');
    // A reload forgets the session: the sign-in form again.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
  });
});
