// GET /metrics scraped by a real Prometheus (Debian's package, started here): the scrape token
// opens it, Prometheus' own query API then holds a busy container's CPU and memory series, and
// the server's request counters and histograms. Who may scrape is checked first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TEST_IMAGE,
  envPath,
  expectProblem,
  expectStatus,
  freePort,
  request,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
const TOKEN = `scrape-${P}-0123456789abcdef`;
const PROMETHEUS = process.env.DOKKERR_TEST_PROMETHEUS || '/usr/bin/prometheus';
let server;
let loopbackOnly;
let engine;
let prometheus;
let promDir;
let promPort;

async function metrics(target, headers = {}) {
  return request(target.target, 'GET', '/metrics', { headers });
}

async function promQuery(query) {
  const res = await request({ host: '127.0.0.1', port: promPort }, 'GET', `/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.equal(res.status, 200, res.text);
  return res.json.data.result;
}

before(async () => {
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  server = await startServer({ args: ['--metrics-interval', '1', '--metrics-token', TOKEN, '--metrics-allow', '198.51.100.0/24'] });
  loopbackOnly = await startServer({ args: ['--metrics-interval', '1'], bootstrap: false });
});

after(async () => {
  try {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          prometheus.kill('SIGKILL');
          resolve();
        }, 10_000);
        prometheus.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (promDir) fs.rmSync(promDir, { recursive: true, force: true });
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      if (server) await server.stop();
      if (loopbackOnly) await loopbackOnly.stop();
    }
  }
});

describe('/metrics', { timeout: 180_000 }, () => {
  test('only the scrape token or an allowed address opens it', async () => {
    expectProblem(assert, await metrics(server), 401, 'metrics_unauthorized');
    expectProblem(assert, await metrics(server, { Authorization: 'Bearer wrong-token-wrong-token' }), 401, 'metrics_unauthorized');
    expectProblem(assert, await metrics(server, { Authorization: `Bearer ${TOKEN}x` }), 401, 'metrics_unauthorized');
    expectProblem(assert, await metrics(server, { Authorization: TOKEN }), 401, 'metrics_unauthorized');
    const ok = await metrics(server, { Authorization: `Bearer ${TOKEN}` });
    expectStatus(assert, ok, 200);
    assert.match(ok.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.match(ok.text, /^# TYPE dokkerr_http_requests_total counter$/m);
    assert.match(ok.text, /^dokkerr_http_requests_total\{route="\/metrics",method="GET",status="401"\} [1-9]/m);
    // A session's token is no scrape token.
    expectProblem(assert, await metrics(server, { Authorization: `Bearer ${server.token}` }), 401, 'metrics_unauthorized');
    // Without a token configured, loopback is allowed by default.
    expectStatus(assert, await metrics(loopbackOnly), 200);
    // …but not for a request a proxy forwarded when no --trusted-proxies says who the client is:
    // a reverse proxy on this host would otherwise open it to everyone behind it.
    expectProblem(assert, await metrics(loopbackOnly, { 'X-Forwarded-For': '203.0.113.9' }), 403, 'metrics_forbidden');
    expectProblem(assert, await metrics(loopbackOnly, { Forwarded: 'for=127.0.0.1' }), 403, 'metrics_forbidden');
  });

  test('a real Prometheus scrapes it: container CPU and memory arrive in its query API', async () => {
    const res = await server.api('POST', envPath(`containers?name=${P}-busy`), {
      body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', 'while :; do :; done'], Labels: testLabels(P), HostConfig: { NanoCpus: 500_000_000 } },
    });
    expectStatus(assert, res, 201);
    const id = res.json.Id;
    expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`)), 204);

    promDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dokkerr-prom-'));
    promPort = await freePort();
    fs.writeFileSync(path.join(promDir, 'token'), TOKEN);
    fs.writeFileSync(
      path.join(promDir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: dokkerr',
        '    metrics_path: /metrics',
        '    authorization:',
        `      credentials_file: ${path.join(promDir, 'token')}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${server.port}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prometheus.stderr.on('data', (chunk) => {
      log = (log + chunk).slice(-4000);
    });
    await waitFor(
      async () => (await request({ host: '127.0.0.1', port: promPort }, 'GET', '/-/ready').catch(() => ({ status: 0 }))).status === 200,
      30_000,
      { what: `Prometheus to be ready (${log.slice(-500)})`, intervalMs: 250 },
    );

    let cpu;
    await waitFor(
      async () => {
        const up = await promQuery('up{job="dokkerr"}');
        if (up[0]?.value?.[1] !== '1') return false;
        cpu = await promQuery(`dokkerr_container_cpu_percent{container="${id}"}`);
        return cpu.length === 1 && Number(cpu[0].value[1]) > 25;
      },
      60_000,
      { what: 'the busy container CPU series in Prometheus', intervalMs: 500 },
    );
    assert.equal(cpu[0].metric.environment, 'local');
    assert.equal(cpu[0].metric.name, `${P}-busy`);
    assert.ok(Number(cpu[0].value[1]) < 75, `about half a core: ${cpu[0].value[1]}`);
    const memory = await promQuery(`dokkerr_container_memory_usage_bytes{container="${id}"}`);
    assert.equal(memory.length, 1);
    assert.ok(Number(memory[0].value[1]) > 0);
    // The counter behind it: the last two points of it (irate) say the same.
    let rate = [];
    await waitFor(
      async () => {
        rate = await promQuery(`irate(dokkerr_container_cpu_seconds_total{container="${id}"}[30s])`);
        return rate.length === 1;
      },
      30_000,
      { what: 'a rate over the CPU counter', intervalMs: 500 },
    );
    assert.ok(Number(rate[0].value[1]) > 0.25 && Number(rate[0].value[1]) < 0.75, JSON.stringify(rate));
    const scrapes = await promQuery('sum(dokkerr_http_requests_total{route="/metrics",status="200"})');
    assert.ok(Number(scrapes[0].value[1]) >= 1);
    const histogram = await promQuery('dokkerr_http_request_duration_seconds_count{route="/metrics"}');
    assert.ok(histogram.length >= 1);
  });
});
