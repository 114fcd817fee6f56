// Git-backed stacks against a repository made here (file://, which platform admins may use): a
// stack deployed from a branch's Compose file; a new commit deployed by git-sync (only the changed
// service recreated) and by the scheduled poll (audited); a redeploy webhook syncs first;
// tenants are refused file:// and private hosts, and bad locations are clear errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  Engine,
  TEST_IMAGE,
  createTenant,
  ensureEngine,
  envPath,
  expectProblem,
  expectStatus,
  releaseEngine,
  startServer,
  sleep,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
let server;
let engine;
let repo;
let tenant;

async function git(...args) {
  const { stdout } = await execFileP('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo });
  return stdout.trim();
}

const compose = (greeting) => `services:
  web:
    image: ${TEST_IMAGE}
    command: sleep 600
    pull_policy: never
    environment:
      GREETING: ${greeting}
  side:
    image: ${TEST_IMAGE}
    command: sleep 600
    pull_policy: never
`;

async function commit(greeting) {
  await fsp.writeFile(path.join(repo, 'deploy', 'compose.yml'), compose(greeting));
  await git('commit', '-q', '-am', greeting);
  return git('rev-parse', 'HEAD');
}

before(async () => {
  engine = new Engine(await ensureEngine());
  repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-git-'));
  await fsp.mkdir(path.join(repo, 'deploy'));
  await git('init', '-q', '-b', 'main');
  await fsp.writeFile(path.join(repo, 'deploy', 'compose.yml'), compose('hello'));
  await git('add', '-A');
  await git('commit', '-q', '-m', 'first');
  server = await startServer({ args: ['--git-poll-interval', '2'] });
  tenant = await createTenant(server, { name: `${P}-t`, role: 'admin' });
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      await releaseEngine();
      if (repo) await fsp.rm(repo, { recursive: true, force: true });
    }
  }
});

// The scheduled poll (every 2 s here) may deploy a commit before a test's own call does, or be
// deploying it while the call comes (409 stack_busy): calls are retried, and the outcome is
// judged by what is deployed.
async function retryBusy(call) {
  for (let i = 0; i < 60; i++) {
    const res = await call();
    if (!(res.status === 409 && res.json?.code === 'stack_busy')) return res;
    await sleep(500);
  }
  throw new Error('the stack stayed busy');
}

const byService = (view) => Object.fromEntries(view.containers.map((c) => [c.service, c]));

describe('git-backed stacks', { timeout: 300_000 }, () => {
  const name = `${P}-git`;
  const location = () => ({ url: `file://${repo}`, ref: 'main', path: 'deploy/compose.yml' });

  test("a stack deploys its branch's Compose file; a new commit is deployed by git-sync", async () => {
    const res = await server.api('POST', envPath('stacks'), { body: { name, git: location() }, timeoutMs: 120_000 });
    expectStatus(assert, res, 201);
    assert.equal(res.json.git.commit, await git('rev-parse', 'HEAD'));
    assert.equal(res.json.git.path, 'deploy/compose.yml');
    assert.match(res.json.compose, /GREETING: hello/);
    const before = byService(res.json);

    const same = await retryBusy(() => server.api('POST', envPath(`stacks/${name}/git-sync`)));
    expectStatus(assert, same, 200);
    assert.equal(same.json.changed, false);

    const head = await commit('bonjour');
    const synced = await retryBusy(() => server.api('POST', envPath(`stacks/${name}/git-sync`), { timeoutMs: 120_000 }));
    expectStatus(assert, synced, 200);
    assert.equal(synced.json.version, 2);
    assert.equal(synced.json.git.commit, head);
    const after = byService(synced.json);
    assert.notEqual(after.web.id, before.web.id, 'the changed service is recreated');
    assert.equal(after.side.id, before.side.id, 'the unchanged one is kept');
    const env = (await engine.ok('GET', `/containers/${after.web.id}/json`)).json.Config.Env;
    assert.ok(env.includes('GREETING=bonjour'), env.join(' '));
  });

  test('the scheduled poll deploys a new commit as the stack’s maker, audited', async () => {
    const head = await commit('hola');
    const view = await waitFor(async () => {
      const res = await server.api('GET', envPath(`stacks/${name}`));
      return res.json.git.commit === head && res.json.status === 'running' ? res.json : null;
    }, 60_000, { intervalMs: 500, what: 'the polled deploy' });
    assert.equal(view.version, 3);
    const audit = await server.api('GET', '/api/v1/audit?action=stacks.git_sync&limit=10');
    assert.ok(audit.json.items.some((e) => e.target === `stack:local/${name}` && e.result === 'success'), audit.text);
  });

  test("a redeploy webhook syncs a Git stack's commit first", async () => {
    const hook = await server.api('PUT', envPath(`stacks/${name}/hook`));
    expectStatus(assert, hook, 201);
    const head = await commit('ciao');
    const fired = await retryBusy(() => server.api('POST', hook.json.url, { token: null, timeoutMs: 120_000 }));
    expectStatus(assert, fired, 200);
    assert.equal(fired.json.version, 4);
    assert.equal((await server.api('GET', envPath(`stacks/${name}`))).json.git.commit, head);
  });

  test('switching to an inline file leaves Git; rollback keeps working', async () => {
    const inline = await retryBusy(() => server.api('PUT', envPath(`stacks/${name}`), { body: { compose: compose('inline'), git: null }, timeoutMs: 120_000 }));
    expectStatus(assert, inline, 200);
    assert.equal(inline.json.git, null);
    expectProblem(assert, await server.api('POST', envPath(`stacks/${name}/git-sync`)), 400, 'stack_not_from_git');
    const back = await server.api('POST', envPath(`stacks/${name}/rollback`), { body: { version: 2 }, timeoutMs: 120_000 });
    expectStatus(assert, back, 200);
    assert.match(back.json.compose, /GREETING: bonjour/);
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${name}`)), 204);
  });

  test('tenants may not read the disk or reach private hosts; bad locations are clear errors', async () => {
    const post = (git, who = tenant) => server.api('POST', envPath('stacks'), { token: who.token, body: { name: `${P}-bad`, git } });
    expectProblem(assert, await post(location()), 403, 'git_url_forbidden');
    expectProblem(assert, await post({ url: 'https://169.254.169.254/r.git' }), 403, 'git_url_forbidden');
    expectProblem(assert, await post({ url: 'https://127.0.0.1:9/r.git' }), 403, 'git_url_forbidden');
    for (const git of [
      { url: 'http://example.com/r.git' },
      { url: 'ssh://git@example.com/r.git' },
      { url: 'https://user:pw@example.com/r.git' },
      { url: 'https://example.com/r.git', ref: '--upload-pack=touch /tmp/x' },
      { url: 'https://example.com/r.git', path: '../../etc/passwd' },
    ]) {
      expectProblem(assert, await post(git), 400, 'invalid_git_source');
    }
    expectProblem(assert, await post({ url: `file://${repo}`, ref: 'nope', path: 'deploy/compose.yml' }, { token: server.token }), 404, 'git_ref_not_found');
    expectProblem(assert, await post({ url: `file://${repo}`, path: 'nothing.yml' }, { token: server.token }), 404, 'git_file_not_found');
    expectProblem(assert, await server.api('POST', envPath('stacks'), { body: { name: `${P}-both`, compose: compose('x'), git: location() } }), 400, 'invalid_body');
    expectProblem(assert, await server.api('POST', envPath('stacks'), { body: { name: `${P}-none` } }), 400, 'invalid_body');
    expectProblem(assert, await server.api('GET', envPath(`stacks/${P}-bad`)), 404, 'stack_not_found');
  });
});
