// Shared harness for the integration tests: runs the real `dokkerr server` against a private
// Docker engine (scripts/testenv/dockerd.sh), talks to it over HTTP and WebSocket, and talks to
// the engine directly (unix socket) to set up and clean up.
//
// Environment:
//   DOKKERR_BIN                 the program (default build/debug/bin/dokkerr)
//   DOKKERR_TEST_DOCKER_HOST    unix:///… of the engine under test; when unset, the harness starts
//                               `scripts/testenv/dockerd.sh start test` itself (see ensureEngine)
//   DOKKERR_TEST_DATABASE_URL   when set, every server gets a fresh database on that server
//   DOKKERR_TEST_DATABASE       "postgres": the same, on the server in DOKKERR_TEST_POSTGRES_URL
//                               (postgres: CREATE DATABASE via psql, dropped at stop)
//   DOKKERR_TESTENV_DIR         state directory of the test engines (default <repo>/.testenv)
//   DOKKERR_TEST_VERBOSE=1      copy the servers' stderr to ours
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEST_IMAGE = 'dokkerr-test/busybox:latest';
export const ENGINE_API = '/v1.41';
export const TESTENV_SCRIPT = path.join(REPO_ROOT, 'scripts/testenv/dockerd.sh');
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const LISTEN_TIMEOUT_MS = 30_000; // debug builds with sanitizers start slowly
const STOP_TIMEOUT_MS = 10_000;

export function dokkerrBin() {
  return process.env.DOKKERR_BIN || path.join(REPO_ROOT, 'build/debug/bin/dokkerr');
}

export function testenvDir() {
  return process.env.DOKKERR_TESTENV_DIR || path.join(REPO_ROOT, '.testenv');
}

// A fresh name prefix for one test file: every object it makes starts with it.
export function uniquePrefix() {
  return `dkt-${randomBytes(4).toString('hex')}`;
}

// Labels every test object carries, so cleanup finds even unnamed ones.
export function testLabels(prefix, extra = {}) {
  return { 'test.dokkerr': '1', 'test.dokkerr.run': prefix, ...extra };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `predicate` (sync or async) until it returns a truthy value, which is returned. Throws
// after `timeoutMs`, naming `what` and the last error the predicate threw.
export async function waitFor(predicate, timeoutMs = 10_000, { intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const suffix = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

// Rejects with a clear message when `promise` does not settle within `timeoutMs`.
export async function withTimeout(promise, timeoutMs, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP

function parseBody(headers, buffer) {
  const text = buffer.toString('utf8');
  let json = null;
  const type = String(headers['content-type'] || '');
  if (/json/.test(type) && !/ndjson/.test(type) && text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return { text, json };
}

// One HTTP request. `target` is {port, host} or {socketPath}. Body: `body` is sent as JSON,
// `raw` (string or Buffer) verbatim. Resolves {status, headers, json, text, body}.
export function request(target, method, urlPath, { body, raw, headers = {}, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    let payload;
    if (raw !== undefined) {
      payload = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    } else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      if (!Object.keys(hdrs).some((h) => h.toLowerCase() === 'content-type')) {
        hdrs['Content-Type'] = 'application/json';
      }
    }
    if (payload !== undefined) hdrs['Content-Length'] = payload.length;
    const req = http.request(
      {
        ...target,
        host: target.socketPath ? undefined : target.host || '127.0.0.1',
        method,
        path: urlPath,
        headers: hdrs,
        agent: false, // one connection per request: nothing lingers when a server stops
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const buffer = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, body: buffer, ...parseBody(res.headers, buffer) });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${urlPath}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// A streamed (chunked) response read line by line. Resolves once the headers arrived with
// {status, headers, nextLine(timeoutMs), lines(), readAll(timeoutMs), close()}.
export function requestStream(target, method, urlPath, { body, raw, headers = {}, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    let payload;
    if (raw !== undefined) {
      payload = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    } else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      hdrs['Content-Type'] = 'application/json';
    }
    if (payload !== undefined) hdrs['Content-Length'] = payload.length;
    const req = http.request(
      { ...target, host: target.socketPath ? undefined : target.host || '127.0.0.1', method, path: urlPath, headers: hdrs, agent: false },
      (res) => {
        clearTimeout(timer);
        const queue = [];
        const waiters = [];
        let pending = '';
        let ended = false;
        let failure = null;
        const wake = () => {
          while (waiters.length > 0 && (queue.length > 0 || ended)) {
            const w = waiters.shift();
            clearTimeout(w.timer);
            if (queue.length > 0) w.resolve(queue.shift());
            else if (failure) w.reject(failure);
            else w.resolve(null);
          }
        };
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          pending += chunk;
          let nl;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).replace(/\r$/, '');
            pending = pending.slice(nl + 1);
            if (line.length > 0) queue.push(line);
          }
          wake();
        });
        const finish = (err) => {
          if (ended) return;
          if (pending.length > 0) queue.push(pending);
          pending = '';
          ended = true;
          failure = err || null;
          wake();
        };
        res.on('end', () => finish());
        res.on('error', (err) => finish(err));
        res.on('close', () => finish());
        const stream = {
          status: res.statusCode,
          headers: res.headers,
          get ended() {
            return ended && queue.length === 0;
          },
          // Next non-empty line, or null at the end of the stream.
          nextLine(ms = 10_000) {
            if (queue.length > 0) return Promise.resolve(queue.shift());
            if (ended) return failure ? Promise.reject(failure) : Promise.resolve(null);
            return new Promise((res2, rej2) => {
              const w = { resolve: res2, reject: rej2 };
              w.timer = setTimeout(() => {
                waiters.splice(waiters.indexOf(w), 1);
                rej2(new Error(`${method} ${urlPath}: no line within ${ms} ms`));
              }, ms);
              waiters.push(w);
            });
          },
          // Reads every line until the end of the stream (bounded).
          async readAll(ms = DEFAULT_REQUEST_TIMEOUT_MS) {
            const deadline = Date.now() + ms;
            const out = [];
            for (;;) {
              const line = await stream.nextLine(Math.max(1, deadline - Date.now()));
              if (line === null) return out;
              out.push(line);
            }
          },
          // Lines parsed as JSON until `predicate(obj)` holds (returns it) or the stream ends.
          async waitJson(predicate, ms = 10_000) {
            const deadline = Date.now() + ms;
            for (;;) {
              const line = await stream.nextLine(Math.max(1, deadline - Date.now()));
              if (line === null) throw new Error(`${urlPath}: stream ended before the awaited line`);
              const obj = JSON.parse(line);
              if (predicate(obj)) return obj;
            }
          },
          close() {
            req.destroy();
            res.destroy();
          },
        };
        resolve(stream);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${urlPath}: no headers within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// WebSocket

class WsClient {
  constructor(socket) {
    this.socket = socket;
    this.messages = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.#wake();
      });
    });
    socket.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.concat([].concat(data));
      this.messages.push({
        binary: isBinary,
        data: buffer,
        text: buffer.toString('utf8'),
        json() {
          return JSON.parse(this.text);
        },
      });
      this.#wake();
    });
    socket.on('error', () => {}); // surfaced through close
  }

  #wake() {
    for (const w of [...this.waiters]) w.check();
  }

  // The next message (consumed), or null when the socket closed first.
  next(timeoutMs = 10_000) {
    return this.waitMessage(() => true, timeoutMs);
  }

  // The first message satisfying `predicate`; earlier ones are dropped. Null when closed first.
  waitMessage(predicate, timeoutMs = 10_000, what = 'a WebSocket message') {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          while (this.messages.length > 0) {
            const m = this.messages.shift();
            let ok = false;
            try {
              ok = predicate(m);
            } catch {
              ok = false;
            }
            if (ok) {
              done();
              resolve(m);
              return;
            }
          }
          if (this.closeInfo) {
            done();
            resolve(null);
          }
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      this.waiters.push(waiter);
      waiter.check();
    });
  }

  send(data, { binary } = {}) {
    const isBinary = binary ?? Buffer.isBuffer(data);
    this.socket.send(data, { binary: isBinary });
  }

  sendJson(obj) {
    this.socket.send(JSON.stringify(obj), { binary: false });
  }

  // Closes and waits (bounded) for the close handshake; terminates if it does not finish.
  async close(code = 1000, timeoutMs = 5_000) {
    if (this.closeInfo) return this.closeInfo;
    try {
      this.socket.close(code);
    } catch {
      this.socket.terminate();
    }
    try {
      return await withTimeout(this.closed, timeoutMs, 'WebSocket close handshake');
    } catch {
      this.socket.terminate();
      return withTimeout(this.closed, timeoutMs, 'WebSocket termination');
    }
  }

  // Bounded wait for the peer to close.
  waitClosed(timeoutMs = 10_000) {
    return withTimeout(this.closed, timeoutMs, 'WebSocket close by the server');
  }
}

// Opens a WebSocket; rejects with err.status/err.body when the upgrade is refused.
export function openWebSocket(url, { headers = {}, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: timeoutMs, perMessageDeflate: false });
    const client = new WsClient(socket);
    let settled = false;
    socket.once('open', () => {
      settled = true;
      resolve(client);
    });
    socket.once('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        const err = new Error(`WebSocket upgrade refused: ${res.statusCode} ${text.slice(0, 300)}`);
        Object.assign(err, { status: res.statusCode, headers: res.headers, text, json });
        req.destroy();
        reject(err);
      });
    });
    socket.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The engine under test, directly (setup, cleanup, "behind the server's back")

export function parseDockerHost(host) {
  if (!host) throw new Error('no Docker host given');
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(host);
  if (m) return { host: m[1], port: Number(m[2]) };
  throw new Error(`unsupported Docker host ${host}`);
}

function readEnvFile(file) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

// Runs scripts/testenv/dockerd.sh CMD NAME; returns the engine's env file (parsed) for start*.
export async function testenv(cmd, name = 'test', { timeoutMs = 120_000 } = {}) {
  const env = { ...process.env, DOKKERR_TESTENV_DIR: testenvDir() };
  try {
    await execFileP('bash', [TESTENV_SCRIPT, cmd, name], { env, cwd: REPO_ROOT, timeout: timeoutMs });
  } catch (err) {
    throw new Error(`dockerd.sh ${cmd} ${name} failed: ${err.stderr || err.message}`);
  }
  if (cmd.startsWith('start') || cmd === 'restart') {
    return readEnvFile(path.join(testenvDir(), `dockerd-${name}`, 'env'));
  }
  return null;
}

// scripts/testenv/postgres.sh CMD (start|stop|url) for a PostgreSQL of the test's own under
// `stateDir` at a fixed `port` (so its URL survives a restart). Resolves the script's output.
export async function ownPostgres(stateDir, cmd, port) {
  const { stdout } = await execFileP('bash', [path.join(REPO_ROOT, 'scripts/testenv/postgres.sh'), cmd], {
    env: { ...process.env, DOKKERR_TESTENV_DIR: stateDir, POSTGRES_PORT: String(port) },
    timeout: 120_000,
  });
  return stdout.trim();
}

// A TCP port nothing listens on right now.
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// scripts/testenv/redis.sh CMD (start|stop|url) for a Redis of the test's own under `stateDir`,
// for tests that stop and restart it. Resolves the script's output.
export async function ownRedis(stateDir, cmd) {
  const { stdout } = await execFileP('bash', [path.join(REPO_ROOT, 'scripts/testenv/redis.sh'), cmd], {
    env: { ...process.env, DOKKERR_TESTENV_DIR: stateDir },
    timeout: 30_000,
  });
  return stdout.trim();
}

export async function testenvRunning(name) {
  try {
    await execFileP('bash', [TESTENV_SCRIPT, 'status', name], {
      env: { ...process.env, DOKKERR_TESTENV_DIR: testenvDir() },
      timeout: 15_000,
    });
    return true;
  } catch {
    return false;
  }
}

let engineStartedByUs = false;
let engineUsers = 0;

// The Docker host the servers under test use. When DOKKERR_TEST_DOCKER_HOST is unset, starts
// the `test` engine (idempotent) and remembers to stop it in releaseEngine() if it was down.
export async function ensureEngine() {
  engineUsers += 1;
  if (process.env.DOKKERR_TEST_DOCKER_HOST) return process.env.DOKKERR_TEST_DOCKER_HOST;
  if (!(await testenvRunning('test'))) engineStartedByUs = true;
  const env = await testenv('start', 'test');
  process.env.DOKKERR_TEST_DOCKER_HOST = env.DOCKER_HOST;
  return env.DOCKER_HOST;
}

export async function releaseEngine() {
  engineUsers -= 1;
  if (engineUsers <= 0 && engineStartedByUs) {
    engineStartedByUs = false;
    await testenv('stop', 'test');
    delete process.env.DOKKERR_TEST_DOCKER_HOST;
  }
}

export class Engine {
  constructor(dockerHost) {
    this.dockerHost = dockerHost;
    this.target = parseDockerHost(dockerHost);
  }

  // Engine API call, path relative to /v1.41.
  call(method, apiPath, opts = {}) {
    return request(this.target, method, ENGINE_API + apiPath, opts);
  }

  async ok(method, apiPath, opts = {}) {
    const res = await this.call(method, apiPath, opts);
    if (res.status >= 300) throw new Error(`engine ${method} ${apiPath}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  }

  async createContainer(name, body = {}) {
    const res = await this.ok('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], ...body },
    });
    return res.json.Id;
  }

  async removeContainer(idOrName) {
    const res = await this.call('DELETE', `/containers/${encodeURIComponent(idOrName)}?force=1&v=1`);
    if (res.status !== 204 && res.status !== 404) throw new Error(`engine remove ${idOrName}: ${res.status} ${res.text}`);
  }

  async inspectContainer(idOrName) {
    const res = await this.call('GET', `/containers/${encodeURIComponent(idOrName)}/json`);
    return res.status === 200 ? res.json : null;
  }

  // Removes every container, network, volume and image of this test run (prefix or run label).
  async cleanup(prefix) {
    const errors = [];
    const attempt = async (what, fn) => {
      try {
        await fn();
      } catch (err) {
        errors.push(`${what}: ${err.message}`);
      }
    };
    const containers = await this.ok('GET', '/containers/json?all=1');
    for (const c of containers.json) {
      const mine =
        (c.Names || []).some((n) => n.replace(/^\//, '').startsWith(prefix)) ||
        (c.Labels || {})['test.dokkerr.run'] === prefix;
      if (mine) await attempt(`container ${c.Id}`, () => this.removeContainer(c.Id));
    }
    const networks = await this.ok('GET', '/networks');
    for (const n of networks.json) {
      if (n.Name.startsWith(prefix) || (n.Labels || {})['test.dokkerr.run'] === prefix) {
        await attempt(`network ${n.Name}`, async () => {
          const r = await this.call('DELETE', `/networks/${n.Id}`);
          if (r.status >= 300 && r.status !== 404) throw new Error(`${r.status} ${r.text}`);
        });
      }
    }
    const volumes = await this.ok('GET', '/volumes');
    for (const v of volumes.json.Volumes || []) {
      if (v.Name.startsWith(prefix) || (v.Labels || {})['test.dokkerr.run'] === prefix) {
        await attempt(`volume ${v.Name}`, async () => {
          const r = await this.call('DELETE', `/volumes/${encodeURIComponent(v.Name)}?force=1`);
          if (r.status >= 300 && r.status !== 404) throw new Error(`${r.status} ${r.text}`);
        });
      }
    }
    const images = await this.ok('GET', '/images/json?all=1');
    for (const img of images.json) {
      const tags = (img.RepoTags || []).filter((t) => t.startsWith(prefix));
      const labelled = (img.Labels || {})['test.dokkerr.run'] === prefix;
      // Untag ours only; the image itself goes when no other tag holds it.
      for (const tag of tags) {
        await attempt(`image ${tag}`, async () => {
          const r = await this.call('DELETE', `/images/${encodeURIComponent(tag)}?force=1`);
          if (r.status >= 300 && r.status !== 404) throw new Error(`${r.status} ${r.text}`);
        });
      }
      if (labelled && tags.length === 0) {
        await attempt(`image ${img.Id}`, async () => {
          const r = await this.call('DELETE', `/images/${img.Id}?force=1`);
          if (r.status >= 300 && r.status !== 404 && r.status !== 409) throw new Error(`${r.status} ${r.text}`);
        });
      }
    }
    if (errors.length > 0) throw new Error(`cleanup of ${prefix} incomplete: ${errors.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Databases

async function psql(url, sql) {
  try {
    const { stdout } = await execFileP('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-At', '-c', sql], { timeout: 30_000 });
    return stdout.trim();
  } catch (err) {
    throw new Error(`psql failed (${sql}): ${err.stderr || err.message}`);
  }
}

// A fresh database for one server: {url, drop()}; url null means "the server's default".
// DOKKERR_TEST_DATABASE=postgres (set by ctest for the PostgreSQL pass) means the server in
// DOKKERR_TEST_POSTGRES_URL, which scripts/test.sh started.
function databaseBase() {
  if (process.env.DOKKERR_TEST_DATABASE_URL) return process.env.DOKKERR_TEST_DATABASE_URL;
  if (process.env.DOKKERR_TEST_DATABASE === 'postgres') {
    if (!process.env.DOKKERR_TEST_POSTGRES_URL) {
      throw new Error('DOKKERR_TEST_DATABASE=postgres needs DOKKERR_TEST_POSTGRES_URL');
    }
    return process.env.DOKKERR_TEST_POSTGRES_URL;
  }
  return undefined;
}

// An empty database for a server: {url, drop()} (url null: the data dir's SQLite file).
export async function freshDatabase(dataDir) {
  const base = databaseBase();
  if (!base) return { url: null, drop: async () => {} };
  if (base.startsWith('sqlite:')) {
    return { url: `sqlite://${path.join(dataDir, 'test.db')}`, drop: async () => {} };
  }
  if (!/^postgres(ql)?:\/\//.test(base)) throw new Error(`unsupported DOKKERR_TEST_DATABASE_URL ${base}`);
  const name = `dkt_${randomBytes(6).toString('hex')}`;
  await psql(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(base, name),
  };
}

// FORCE ends the connections left to the database, but not one of another role (an autovacuum
// worker that just started on it): that one ends by itself, so the drop is tried again.
async function dropDatabase(base, name) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await psql(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (err) {
      const transient = /must be a member of the role|being accessed by other users/.test(err.message);
      if (!transient || attempt >= 10) throw err;
      await sleep(500);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server

const liveServers = new Set();
process.on('exit', () => {
  for (const child of liveServers) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

const LISTEN_RE = /Dokkerr listening on https?:\/\/(127\.0\.0\.1):(\d+)/;
const SETUP_RE = /Dokkerr setup token: (\S+)/;
export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'integration admin passphrase 42';

class DokkerrServer {
  constructor(child, dataDir, db, port) {
    this.child = child;
    this.dataDir = dataDir;
    this.db = db;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.stopped = false;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get target() {
    return { host: '127.0.0.1', port: this.port };
  }

  stderr() {
    return this.child.stderrText();
  }

  // Requests carry the bootstrap admin's access token unless opts.token says otherwise
  // (a string: that token; null or false: no credentials) or the headers bring their own.
  withAuth(opts = {}) {
    const headers = { ...(opts.headers || {}) };
    const own = Object.keys(headers).some((k) => ['authorization', 'x-api-key'].includes(k.toLowerCase()));
    const token = opts.token === undefined ? this.token : opts.token;
    if (!own && token) headers.Authorization = `Bearer ${token}`;
    return { ...opts, headers };
  }

  api(method, urlPath, opts) {
    return request(this.target, method, urlPath, this.withAuth(opts));
  }

  stream(method, urlPath, opts) {
    return requestStream(this.target, method, urlPath, this.withAuth(opts));
  }

  // WebSockets authenticate with a one-time ticket fetched with the same credentials.
  async ws(urlPath, opts = {}) {
    let target = urlPath;
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) {
      // A ticket opens only the path it was issued for.
      const ticketPath = urlPath.split('?')[0];
      const res = await this.api('POST', '/api/v1/auth/ws-ticket', { token, body: { path: ticketPath } });
      if (res.status !== 200) throw new Error(`ws-ticket: ${res.status} ${res.text}`);
      target += `${target.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(res.json.ticket)}`;
    }
    return openWebSocket(`ws://127.0.0.1:${this.port}${target}`, opts);
  }

  // Creates the first admin from the setup token printed at start and signs in as it.
  async bootstrap() {
    const m = SETUP_RE.exec(this.child.stdoutText());
    if (!m) throw new Error(`no setup token printed; stdout: ${this.child.stdoutText().slice(0, 500)}`);
    this.setupToken = m[1];
    const setup = await request(this.target, 'POST', '/api/v1/setup', {
      body: { setup_token: this.setupToken, username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${setup.text}`);
    this.admin = setup.json;
    const session = await this.login(ADMIN_USER, ADMIN_PASSWORD);
    this.token = session.access_token;
    this.refreshToken = session.refresh_token;
  }

  // Signs in; returns the token pair (throws unless 200).
  async login(username, password, extra = {}) {
    const res = await request(this.target, 'POST', '/api/v1/auth/login', {
      body: { username, password, ...extra },
    });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    return res.json;
  }

  // A raw TCP connection to the server (for protocol-level tests).
  async connect() {
    const socket = net.connect(this.port, '127.0.0.1');
    await withTimeout(once(socket, 'connect'), 5_000, 'TCP connect');
    return socket;
  }

  // Runs SQL against this server's own database, as another client would: sqlite3 on the file
  // (waiting out the server's locks), psql on PostgreSQL. Returns the rows as text, one per
  // line, columns separated by '|'.
  async sql(statement) {
    if (this.db.url && !this.db.url.startsWith('sqlite')) return psql(this.db.url, statement);
    const file = this.db.url ? this.db.url.replace(/^sqlite:\/\//, '') : path.join(this.dataDir, 'dokkerr.db');
    try {
      const { stdout } = await execFileP('sqlite3', ['-cmd', '.timeout 10000', file, statement], { timeout: 30_000 });
      return stdout.trim();
    } catch (err) {
      throw new Error(`sqlite3 failed (${statement}): ${err.stderr || err.message}`);
    }
  }

  get backend() {
    return this.db.url && !this.db.url.startsWith('sqlite') ? 'postgres' : 'sqlite';
  }

  // Everything the database holds at rest, as text: the SQLite file (and its WAL), or a
  // pg_dump of the PostgreSQL database. For tests that look for secrets in clear.
  async storedText() {
    if (this.db.url && !this.db.url.startsWith('sqlite')) {
      const { stdout } = await execFileP('pg_dump', ['--data-only', this.db.url], { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
      return stdout;
    }
    const file = this.db.url ? this.db.url.replace(/^sqlite:\/\//, '') : path.join(this.dataDir, 'dokkerr.db');
    let text = '';
    for (const f of [file, `${file}-wal`]) {
      text += await fsp.readFile(f, 'latin1').catch(() => '');
    }
    return text;
  }

  // The bridge networks the server made for the teams createTenant made (a team's containers'
  // default network), once their containers are gone; the engine's address pool is finite.
  async removeTeamNetworks() {
    if (!this.teamIds?.size || !this.dockerHost) return;
    const engine = new Engine(this.dockerHost);
    const networks = await engine.call('GET', '/networks').catch(() => null);
    if (networks?.status !== 200) return; // the engine is down or gone: nothing to do
    for (const n of networks.json) {
      const labels = n.Labels || {};
      if (labels['io.dokkerr.team-network'] !== 'true' || !this.teamIds.has(labels['io.dokkerr.team'])) continue;
      // The tests remove their containers after the server stops: take them off the network
      // first (the containers stay for the test's own cleanup).
      const inspect = await engine.call('GET', `/networks/${n.Id}`);
      for (const container of Object.keys(inspect.json?.Containers ?? {})) {
        await engine.call('POST', `/networks/${n.Id}/disconnect`, { body: { Container: container, Force: true } });
      }
      const r = await engine.call('DELETE', `/networks/${n.Id}`);
      if (r.status >= 300 && ![404, 409].includes(r.status)) throw new Error(`removing ${n.Name}: ${r.status} ${r.text}`);
    }
  }

  // SIGKILL, as a crash would: nothing of the server's own shutdown runs. stop() afterwards
  // only cleans up.
  async kill() {
    this.killed = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exit;
  }

  // SIGTERM; the process must exit with 0 within 10 s. Always cleans the data dir and database.
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    let result;
    let failure;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    try {
      result = await withTimeout(this.exit, STOP_TIMEOUT_MS, 'server exit after SIGTERM');
    } catch (err) {
      this.child.kill('SIGKILL');
      await this.exit;
      failure = new Error(`${err.message}; killed. ${failureReport(this.child)}`);
    }
    liveServers.delete(this.child);
    await this.removeTeamNetworks().catch((err) => {
      failure ??= err;
    });
    try {
      await this.db.drop();
    } catch (err) {
      failure ??= err;
    }
    await fsp.rm(this.dataDir, { recursive: true, force: true });
    if (failure) throw failure;
    if (this.killed) return;
    if (result.code !== 0) {
      throw new Error(`server exited with code ${result.code} signal ${result.signal} after SIGTERM; ${failureReport(this.child)}`);
    }
  }
}

function tail(text, lines = 30) {
  return text.split('\n').slice(-lines).join('\n');
}

// What to show of a server's stderr when it failed: the start of a sanitizer or crash report
// when there is one, then the last lines. The whole stderr is kept in a file for reading.
function failureReport(child) {
  const text = child.stderrText();
  const file = path.join(os.tmpdir(), `dokkerr-it-${child.pid}.stderr.log`);
  try {
    fs.writeFileSync(file, text);
  } catch {
    // best effort
  }
  const lines = text.split('\n');
  const crash = lines.findIndex((l) => /ERROR: AddressSanitizer|runtime error:|terminate called|Segmentation fault|LeakSanitizer/.test(l));
  const head = crash >= 0 ? `${lines.slice(crash, crash + 25).map((l) => l.slice(0, 300)).join('\n')}\n...\n` : '';
  return `full stderr: ${file}\n${head}stderr tail:\n${tail(text)}`;
}

function spawnServer(args, env) {
  const childEnv = { ...process.env };
  // Leaks inside libraries we cannot fix (tests/lsan.supp); ours still fail the test.
  childEnv.LSAN_OPTIONS ??= `suppressions=${path.join(REPO_ROOT, 'tests/lsan.supp')}`;
  for (const key of Object.keys(childEnv)) {
    // The flags we pass decide; a stray DOKKERR_* from the caller must not.
    if (key.startsWith('DOKKERR_') && !key.startsWith('DOKKERR_TEST')) delete childEnv[key];
  }
  Object.assign(childEnv, env);
  const child = spawn(dokkerrBin(), ['server', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    stdout += c;
    child.emit('stdout-text');
  });
  child.stderr.on('data', (c) => {
    stderr += c;
    if (stderr.length > 4_000_000) stderr = stderr.slice(-2_000_000);
    if (process.env.DOKKERR_TEST_VERBOSE) process.stderr.write(c);
  });
  child.stdoutText = () => stdout;
  child.stderrText = () => stderr;
  return child;
}

// Starts `dokkerr server` on 127.0.0.1:0 with a fresh data dir and database.
// options: {dockerHost, args: [...extra flags], env: {...}, maxBodySize, replicaOf}
// replicaOf: another server whose database and keys this one shares, as replicas do (it is
// signed in as that server's admin; stopping it leaves the shared database alone).
export async function startServer({ dockerHost, args = [], env = {}, maxBodySize, bootstrap = true, replicaOf, dataDir: givenDataDir, database } = {}) {
  if (!fs.existsSync(dokkerrBin())) throw new Error(`dokkerr binary not found at ${dokkerrBin()} (set DOKKERR_BIN)`);
  const host = dockerHost ?? process.env.DOKKERR_TEST_DOCKER_HOST ?? (await ensureEngine());
  const dataDir = givenDataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-it-')));
  let db;
  if (givenDataDir) {
    // A data dir and database that already hold an installation (a restored backup): the
    // server is signed in as its admin, and stopping it removes both like any other.
    db = database ?? { url: null, drop: async () => {} };
    bootstrap = false;
  } else if (replicaOf) {
    await fsp.cp(path.join(replicaOf.dataDir, 'keys'), path.join(dataDir, 'keys'), { recursive: true });
    db = { url: replicaOf.db.url ?? `sqlite://${path.join(replicaOf.dataDir, 'dokkerr.db')}`, drop: async () => {} };
    bootstrap = false;
  } else {
    db = await freshDatabase(dataDir);
  }
  const argv = ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--docker-host', host];
  if (db.url) argv.push('--database', db.url);
  if (maxBodySize !== undefined) argv.push('--max-body-size', String(maxBodySize));
  argv.push(...args);
  const child = spawnServer(argv, env);
  liveServers.add(child);
  try {
    const port = await withTimeout(
      new Promise((resolve, reject) => {
        const check = () => {
          const m = LISTEN_RE.exec(child.stdoutText());
          if (m) resolve(Number(m[2]));
        };
        child.on('stdout-text', check);
        child.once('exit', (code, signal) =>
          reject(new Error(`server exited (code ${code}, signal ${signal}) before listening; ${failureReport(child)}`)),
        );
        child.once('error', reject);
        check();
      }),
      LISTEN_TIMEOUT_MS,
      'the "Dokkerr listening on" line',
    );
    const server = new DokkerrServer(child, dataDir, db, port);
    server.dockerHost = host;
    if (bootstrap) await server.bootstrap();
    if (replicaOf || givenDataDir) server.token = (await server.login(ADMIN_USER, ADMIN_PASSWORD)).access_token;
    return server;
  } catch (err) {
    child.kill('SIGKILL');
    liveServers.delete(child);
    await db.drop().catch(() => {});
    await fsp.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

// Runs `dokkerr server ARGS` expecting it to refuse to start. Resolves {code, signal, stdout,
// stderr, timedOut}; a server still running after `timeoutMs` is killed and reported timedOut.
export async function runServerExpectingFailure(args, { env = {}, timeoutMs = 15_000 } = {}) {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-it-'));
  const child = spawnServer(args.map((a) => a.replaceAll('{DATA_DIR}', dataDir)), env);
  liveServers.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let result;
  try {
    result = { ...(await withTimeout(exited, timeoutMs, 'server to refuse the settings')), timedOut: false };
  } catch {
    child.kill('SIGKILL');
    result = { ...(await exited), timedOut: true };
  }
  liveServers.delete(child);
  await fsp.rm(dataDir, { recursive: true, force: true });
  return { ...result, stdout: child.stdoutText(), stderr: child.stderrText() };
}

// ---------------------------------------------------------------------------------------------
// Assertion helpers for the API's shapes

// Asserts an application/problem+json error with the given status and code.
export function expectProblem(assert, res, status, code) {
  const where = `${res.status} ${res.text.slice(0, 400)}`;
  assert.equal(res.status, status, `expected HTTP ${status}, got ${where}`);
  assert.match(String(res.headers['content-type'] || ''), /application\/problem\+json/, `problem content type: ${where}`);
  assert.ok(res.json, `problem body is JSON: ${where}`);
  assert.equal(res.json.code, code, `problem code: ${where}`);
  assert.equal(res.json.status, status, `problem status field: ${where}`);
  assert.equal(res.json.type, `https://dokkerr.dev/problems/${code}`, `problem type: ${where}`);
  assert.equal(typeof res.json.title, 'string', `problem title: ${where}`);
  assert.equal(typeof res.json.request_id, 'string', `problem request_id: ${where}`);
  assert.equal(res.json.request_id, res.headers['x-request-id'], `problem request_id matches header: ${where}`);
  return res.json;
}

export function expectStatus(assert, res, status) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status} ${res.text.slice(0, 400)}`);
  return res;
}

// Asserts the list envelope {items: [...], next_cursor} and returns items.
export function expectList(assert, res) {
  expectStatus(assert, res, 200);
  assert.ok(res.json && Array.isArray(res.json.items), `list envelope with items: ${res.text.slice(0, 300)}`);
  assert.ok('next_cursor' in res.json, `list envelope has next_cursor: ${res.text.slice(0, 300)}`);
  return res.json.items;
}

// Path helper: /api/v1/environments/{env}/<rest>.
export function envPath(rest, env = 'local') {
  return `/api/v1/environments/${env}/${rest.replace(/^\//, '')}`;
}

export const ref = (s) => encodeURIComponent(s);

// ---------------------------------------------------------------------------------------------
// Tenancy: organizations, teams and their users, made through the API as the bootstrap admin.

export const TENANT_PASSWORD = 'tenant password 1234';

async function must(res, what, status = [200, 201, 204]) {
  if (!status.includes(res.status)) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.json;
}

// Creates an organization (or reuses orgId), a team in it, grants the environment to the team,
// and creates a user with `role` in the team and signs them in.
// Returns {orgId, teamId, userId, username, token, refreshToken}.
export async function createTenant(server, { name = uniquePrefix(), orgId, role = 'developer', env = 'local', teamId } = {}) {
  if (!orgId) {
    orgId = (await must(await server.api('POST', '/api/v1/organizations', { body: { name: `${name}-org` } }), 'create org')).id;
  }
  if (!teamId) {
    teamId = (await must(await server.api('POST', '/api/v1/teams', { body: { org_id: orgId, name: `${name}-team` } }), 'create team')).id;
    await must(
      await server.api('POST', `/api/v1/environments/${env}/grants`, { body: { grantee_type: 'team', grantee_id: teamId } }),
      'grant environment',
    );
  }
  const username = `${name}-user`.slice(0, 60);
  const user = await must(
    await server.api('POST', '/api/v1/users', { body: { username, password: TENANT_PASSWORD } }),
    'create user',
  );
  await must(await server.api('PUT', `/api/v1/teams/${teamId}/members/${user.id}`, { body: { role } }), 'add member');
  const session = await server.login(username, TENANT_PASSWORD);
  server.teamIds ??= new Set();
  server.teamIds.add(teamId);
  return { orgId, teamId, userId: user.id, username, token: session.access_token, refreshToken: session.refresh_token };
}
