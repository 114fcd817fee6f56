// The gateway's edge on a real server: security headers and the API version on every answer,
// unknown versions refused, CORS only for listed origins, per-address and per-caller rate limits
// with their counters, and the client address taken from proxies only when they are trusted.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  createTenant,
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  request,
  runServerExpectingFailure,
  sleep,
  startServer,
  waitFor,
} from './lib/harness.mjs';

// A WebSocket of another caller (server.ws opens it with the given token's ticket).
const openWebSocketAs = (s, token) => s.ws(envPath('events'), { token });

const CONSOLE = 'https://console.example.com';
let dockerHost;
let server;

// A request from another loopback address (all of 127/8 reaches the server).
const from = (address, method, urlPath, opts = {}) =>
  request({ host: '127.0.0.1', port: server.port, localAddress: address }, method, urlPath, opts);
const badLogin = (address, headers = {}) =>
  from(address, 'POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: 'wrong wrong wrong' }, headers });

before(async () => {
  dockerHost = await ensureEngine();
  server = await startServer({
    dockerHost,
    args: ['--cors-origin', CONSOLE, '--rate-limit', 'sign_in=6:3', '--rate-limit', 'write=60:4'],
  });
});

after(async () => {
  await server?.stop();
  await releaseEngine();
});

describe('every answer', { timeout: 30_000 }, () => {
  test('carries the security headers and, under /api/, the API version', async () => {
    for (const [path, status] of [['/healthz', 200], ['/api/v1/me', 200], ['/api/v1/no-such-thing', 404]]) {
      const res = await server.api('GET', path);
      assert.equal(res.status, status, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', path);
      assert.equal(res.headers['x-frame-options'], 'DENY', path);
      assert.match(res.headers['content-security-policy'], /frame-ancestors 'none'/, path);
      assert.equal(res.headers['api-version'], path.startsWith('/api/') ? '1' : undefined, path);
    }
  });

  test('an unknown API version is a problem document naming the one spoken', async () => {
    const res = await server.api('GET', '/api/v2/me');
    expectProblem(assert, res, 404, 'api_version_unknown');
    assert.match(res.json.detail, /\/api\/v1\//);
    expectProblem(assert, await server.api('GET', '/api/v0/version'), 404, 'api_version_unknown');
  });
});

describe('response transformation', { timeout: 30_000 }, () => {
  test('reads carry an ETag, and If-None-Match with it is 304 without a body', async () => {
    for (const path of ['/api/v1/me', envPath('containers?all=1'), '/api/v1/organizations']) {
      const first = expectStatus(assert, await server.api('GET', path), 200);
      const tag = first.headers.etag;
      assert.match(tag, /^W\/"[0-9a-f]{32}"$/, path);
      const again = await server.api('GET', path, { headers: { 'If-None-Match': tag } });
      assert.equal(again.status, 304, path);
      assert.equal(again.body.length, 0, path);
      assert.equal(again.headers.etag, tag, path);
      const stale = await server.api('GET', path, { headers: { 'If-None-Match': 'W/"0123"' } });
      assert.equal(stale.status, 200, path);
    }
    // A change gives a new tag.
    const before = (await server.api('GET', '/api/v1/organizations')).headers.etag;
    expectStatus(assert, await server.api('POST', '/api/v1/organizations', { body: { name: `etag-${Date.now()}` } }), 201);
    const after = (await server.api('GET', '/api/v1/organizations')).headers.etag;
    assert.notEqual(after, before);
  });

  test('?fields= keeps only the named keys of each listed item, and a malformed list is refused', async () => {
    const sparse = expectStatus(assert, await server.api('GET', envPath('containers?all=1&fields=Id,State')), 200).json;
    assert.ok(Array.isArray(sparse.items));
    for (const item of sparse.items) assert.deepEqual(Object.keys(item).sort(), ['Id', 'State'].filter((k) => k in item).sort());
    const images = expectStatus(assert, await server.api('GET', envPath('images?fields=Id')), 200).json;
    assert.ok(images.items.length > 0, 'the test image is listed');
    for (const item of images.items) assert.deepEqual(Object.keys(item), ['Id']);
    expectProblem(assert, await server.api('GET', envPath('images?fields=Id,,Size')), 400, 'invalid_parameter');
    expectProblem(assert, await server.api('GET', envPath(`images?fields=${encodeURIComponent('Id;drop')}`)), 400, 'invalid_parameter');
  });

  test('large JSON is gzipped when the client accepts it, and only then', async () => {
    const plain = expectStatus(assert, await server.api('GET', '/api/v1/routes'), 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.length >= 1024, 'the route table is large enough to compress');
    assert.match(plain.headers.vary, /Accept-Encoding/);
    const zipped = await server.api('GET', '/api/v1/routes', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.body.length < plain.body.length / 3, `${zipped.body.length} of ${plain.body.length} bytes`);
    assert.deepEqual(JSON.parse(zlib.gunzipSync(zipped.body).toString('utf8')), plain.json);
    const refused = await server.api('GET', '/api/v1/routes', { headers: { 'Accept-Encoding': 'gzip;q=0' } });
    assert.equal(refused.headers['content-encoding'], undefined);
  });
});

describe('CORS', { timeout: 30_000 }, () => {
  test('a listed origin gets its preflight answered and may read answers', async () => {
    const preflight = await server.api('OPTIONS', '/api/v1/organizations', {
      token: null,
      headers: { Origin: CONSOLE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], CONSOLE);
    assert.match(preflight.headers['access-control-allow-methods'], /POST/);
    assert.match(preflight.headers['access-control-allow-headers'], /Authorization/);
    assert.equal(preflight.headers['access-control-allow-credentials'], undefined);

    const res = expectStatus(assert, await server.api('GET', '/api/v1/me', { headers: { Origin: CONSOLE } }), 200);
    assert.equal(res.headers['access-control-allow-origin'], CONSOLE);
    assert.match(res.headers.vary, /Origin/);
    assert.match(res.headers['access-control-expose-headers'], /RateLimit-Remaining/);
  });

  test('any other origin is refused at preflight and never echoed', async () => {
    const evil = 'https://evil.example';
    const preflight = await server.api('OPTIONS', '/api/v1/organizations', {
      token: null,
      headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' },
    });
    expectProblem(assert, preflight, 403, 'cors_origin_not_allowed');
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const res = await server.api('GET', '/api/v1/me', { headers: { Origin: evil } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    // Suffix and prefix tricks are other origins too.
    for (const origin of [`${CONSOLE}.evil.example`, 'https://console.example.co', 'null']) {
      const r = await server.api('GET', '/api/v1/me', { headers: { Origin: origin } });
      assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
    }
  });
});

describe('rate limits', { timeout: 60_000 }, () => {
  test('sign-in attempts from one address are refused past the burst, with counters', async () => {
    const first = await badLogin('127.0.0.2');
    expectProblem(assert, first, 401, 'invalid_credentials');
    assert.equal(first.headers['ratelimit-limit'], '3');
    assert.equal(first.headers['ratelimit-remaining'], '2');
    await badLogin('127.0.0.2');
    await badLogin('127.0.0.2');
    const refused = await badLogin('127.0.0.2');
    expectProblem(assert, refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1, 'Retry-After in seconds');
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    assert.ok(Number(refused.headers['ratelimit-reset']) >= Number(refused.headers['retry-after']));
  });

  test('another address still signs in, and the limited address may still use a token', async () => {
    const good = await from('127.0.0.3', 'POST', '/api/v1/auth/login', { body: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
    expectStatus(assert, good, 200);
    const token = good.json.access_token;
    // Authenticated requests are counted against the caller, not the address.
    expectStatus(assert, await from('127.0.0.2', 'GET', '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } }), 200);
    // Health checks are never limited.
    for (let i = 0; i < 10; i += 1) expectStatus(assert, await from('127.0.0.2', 'GET', '/healthz'), 200);
  });

  test('a caller has one budget of writes whatever address it comes from', async () => {
    const session = await server.login(ADMIN_USER, ADMIN_PASSWORD);
    const auth = { Authorization: `Bearer ${session.access_token}` };
    // The admin's earlier writes drew on the same budget: let it fill up again (1 a second, 4).
    await sleep(4_500);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await from(`127.0.0.${10 + i}`, 'POST', '/api/v1/organizations', { body: { name: '' }, headers: auth });
      statuses.push(res.status);
      if (res.status === 429) expectProblem(assert, res, 429, 'rate_limited');
    }
    assert.deepEqual(statuses, [400, 400, 400, 400, 429]);
    // Reads have their own budget.
    expectStatus(assert, await server.api('GET', '/api/v1/me', { token: session.access_token }), 200);
  });
});

describe('concurrent streams per user', { timeout: 60_000 }, () => {
  test('a user over its bound of open WebSockets gets 429 too_many_streams until one closes', async () => {
    const bounded = await startServer({ dockerHost, args: ['--max-concurrent', 'streams=2'] });
    const open = [];
    try {
      open.push(await bounded.ws(envPath('events')));
      open.push(await bounded.ws(envPath('events')));
      const refused = await bounded.ws(envPath('events')).then(
        (ws) => { open.push(ws); return null; },
        (err) => err,
      );
      assert.ok(refused, 'the third WebSocket is refused');
      assert.equal(refused.status, 429);
      assert.equal(refused.json?.code, 'too_many_streams');
      // Another user has slots of its own.
      const other = await createTenant(bounded, { role: 'viewer' });
      const theirs = await openWebSocketAs(bounded, other.token);
      theirs.close();
      // Closing one gives its slot back.
      open.shift().close();
      let reopened;
      await waitFor(async () => {
        reopened = await bounded.ws(envPath('events')).catch(() => null);
        return reopened !== null;
      }, 5_000, { what: 'a slot to come back' });
      open.push(reopened);
    } finally {
      for (const ws of open) ws.close();
      await bounded.stop();
    }
  });
});

describe('client address behind a proxy', { timeout: 60_000 }, () => {
  test('X-Forwarded-For and Forwarded name the client only when the peer is a trusted proxy', async () => {
    const proxied = await startServer({ dockerHost, args: ['--trusted-proxies', '127.0.0.4', '--rate-limit', 'sign_in=6:2'] });
    const save = server;
    server = proxied;
    try {
      // Two clients behind the proxy at 127.0.0.4 have their own budgets.
      for (let i = 0; i < 2; i += 1) expectProblem(assert, await badLogin('127.0.0.4', { 'X-Forwarded-For': '203.0.113.1' }), 401, 'invalid_credentials');
      expectProblem(assert, await badLogin('127.0.0.4', { 'X-Forwarded-For': '203.0.113.1' }), 429, 'rate_limited');
      expectProblem(assert, await badLogin('127.0.0.4', { Forwarded: 'for="203.0.113.2:5050"' }), 401, 'invalid_credentials');
      // A client that is not a proxy cannot buy itself new budgets with the header.
      for (let i = 0; i < 2; i += 1) await badLogin('127.0.0.5', { 'X-Forwarded-For': `203.0.113.${100 + i}` });
      expectProblem(assert, await badLogin('127.0.0.5', { 'X-Forwarded-For': '203.0.113.200' }), 429, 'rate_limited');
    } finally {
      server = save;
      await proxied.stop();
    }
  });
});

describe('settings', { timeout: 60_000 }, () => {
  for (const [flag, value, says] of [
    ['--rate-limit', 'reads=10', /reads=10/],
    ['--rate-limit', 'read=ten', /whole number/],
    ['--trusted-proxies', 'proxy.example', /proxy\.example/],
    ['--cors-origin', '*', /origin/i],
    ['--cors-origin', 'https://console.example.com/app', /origin/i],
  ]) {
    test(`${flag} ${value} is refused with a reason`, async () => {
      const r = await runServerExpectingFailure(['--listen', '127.0.0.1:0', '--docker-host', dockerHost, '--data-dir', '{DATA_DIR}', flag, value]);
      assert.equal(r.timedOut, false);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, says);
    });
  }
});
