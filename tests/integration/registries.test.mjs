// Stored registries against Debian's docker-registry with htpasswd logins: a team admin stores
// the login (sealed at rest, never shown), checks it, pushes a local image through it, browses
// repositories and tags; the team's stack deploy and pulls present it, another team's do not;
// who may see and change a registry; a bearer-token registry (the Docker Hub flow) served by a
// small peer here; the server never dials an address a tenant may not reach; hostile bodies.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

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
  testLabels,
  uniquePrefix,
} from './lib/harness.mjs';

const P = uniquePrefix();
const AUTH = process.env.DOKKERR_TEST_REGISTRY_AUTH;
const USER = process.env.DOKKERR_TEST_REGISTRY_AUTH_USER;
const PASSWORD = process.env.DOKKERR_TEST_REGISTRY_AUTH_PASSWORD;
const skip = !AUTH && 'DOKKERR_TEST_REGISTRY_AUTH is not set (scripts/testenv/registry.sh start auth)';

let server;
let engine;
let tokenRegistry;
let admin; // team admin of A
let developer; // developer in A
let other; // developer in B
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token, timeoutMs: 120_000 });

// A registry that wants bearer tokens from its own realm, as Docker Hub does: /token takes HTTP
// Basic alice:wonderland and hands out a token for the scope asked; /v2/ endpoints want it.
async function startTokenRegistry() {
  const scopes = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const auth = req.headers.authorization ?? '';
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/token') {
      if (auth !== `Basic ${Buffer.from('alice:wonderland').toString('base64')}`) return json(401, { errors: [] });
      scopes.push(url.searchParams.get('scope') ?? '');
      return json(200, { token: `tok.${url.searchParams.get('scope') ?? 'none'}` });
    }
    const challenge = (scope) => json(401, { errors: [{ code: 'UNAUTHORIZED' }] }, {
      'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${srv.address().port}/token",service="fake"${scope ? `,scope="${scope}"` : ''}`,
    });
    if (url.pathname === '/v2/') return auth === 'Bearer tok.none' ? json(200, {}) : challenge('');
    if (url.pathname === '/v2/_catalog') {
      if (auth !== 'Bearer tok.registry:catalog:*') return challenge('registry:catalog:*');
      if (url.searchParams.get('last') === 'b/two') return json(200, { repositories: ['c/three'] });
      return json(200, { repositories: ['a/one', 'b/two'] }, { Link: '</v2/_catalog?last=b/two&n=2>; rel="next"' });
    }
    if (url.pathname === '/v2/a/one/tags/list') {
      if (auth !== 'Bearer tok.repository:a/one:pull') return challenge('repository:a/one:pull');
      return json(200, { name: 'a/one', tags: ['1', '2'] });
    }
    return json(404, { errors: [{ code: 'NAME_UNKNOWN' }] });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${srv.address().port}`, scopes, close: () => new Promise((resolve) => srv.close(resolve)) };
}

async function readProgress(res) {
  expectStatus(assert, res, 200);
  const lines = res.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const failed = lines.find((l) => l.error);
  assert.equal(failed, undefined, res.text);
  return lines;
}

before(async () => {
  if (skip) return;
  engine = new Engine(await ensureEngine());
  tokenRegistry = await startTokenRegistry();
  server = await startServer({ args: ['--allowed-registry', AUTH, '--allowed-registry', tokenRegistry.address] });
  admin = await createTenant(server, { name: `${P}-a-admin`, role: 'admin' });
  developer = await createTenant(server, { name: `${P}-a-dev`, orgId: admin.orgId, teamId: admin.teamId });
  other = await createTenant(server, { name: `${P}-b` });
});

after(async () => {
  try {
    if (server) await server.stop();
    if (tokenRegistry) await tokenRegistry.close();
  } finally {
    try {
      if (engine) await engine.cleanup(P);
    } finally {
      if (engine) await releaseEngine();
    }
  }
});

describe('stored registries', { skip, timeout: 300_000 }, () => {
  let registry;
  const repo = () => `${AUTH}/${P}/app`;

  test('a team admin stores a login; it is sealed at rest and never shown', async () => {
    const res = await server.api('POST', '/api/v1/registries', as(admin, {
      body: { name: `${P}-private`, address: AUTH, team_id: admin.teamId, username: USER, password: PASSWORD, insecure: true },
    }));
    expectStatus(assert, res, 201);
    registry = res.json;
    assert.equal(registry.team_id, admin.teamId);
    assert.equal(registry.organization_id, admin.orgId);
    assert.equal(registry.has_password, true);
    assert.equal(registry.username, USER);
    assert.ok(!res.text.includes(PASSWORD));
    const listed = await server.api('GET', '/api/v1/registries', as(developer));
    expectStatus(assert, listed, 200);
    assert.deepEqual(listed.json.items.map((r) => r.id), [registry.id]);
    assert.ok(!listed.text.includes(PASSWORD));
    const stored = await server.storedText();
    assert.ok(stored.includes(registry.id), 'the dump holds the registry (the search is meaningful)');
    assert.ok(!stored.includes(PASSWORD), 'the registry password is stored in clear');
  });

  test('another team neither sees nor touches it; a developer may not change it', async () => {
    assert.deepEqual((await server.api('GET', '/api/v1/registries', as(other))).json.items, []);
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}`, as(other)), 404, 'registry_not_found');
    expectProblem(assert, await server.api('POST', `/api/v1/registries/${registry.id}/check`, as(other)), 404, 'registry_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}/repositories`, as(other)), 404, 'registry_not_found');
    expectProblem(assert, await server.api('DELETE', `/api/v1/registries/${registry.id}`, as(other)), 404, 'registry_not_found');
    expectProblem(assert, await server.api('PATCH', `/api/v1/registries/${registry.id}`, as(developer, { body: { name: 'x' } })), 403, 'permission_denied');
    expectProblem(assert, await server.api('DELETE', `/api/v1/registries/${registry.id}`, as(developer)), 403, 'permission_denied');
    // A developer cannot store a login for their team, nor anyone for a team they are not in.
    expectProblem(assert, await server.api('POST', '/api/v1/registries', as(developer, {
      body: { name: `${P}-dev`, address: AUTH, team_id: admin.teamId },
    })), 403, 'permission_denied');
    expectProblem(assert, await server.api('POST', '/api/v1/registries', as(other, {
      body: { name: `${P}-theirs`, address: AUTH, team_id: admin.teamId },
    })), 404, 'team_not_found');
  });

  test('check: the stored login is taken; a wrong one is a clear refusal', async () => {
    const ok = await server.api('POST', `/api/v1/registries/${registry.id}/check`, as(developer));
    expectStatus(assert, ok, 200);
    assert.deepEqual(ok.json, { ok: true });
    const wrong = await server.api('PATCH', `/api/v1/registries/${registry.id}`, as(admin, { body: { password: 'not the password' } }));
    expectStatus(assert, wrong, 200);
    expectProblem(assert, await server.api('POST', `/api/v1/registries/${registry.id}/check`, as(admin)), 422, 'registry_auth_failed');
    const none = await server.api('PATCH', `/api/v1/registries/${registry.id}`, as(admin, { body: { password: null } }));
    assert.equal(none.json.has_password, false);
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}/repositories`, as(admin)), 422, 'registry_auth_failed');
    const back = await server.api('PATCH', `/api/v1/registries/${registry.id}`, as(admin, { body: { password: PASSWORD } }));
    assert.equal(back.json.has_password, true);
    expectStatus(assert, await server.api('POST', `/api/v1/registries/${registry.id}/check`, as(admin)), 200);
  });

  test('push through the stored login, then browse repositories and tags', async () => {
    await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo())}&tag=1`);
    // Without a stored login the registry refuses the engine.
    const anonymous = await server.api('POST', envPath('images/push'), as(other, { body: { image: `${repo()}:1` } }));
    expectStatus(assert, anonymous, 200);
    assert.match(anonymous.text, /"error"/);
    await readProgress(await server.api('POST', envPath('images/push'), as(developer, { body: { image: `${repo()}:1` } })));

    const repositories = await server.api('GET', `/api/v1/registries/${registry.id}/repositories?limit=1000`, as(developer));
    expectStatus(assert, repositories, 200);
    assert.ok(repositories.json.items.some((r) => r.name === `${P}/app`), repositories.text);
    const tags = await server.api('GET', `/api/v1/registries/${registry.id}/tags?repository=${encodeURIComponent(`${P}/app`)}`, as(developer));
    expectStatus(assert, tags, 200);
    assert.deepEqual(tags.json, { items: [{ name: '1' }], next_cursor: null });
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}/tags?repository=${P}/none`, as(developer)), 404, 'repository_not_found');
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}/tags?repository=..%2Fx`, as(developer)), 400, 'invalid_repository');
    expectProblem(assert, await server.api('GET', `/api/v1/registries/${registry.id}/tags`, as(developer)), 400, 'invalid_parameter');
  });

  test("the team's deploys pull with its login; another team's do not", async () => {
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo()}:1`)}?force=1`);
    const body = { Image: `${repo()}:1`, Cmd: ['sleep', '600'], Labels: testLabels(P) };
    const refused = await server.api('POST', envPath(`containers?name=${P}-b&pull=missing`), as(other, { body }));
    expectProblem(assert, refused, 502, 'image_pull_failed');

    const stack = `${P}-stack`;
    const deployed = await server.api('POST', envPath('stacks'), as(developer, {
      body: { name: stack, compose: `services:\n  app:\n    image: ${repo()}:1\n    command: sleep 600\n` },
    }));
    expectStatus(assert, deployed, 201);
    assert.equal(deployed.json.containers[0].state, 'running');
    expectStatus(assert, await server.api('DELETE', envPath(`stacks/${stack}`), as(developer)), 204);

    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo()}:1`)}?force=1`);
    const pulled = await server.api('POST', envPath('images/pull'), as(developer, { body: { image: repo(), tag: '1' } }));
    await readProgress(pulled);
    await engine.call('DELETE', `/images/${encodeURIComponent(`${repo()}:1`)}?force=1`);
  });

  test('a bearer-token registry: the token comes from its realm with the stored login', async () => {
    const res = await server.api('POST', '/api/v1/registries', as(admin, {
      body: { name: `${P}-hub`, address: tokenRegistry.address, team_id: admin.teamId, username: 'alice', password: 'wonderland', insecure: true },
    }));
    expectStatus(assert, res, 201);
    const id = res.json.id;
    expectStatus(assert, await server.api('POST', `/api/v1/registries/${id}/check`, as(developer)), 200);
    const first = await server.api('GET', `/api/v1/registries/${id}/repositories?limit=2`, as(developer));
    expectStatus(assert, first, 200);
    assert.deepEqual(first.json, { items: [{ name: 'a/one' }, { name: 'b/two' }], next_cursor: 'b/two' });
    const second = await server.api('GET', `/api/v1/registries/${id}/repositories?limit=2&cursor=b%2Ftwo`, as(developer));
    assert.deepEqual(second.json, { items: [{ name: 'c/three' }], next_cursor: null });
    const tags = await server.api('GET', `/api/v1/registries/${id}/tags?repository=a%2Fone`, as(developer));
    assert.deepEqual(tags.json.items, [{ name: '1' }, { name: '2' }]);
    assert.ok(tokenRegistry.scopes.includes('registry:catalog:*'));
    assert.ok(tokenRegistry.scopes.includes('repository:a/one:pull'));

    const wrong = await server.api('PATCH', `/api/v1/registries/${id}`, as(admin, { body: { password: 'looking glass' } }));
    expectStatus(assert, wrong, 200);
    expectProblem(assert, await server.api('POST', `/api/v1/registries/${id}/check`, as(admin)), 422, 'registry_auth_failed');
    expectStatus(assert, await server.api('DELETE', `/api/v1/registries/${id}`, as(admin)), 204);
  });

  test('the server dials no address a tenant may not reach', async () => {
    for (const address of ['127.0.0.3:5000', '169.254.169.254', 'localhost:5000', '[::1]:5000']) {
      const res = await server.api('POST', '/api/v1/registries', as(admin, {
        body: { name: `${P}-${address.replace(/[^a-z0-9]/g, '')}`, address, team_id: admin.teamId, insecure: true },
      }));
      expectStatus(assert, res, 201);
      expectProblem(assert, await server.api('POST', `/api/v1/registries/${res.json.id}/check`, as(admin)), 403, 'registry_not_allowed');
      expectProblem(assert, await server.api('GET', `/api/v1/registries/${res.json.id}/repositories`, as(admin)), 403, 'registry_not_allowed');
      expectStatus(assert, await server.api('DELETE', `/api/v1/registries/${res.json.id}`, as(admin)), 204);
    }
  });

  test('hostile bodies are clear errors', async () => {
    const post = (body) => server.api('POST', '/api/v1/registries', as(admin, { body }));
    const base = { name: `${P}-h`, address: 'registry.example.com', team_id: admin.teamId };
    for (const address of ['https://registry.example.com', 'registry.example.com/path', '', 'a b', 'x:0', 'x:70000', '[::1', `${'a'.repeat(300)}.com`, '-bad.example.com']) {
      expectProblem(assert, await post({ ...base, address }), 400, 'invalid_registry_address');
    }
    expectProblem(assert, await post({ ...base, organization_id: admin.orgId }), 400, 'invalid_registry');
    expectProblem(assert, await post({ name: base.name, address: base.address }), 400, 'invalid_registry');
    expectProblem(assert, await post({ ...base, name: '' }), 400, 'invalid_registry');
    expectProblem(assert, await post({ ...base, name: 'x'.repeat(65) }), 400, 'invalid_registry');
    expectProblem(assert, await post({ ...base, username: 'a:b', password: 'x' }), 400, 'invalid_registry');
    expectProblem(assert, await post({ ...base, password: 'without a user' }), 400, 'invalid_registry');
    expectProblem(assert, await post({ ...base, extra: 1 }), 400, 'unknown_field');
    expectProblem(assert, await post({ ...base, insecure: 'yes' }), 400, 'invalid_body');
    expectProblem(assert, await post({ ...base, team_id: 'no-such-team' }), 404, 'team_not_found');
    // The same name twice in one organization.
    const first = await post({ ...base, name: `${P}-dup` });
    expectStatus(assert, first, 201);
    expectProblem(assert, await post({ ...base, name: `${P}-dup` }), 409, 'registry_exists');
    expectStatus(assert, await server.api('DELETE', `/api/v1/registries/${first.json.id}`, as(admin)), 204);
    expectProblem(assert, await server.api('GET', '/api/v1/registries/nope', as(admin)), 404, 'registry_not_found');
    expectProblem(assert, await server.api('POST', envPath('images/push'), as(developer, { body: { image: 'Not/Valid' } })), 400, 'invalid_reference');
  });

  test('an admin stores an organization-wide registry; its teams use it', async () => {
    const res = await server.api('POST', '/api/v1/registries', {
      body: { name: `${P}-org`, address: AUTH, organization_id: other.orgId, username: USER, password: PASSWORD, insecure: true },
    });
    expectStatus(assert, res, 201);
    assert.equal(res.json.team_id, null);
    const seen = await server.api('GET', '/api/v1/registries', as(other));
    assert.deepEqual(seen.json.items.map((r) => r.id), [res.json.id]);
    expectProblem(assert, await server.api('DELETE', `/api/v1/registries/${res.json.id}`, as(other)), 403, 'permission_denied');
    await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(`${AUTH}/${P}/org`)}&tag=1`);
    await readProgress(await server.api('POST', envPath('images/push'), as(other, { body: { image: `${AUTH}/${P}/org:1` } })));
    await engine.call('DELETE', `/images/${encodeURIComponent(`${AUTH}/${P}/org:1`)}?force=1`);
    const audit = await server.api('GET', '/api/v1/audit?action=registries.create&limit=50');
    expectStatus(assert, audit, 200);
    assert.ok(audit.json.items.some((e) => e.actor?.name === admin.username), audit.text);
    expectStatus(assert, await server.api('DELETE', `/api/v1/registries/${res.json.id}`), 204);
    expectStatus(assert, await server.api('DELETE', `/api/v1/registries/${registry.id}`, as(admin)), 204);
  });
});
