// Two replicas sharing one database and Redis behind nginx configured with
// deploy/nginx/dokkerr.conf (only its listen address changed): requests and WebSockets reach both
// replicas through it, the client behind it is rate limited as itself with one budget, events of
// one replica reach WebSockets on the other, and a replica killed during a run of creates loses
// no acknowledged write.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  ownRedis,
  REPO_ROOT,
  TEST_IMAGE,
  TENANT_PASSWORD,
  createTenant,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  request,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
const NGINX = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const PROPAGATION_MS = 3_000;
const BURST = 5;

let stateDir;
let nginx;
let nginxPort;
let first;
let second;
let proxied; // the admin's view of the deployment, through nginx

const redis = (cmd) => ownRedis(stateDir, cmd);

async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startNginx(upstreams) {
  nginxPort = await freePort();
  const conf = path.join(stateDir, 'nginx');
  await fsp.mkdir(conf, { recursive: true });
  const site = (await fsp.readFile(path.join(REPO_ROOT, 'deploy/nginx/dokkerr.conf'), 'utf8')).replace(
    /listen 8080;/,
    `listen 127.0.0.1:${nginxPort};`,
  );
  assert.ok(site.includes(`listen 127.0.0.1:${nginxPort};`), 'the deploy config listens where the test expects');
  await fsp.writeFile(path.join(conf, 'dokkerr.conf'), site);
  const temp = (name) => `${name}_temp_path ${path.join(conf, name)};`;
  await fsp.writeFile(
    path.join(conf, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      // The master runs as root in the test environment; workers stay root to use the state dir.
      ...(process.getuid() === 0 ? ['user root;'] : []),
      `pid ${path.join(conf, 'nginx.pid')};`,
      `error_log ${path.join(conf, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      '  upstream dokkerr_replicas {',
      ...upstreams.map((port) => `    server 127.0.0.1:${port} max_fails=2 fail_timeout=5s;`),
      '    keepalive 32;',
      '  }',
      `  include ${path.join(conf, 'dokkerr.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  nginx = spawn(NGINX, ['-p', conf, '-c', path.join(conf, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr.on('data', (c) => (stderr += c));
  nginx.exited = new Promise((resolve) => nginx.once('exit', resolve));
  await waitFor(
    async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return (await request({ port: nginxPort }, 'GET', '/healthz').catch(() => ({ status: 0 }))).status === 200;
    },
    10_000,
    { what: 'nginx to answer' },
  );
}

// A view of `server` (its token) that talks to nginx instead.
const throughNginx = (server) => Object.assign(Object.create(Object.getPrototypeOf(server)), server, { port: nginxPort });

const badLogin = (address, spoofed) =>
  request({ host: '127.0.0.1', port: nginxPort, localAddress: address }, 'POST', '/api/v1/auth/login', {
    body: { username: `${P}-nobody-${Math.random()}`, password: 'wrong wrong wrong' },
    headers: spoofed ? { 'X-Forwarded-For': spoofed } : {},
  });

before(async () => {
  stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-nginx-'));
  await redis('start');
  const args = ['--redis', await redis('url'), '--trusted-proxies', '127.0.0.1', '--rate-limit', `sign_in=6:${BURST + 10}`];
  first = await startServer({ args });
  second = await startServer({ args, replicaOf: first });
  await startNginx([first.port, second.port]);
  proxied = throughNginx(first);
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGTERM');
    await nginx.exited;
  }
  const volumes = await first?.api('GET', envPath(`volumes?filters=${encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`] }))}`)).catch(() => null);
  for (const v of volumes?.json?.Volumes ?? volumes?.json?.items ?? []) {
    await first.api('DELETE', envPath(`volumes/${v.Name}?force=true`)).catch(() => {});
  }
  await second?.stop().catch(() => {}); // killed by the last test
  await first?.stop();
  if (stateDir) {
    await redis('stop').catch(() => {});
    await fsp.rm(stateDir, { recursive: true, force: true });
  }
  await releaseEngine();
});

describe('replicas behind nginx', { timeout: 180_000 }, () => {
  test('requests through nginx reach both replicas', async () => {
    const nodes = new Set();
    for (let i = 0; i < 10; i += 1) {
      const res = await proxied.api('GET', '/api/v1/system/leases');
      expectStatus(assert, res, 200);
      nodes.add(res.json.node);
    }
    assert.equal(nodes.size, 2, `answered by ${[...nodes].join(', ')}`);
  });

  test('a session made through nginx holds on both replicas and a logout ends it on both', async () => {
    const tenant = await createTenant(first, { name: `${P}-session` });
    const session = await proxied.login(tenant.username, TENANT_PASSWORD);
    for (const server of [first, second]) {
      expectStatus(assert, await server.api('GET', '/api/v1/me', { token: session.access_token }), 200);
    }
    expectStatus(assert, await proxied.api('POST', '/api/v1/auth/logout', { token: session.access_token }), 204);
    for (const server of [first, second]) {
      await waitFor(async () => (await server.api('GET', '/api/v1/me', { token: session.access_token })).status === 401, PROPAGATION_MS, {
        intervalMs: 25,
        what: 'the logout to hold on every replica',
      });
    }
  });

  test('the client behind nginx has one budget, whatever X-Forwarded-For it sends', async () => {
    // The limit is BURST + 10 per address; the test's own sign-ins come from 127.0.0.1.
    for (let i = 0; i < BURST + 10; i += 1) {
      expectProblem(assert, await badLogin('127.0.0.31', `203.0.113.${i + 1}`), 401, 'invalid_credentials');
    }
    expectProblem(assert, await badLogin('127.0.0.31', '203.0.113.250'), 429, 'rate_limited');
    expectProblem(assert, await badLogin('127.0.0.31'), 429, 'rate_limited');
    expectProblem(assert, await badLogin('127.0.0.32'), 401, 'invalid_credentials');
  });

  test('events reach WebSockets on the other replica and through nginx', async () => {
    const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`] }));
    const onSecond = await second.ws(envPath(`events?type=container&event=start&filters=${filters}`));
    const viaNginx = await proxied.ws(envPath(`events?type=container&event=start&filters=${filters}`));
    let id;
    try {
      const res = await first.api('POST', envPath(`containers?name=${P}-fanout`), {
        body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P) },
      });
      expectStatus(assert, res, 201);
      id = res.json.Id;
      // Subscriptions may still be settling: start again each round until both have seen it.
      const seen = { second: false, nginx: false };
      await waitFor(async () => {
        await first.api('POST', envPath(`containers/${id}/stop?t=0`));
        expectStatus(assert, await first.api('POST', envPath(`containers/${id}/start`)), 204);
        for (const [name, ws] of [['second', onSecond], ['nginx', viaNginx]]) {
          if (seen[name]) continue;
          const msg = await ws.next(2_000).catch(() => null);
          if (msg && msg.json().Actor.ID === id) seen[name] = true;
        }
        return seen.second && seen.nginx;
      }, 20_000, { intervalMs: 10, what: 'the start event on the other replica and through nginx' });
    } finally {
      await onSecond.close();
      await viaNginx.close();
      if (id) await first.api('DELETE', envPath(`containers/${id}?force=true`));
    }
  });

  test('a replica killed during a run of creates loses no acknowledged write', async (t) => {
    const acknowledged = [];
    const failed = [];
    for (let i = 0; i < 30; i += 1) {
      if (i === 10) second.child.kill('SIGKILL');
      const name = `${P}-vol-${i}`;
      const res = await proxied.api('POST', envPath('volumes'), { body: { Name: name, Labels: testLabels(P) } });
      if (res.status === 201) acknowledged.push(name);
      else failed.push(`${name}: ${res.status}`);
    }
    t.diagnostic(`${acknowledged.length} acknowledged, ${failed.length} failed (${failed.join(', ')})`);
    // Only a create in flight to the dying replica may fail, and it fails as a gateway error.
    assert.ok(failed.length <= 2, `failed: ${failed.join(', ')}`);
    for (const f of failed) assert.match(f, /: 50[234]$/);
    assert.ok(acknowledged.length >= 28);
    const filters = encodeURIComponent(JSON.stringify({ label: [`test.dokkerr.run=${P}`] }));
    const list = await first.api('GET', envPath(`volumes?filters=${filters}`));
    expectStatus(assert, list, 200);
    const names = new Set((list.json.Volumes ?? list.json.items ?? []).map((v) => v.Name));
    for (const name of acknowledged) assert.ok(names.has(name), `${name} was acknowledged and exists`);
    // The survivor serves everything, its lease included.
    await waitFor(async () => {
      const res = await proxied.api('GET', '/api/v1/system/leases');
      return res.status === 200 && res.json.items.find((l) => l.name === 'scheduler')?.holder === res.json.node;
    }, 8_000, { what: 'the survivor to hold the lease' });
  });
});
