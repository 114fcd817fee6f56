// The process: health and readiness, version, settings validated at startup, graceful SIGTERM,
// and the HTTP edge's limits (slow headers, huge headers, keep-alive).
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  runServerExpectingFailure,
  startServer,
} from './lib/harness.mjs';

let server;
let dockerHost;

before(async () => {
  dockerHost = await ensureEngine();
  server = await startServer();
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    await releaseEngine();
  }
});

// Reads from a raw socket until it closes or `ms` pass. Resolves {data, closed, error}.
function readUntilClose(socket, ms) {
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const finish = (closed, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ data, closed, error });
    };
    socket.setEncoding('utf8');
    socket.on('data', (c) => {
      data += c;
    });
    socket.on('close', () => finish(true, null));
    socket.on('error', (err) => finish(true, err));
    const timer = setTimeout(() => finish(false, null), ms);
  });
}

describe('process endpoints', { timeout: 30_000 }, () => {
  test('healthz', async () => {
    const res = await server.api('GET', '/healthz');
    expectStatus(assert, res, 200);
    assert.deepEqual(res.json, { status: 'ok' });
    assert.match(String(res.headers['content-type']), /application\/json/);
  });

  test('readyz', async () => {
    const res = await server.api('GET', '/readyz');
    expectStatus(assert, res, 200);
    assert.deepEqual(res.json, {
      status: 'ready',
      checks: { database: { status: 'up' }, environments: { local: { status: 'up' } } },
    });
  });

  test('version', async () => {
    const res = await server.api('GET', '/api/v1/version');
    expectStatus(assert, res, 200);
    assert.deepEqual(res.json, { name: 'dokkerr', version: '0.1.0', api_versions: ['v1'] });
  });

  test('every response has an X-Request-Id', async () => {
    for (const p of ['/healthz', '/readyz', '/api/v1/version', '/api/v1/nowhere']) {
      const res = await server.api('GET', p);
      assert.match(String(res.headers['x-request-id']), /^[A-Za-z0-9._:-]{1,128}$/, p);
    }
  });
});

describe('settings are validated at startup', { timeout: 120_000 }, () => {
  const cases = [
    ['bad --listen', ['--listen', 'not-an-address'], /listen/i],
    ['--listen with a bad port', ['--listen', '127.0.0.1:99999'], /listen/i],
    ['non-loopback --listen without TLS', ['--listen', '0.0.0.0:0'], /listen/i],
    ['bad --database URL', ['--listen', '127.0.0.1:0', '--database', 'mysql://localhost/x'], /database/i],
    ['malformed --database URL', ['--listen', '127.0.0.1:0', '--database', 'sqlite:relative.db'], /database/i],
    ['bad --docker-host', ['--listen', '127.0.0.1:0', '--docker-host', 'ftp://127.0.0.1:1'], /docker[-_ ]?host/i],
    ['bad --max-body-size', ['--listen', '127.0.0.1:0', '--max-body-size', 'lots'], /max[-_ ]?body[-_ ]?size/i],
    ['unknown option', ['--listen', '127.0.0.1:0', '--no-such-option', 'x'], /no-such-option/i],
  ];
  for (const [name, args, pattern] of cases) {
    test(name, async () => {
      const argv = [...args];
      if (!argv.includes('--docker-host')) argv.push('--docker-host', dockerHost);
      argv.push('--data-dir', '{DATA_DIR}');
      const r = await runServerExpectingFailure(argv);
      assert.equal(r.timedOut, false, `the server started with ${args.join(' ')}; stdout: ${r.stdout}`);
      assert.notEqual(r.code, 0, 'a non-zero exit code');
      assert.doesNotMatch(r.stdout, /Dokkerr listening on/, 'never listened');
      assert.match(r.stderr + r.stdout, pattern, `the message names the setting: ${(r.stderr + r.stdout).slice(0, 500)}`);
    });
  }

  test('a bad value in the environment is named too', async () => {
    const r = await runServerExpectingFailure(['--data-dir', '{DATA_DIR}', '--docker-host', dockerHost], {
      env: { DOKKERR_LISTEN: 'nonsense' },
    });
    assert.equal(r.timedOut, false, 'the server started with DOKKERR_LISTEN=nonsense');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /listen/i);
  });
});

describe('configuration file', { timeout: 120_000 }, () => {
  test('--config FILE is read: its settings apply and its mistakes are named', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-config-'));
    try {
      const good = path.join(dir, 'good.toml');
      await fsp.writeFile(good, '[server]\nmax-body-size = 2048\nlog-level = "warn"\n');
      const s = await startServer({ args: ['--config', good] });
      try {
        const small = await s.api('POST', envPath('volumes'), { raw: JSON.stringify({ Name: 'x'.repeat(10) }) });
        assert.notEqual(small.status, 413, 'a small body passes');
        if (small.status === 201) await s.api('DELETE', envPath(`volumes/${'x'.repeat(10)}`));
        const big = await s.api('POST', envPath('volumes'), { raw: JSON.stringify({ Name: 'y', Labels: { pad: 'z'.repeat(4096) } }) });
        expectProblem(assert, big, 413, 'payload_too_large');
      } finally {
        await s.stop();
      }
      const bad = path.join(dir, 'bad.toml');
      await fsp.writeFile(bad, '[server]\nlisten = "nowhere"\n');
      const r = await runServerExpectingFailure(['--config', bad, '--data-dir', '{DATA_DIR}', '--docker-host', dockerHost]);
      assert.equal(r.timedOut, false);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /listen/i);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', { timeout: 60_000 }, () => {
  test('SIGTERM exits 0 with an idle keep-alive connection and an open WebSocket', async () => {
    const s = await startServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: s.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
      const ws = await s.ws(envPath('events'));
      await s.stop(); // asserts exit code 0 within 10 s
      const closed = await ws.waitClosed(5_000);
      assert.ok([1001, 1000, 1006].includes(closed.code), `WebSocket closed (${closed.code})`);
    } finally {
      agent.destroy();
      await s.stop().catch(() => {});
    }
  });

  test('SIGTERM with a half-sent request pending still exits 0 in time', async () => {
    const s = await startServer();
    const socket = await s.connect();
    socket.on('error', () => {});
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ');
    try {
      await s.stop();
    } finally {
      socket.destroy();
    }
  });
});

describe('HTTP edge limits', { timeout: 90_000 }, () => {
  test('slow-loris headers: 408 or the connection closes within the header timeout', async () => {
    const socket = await server.connect();
    const start = Date.now();
    const reading = readUntilClose(socket, 30_000);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    // Trickle one byte a second; a bounded server drops us long before we finish.
    let trickled = 0;
    const trickle = setInterval(() => {
      if (socket.destroyed || trickled >= 28) return;
      trickled += 1;
      socket.write('a');
    }, 1_000);
    const result = await reading;
    clearInterval(trickle);
    socket.destroy();
    const elapsed = Date.now() - start;
    assert.ok(result.closed, `the server kept a slow-header connection open for ${elapsed} ms`);
    if (result.data.length > 0) assert.match(result.data, /^HTTP\/1\.1 408 /, result.data.slice(0, 200));
    assert.ok(elapsed < 25_000, `closed after ${elapsed} ms`);
  });

  test('an idle connection that never sends is closed too', async () => {
    const socket = await server.connect();
    socket.write('G'); // one byte, then nothing
    const result = await readUntilClose(socket, 30_000);
    socket.destroy();
    assert.ok(result.closed, 'connection closed');
  });

  test('headers too large: 431 headers_too_large', async () => {
    const socket = await server.connect();
    const reading = readUntilClose(socket, 15_000);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(18_000)}\r\n\r\n`);
    const result = await reading;
    socket.destroy();
    assert.match(result.data, /^HTTP\/1\.1 431 /, `got ${JSON.stringify(result.data.slice(0, 200))} (error ${result.error?.code})`);
    const body = result.data.slice(result.data.indexOf('\r\n\r\n') + 4);
    const json = JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1));
    assert.equal(json.code, 'headers_too_large');
  });

  test('many headers adding up over the limit: 431', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}`).join('\r\n');
    const socket = await server.connect();
    const reading = readUntilClose(socket, 15_000);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}\r\n\r\n`);
    const result = await reading;
    socket.destroy();
    assert.match(result.data, /^HTTP\/1\.1 431 /, `got ${JSON.stringify(result.data.slice(0, 200))}`);
  });

  test('keep-alive: several requests on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set();
      const reused = [];
      for (let i = 0; i < 5; i += 1) {
        await new Promise((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: server.port, path: i % 2 ? '/healthz' : '/api/v1/version', agent, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
            assert.equal(res.statusCode, 200);
            assert.notEqual(String(res.headers.connection).toLowerCase(), 'close');
            res.resume();
            res.on('end', resolve);
          });
          req.on('socket', (s) => sockets.add(s));
          req.on('error', reject);
          reused.push(req);
        });
      }
      assert.equal(sockets.size, 1, 'all five requests used one connection');
      assert.deepEqual(reused.map((r) => r.reusedSocket), [false, true, true, true, true]);
    } finally {
      agent.destroy();
    }
  });

  test('pipelined requests on one raw connection answer in order', async () => {
    const socket = await server.connect();
    const reading = readUntilClose(socket, 10_000);
    socket.write(
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n' +
        `GET /api/v1/version HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\nAuthorization: Bearer ${server.token}\r\n\r\n` +
        'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\nConnection: close\r\n\r\n',
    );
    const result = await reading;
    socket.destroy();
    assert.ok(result.closed, 'Connection: close honoured');
    const ids = [...result.data.matchAll(/x-request-id: ([^\r\n]+)/gi)].map((m) => m[1]);
    assert.deepEqual(ids, ['one', 'two', 'three']);
    assert.equal((result.data.match(/HTTP\/1\.1 200 /g) || []).length, 3);
  });

  test('a malformed request line is 400 and the connection closes', async () => {
    const socket = await server.connect();
    const reading = readUntilClose(socket, 10_000);
    socket.write('THIS IS NOT HTTP\r\n\r\n');
    const result = await reading;
    socket.destroy();
    assert.ok(result.closed);
    if (result.data) assert.match(result.data, /^HTTP\/1\.1 400 /);
  });

  test('the server still answers after the abuse above', async () => {
    expectStatus(assert, await server.api('GET', '/healthz'), 200);
  });
});

describe('unknown routes', { timeout: 30_000 }, () => {
  test('route_not_found and method_not_allowed are problem documents', async () => {
    expectProblem(assert, await server.api('GET', '/api/v1/no-such-thing'), 404, 'route_not_found');
    expectProblem(assert, await server.api('POST', '/healthz'), 405, 'method_not_allowed');
  });
});

describe('connections per client address', { timeout: 60_000 }, () => {
  test('a flood of connections from one address leaves another address served', async () => {
    const net = await import('node:net');
    const s = await startServer({ args: ['--max-connections-per-address', '4'] });
    const flood = [];
    try {
      // Loopback is all of 127/8: the flood comes from 127.0.0.2, the other client from 127.0.0.1.
      for (let i = 0; i < 8; i += 1) {
        const socket = net.connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
        socket.on('error', () => {}); // a refused one may end with a reset
        const ended = new Promise((resolve) => socket.once('close', () => resolve(true)));
        flood.push({ socket, ended });
      }
      const closedEarly = await Promise.all(flood.map(({ ended }) =>
        Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve(false), 2_000))])));
      assert.equal(closedEarly.filter(Boolean).length, 4, 'four of eight were refused');
      const res = await s.api('GET', '/api/v1/version');
      assert.equal(res.status, 200, 'another address is still served');
    } finally {
      for (const { socket } of flood) socket.destroy();
      await s.stop();
    }
  });
});
