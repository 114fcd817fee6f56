// TLS on the listening port: a self-signed certificate generated once, a supplied one reloaded on
// SIGHUP without dropping connections, TLS 1.2+ with forward-secret AEAD suites only, HSTS, and
// the refusal to serve a non-loopback address in clear text.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ensureEngine,
  releaseEngine,
  runServerExpectingFailure,
  startServer,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
let dockerHost;
const started = [];
let workDir;

before(async () => {
  dockerHost = await ensureEngine();
  workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-tls-'));
});

after(async () => {
  for (const s of started) await s.stop().catch(() => {});
  if (workDir) await fsp.rm(workDir, { recursive: true, force: true });
  await releaseEngine();
});

async function startTlsServer(args) {
  const s = await startServer({ dockerHost, args, bootstrap: false });
  started.push(s);
  return s;
}

// One HTTPS request verified against `ca`. Resolves {status, headers, json, fingerprint, reused}.
function httpsRequest(port, method, urlPath, { ca, body, agent = false, tlsOptions = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      {
        host: '127.0.0.1', port, method, path: urlPath, ca, agent, timeout: 10_000,
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        ...tlsOptions,
      },
      (res) => {
        // Read now: a keep-alive agent takes the socket back once the answer has ended.
        const fingerprint = res.socket.getPeerCertificate().fingerprint256;
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({
            status: res.statusCode, headers: res.headers, json, text,
            fingerprint,
            reused: req.reusedSocket,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// A bare TLS handshake; resolves the negotiated {protocol, cipher} or rejects.
function handshake(port, options) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('handshake timed out')));
    socket.on('error', reject);
  });
}

async function makeCertificate(name) {
  const cert = path.join(workDir, `${name}.crt`);
  const key = path.join(workDir, `${name}.key`);
  await execFileP('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]);
  await fsp.chmod(key, 0o600);
  return { cert, key };
}

describe('self-signed TLS', { timeout: 120_000 }, () => {
  let server;
  let ca;

  before(async () => {
    server = await startTlsServer(['--tls-self-signed']);
    ca = fs.readFileSync(path.join(server.dataDir, 'tls', 'cert.pem'));
  });

  test('serves HTTPS with a certificate for 127.0.0.1 and prints its fingerprint', async () => {
    const res = await httpsRequest(server.port, 'GET', '/healthz', { ca });
    assert.equal(res.status, 200);
    const printed = /SHA-256 fingerprint: ([0-9A-F:]+)/.exec(server.child.stdoutText());
    assert.ok(printed, `fingerprint printed: ${server.child.stdoutText()}`);
    assert.equal(printed[1], res.fingerprint);
    assert.match(server.child.stdoutText(), /Dokkerr listening on https:\/\//);
  });

  test('every answer carries HSTS, errors included', async () => {
    for (const p of ['/healthz', '/api/v1/me', '/api/v1/nowhere']) {
      const res = await httpsRequest(server.port, 'GET', p, { ca });
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', p);
    }
  });

  test('setup and sign-in work over TLS', async () => {
    const token = /Dokkerr setup token: (\S+)/.exec(server.child.stdoutText())[1];
    const setup = await httpsRequest(server.port, 'POST', '/api/v1/setup', {
      ca, body: { setup_token: token, username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    assert.equal(setup.status, 201, setup.text);
    const login = await httpsRequest(server.port, 'POST', '/api/v1/auth/login', {
      ca, body: { username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    assert.ok(login.json.access_token);
  });

  test('TLS 1.2 and 1.3 with AEAD suites only; TLS 1.1 and CBC suites are refused', async () => {
    const v13 = await handshake(server.port, { minVersion: 'TLSv1.3' });
    assert.equal(v13.protocol, 'TLSv1.3');
    const v12 = await handshake(server.port, { maxVersion: 'TLSv1.2' });
    assert.equal(v12.protocol, 'TLSv1.2');
    assert.match(v12.cipher, /GCM|CHACHA20/);
    await assert.rejects(handshake(server.port, {
      minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0',
    }));
    await assert.rejects(handshake(server.port, {
      maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA',
    }));
  });

  test('plain HTTP to the TLS port gets no answer and does not disturb the server', async () => {
    const net = await import('node:net');
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await new Promise((resolve) => {
      let data = '';
      socket.on('data', (c) => { data += c.toString('latin1'); });
      socket.on('close', () => resolve(data));
      socket.setTimeout(5_000, () => socket.destroy());
    });
    assert.doesNotMatch(got, /HTTP\/1\.1 200/);
    const res = await httpsRequest(server.port, 'GET', '/healthz', { ca });
    assert.equal(res.status, 200);
  });

  test('the certificate is generated once and kept across restarts', async () => {
    const before = fs.readFileSync(path.join(server.dataDir, 'tls', 'cert.pem'), 'utf8');
    const keyMode = fs.statSync(path.join(server.dataDir, 'tls', 'key.pem')).mode & 0o777;
    assert.equal(keyMode, 0o600);
    const again = await startServer({
      dockerHost, bootstrap: false, args: ['--tls-self-signed'],
    });
    started.push(again);
    // A second server with its own data dir gets its own certificate…
    const other = fs.readFileSync(path.join(again.dataDir, 'tls', 'cert.pem'), 'utf8');
    assert.notEqual(other, before);
    await again.stop();
    // …and this one still serves the one it generated first.
    const res = await httpsRequest(server.port, 'GET', '/healthz', { ca: before });
    assert.equal(res.status, 200);
  });
});

describe('supplied certificate, reloaded on SIGHUP', { timeout: 120_000 }, () => {
  test('a new certificate is served after SIGHUP; a connection opened before keeps working', async () => {
    const first = await makeCertificate('first');
    const second = await makeCertificate('second');
    const live = { cert: path.join(workDir, 'live.crt'), key: path.join(workDir, 'live.key') };
    await fsp.copyFile(first.cert, live.cert);
    await fsp.copyFile(first.key, live.key);
    const server = await startTlsServer(['--tls-cert', live.cert, '--tls-key', live.key]);
    const caFirst = fs.readFileSync(first.cert);
    const caSecond = fs.readFileSync(second.cert);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: caFirst });
    try {
      const a = await httpsRequest(server.port, 'GET', '/healthz', { agent, ca: caFirst });
      assert.equal(a.status, 200);
      // A broken pair on SIGHUP leaves the current one in use.
      await fsp.writeFile(live.cert, 'not a certificate');
      server.child.kill('SIGHUP');
      await waitFor(() => /TLS certificate not reloaded/.test(server.child.stderrText()), 5_000,
        { what: 'the failed reload logged' });
      const stillFirst = await httpsRequest(server.port, 'GET', '/healthz', { ca: caFirst });
      assert.equal(stillFirst.status, 200);

      await fsp.copyFile(second.cert, live.cert);
      await fsp.copyFile(second.key, live.key);
      server.child.kill('SIGHUP');
      await waitFor(async () => {
        try {
          return (await httpsRequest(server.port, 'GET', '/healthz', { ca: caSecond })).status === 200;
        } catch {
          return false;
        }
      }, 5_000, { what: 'the new certificate on new connections' });
      const b = await httpsRequest(server.port, 'GET', '/healthz', { agent, ca: caFirst });
      assert.equal(b.status, 200);
      assert.equal(b.reused, true, 'the keep-alive connection from before the reload was reused');
      assert.equal(b.fingerprint, a.fingerprint);
    } finally {
      agent.destroy();
    }
  });
});

describe('clear text beyond loopback is refused', { timeout: 60_000 }, () => {
  test('a non-loopback --listen without TLS names the ways out', async () => {
    const r = await runServerExpectingFailure(['--listen', '0.0.0.0:0', '--docker-host', dockerHost, '--data-dir', '{DATA_DIR}']);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tls-self-signed/);
    assert.match(r.stderr, /--insecure-http/);
  });

  test('--tls-cert without --tls-key, and an unreadable certificate, are refused', async () => {
    const lone = await runServerExpectingFailure(['--listen', '127.0.0.1:0', '--tls-cert', '/nonexistent.crt', '--docker-host', dockerHost, '--data-dir', '{DATA_DIR}']);
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--tls-key/);
    const missing = await runServerExpectingFailure(['--listen', '127.0.0.1:0', '--tls-cert', '/nonexistent.crt', '--tls-key', '/nonexistent.key', '--docker-host', dockerHost, '--data-dir', '{DATA_DIR}']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nonexistent\.crt/);
  });

  test('--insecure-http allows a non-loopback address (behind a TLS-terminating proxy)', async () => {
    const r = await runServerExpectingFailure(['--listen', '0.0.0.0:0', '--insecure-http', '--docker-host', dockerHost, '--data-dir', '{DATA_DIR}'], { timeoutMs: 8_000 });
    assert.equal(r.timedOut, true, `it started and kept running: ${r.stderr.slice(0, 300)}`);
    assert.match(r.stdout, /Dokkerr listening on http:\/\/0\.0\.0\.0:\d+/);
  });
});
