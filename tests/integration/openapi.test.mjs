// GET /api/v1/openapi.json describes every route the server serves, and nothing else: the test
// compares it with the live route table (GET /api/v1/routes) of a real server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectStatus, releaseEngine, startServer } from './lib/harness.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
  await releaseEngine();
});

describe('the OpenAPI document', { timeout: 60_000 }, () => {
  test('covers every route, with its parameters and credentials, and only routes that exist', async () => {
    const doc = await server.api('GET', '/api/v1/openapi.json', { token: null });
    expectStatus(assert, doc, 200);
    assert.match(doc.headers['content-type'], /^application\/json/);
    const api = doc.json;
    assert.equal(api.openapi, '3.1.0');
    assert.equal(typeof api.info.title, 'string');
    assert.equal(typeof api.info.version, 'string');

    const routes = await server.api('GET', '/api/v1/routes');
    expectStatus(assert, routes, 200);
    const listed = new Set();
    for (const route of routes.json.items) {
      const key = `${route.method} ${route.pattern}`;
      listed.add(key);
      const op = api.paths[route.pattern]?.[route.method.toLowerCase()];
      assert.ok(op, `${key} is missing from openapi.json`);
      const params = [...route.pattern.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), params, `${key} path parameters`);
      assert.equal(op['x-dokkerr-access'], route.permission, `${key} access`);
      if (route.permission === 'public') assert.deepEqual(op.security, [], `${key} needs no credentials`);
      else assert.ok(op.security.length > 0, `${key} names its credentials`);
      assert.ok(op.responses.default, `${key} describes its errors`);
    }
    const ids = new Set();
    for (const [pattern, item] of Object.entries(api.paths)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(listed.has(`${method.toUpperCase()} ${pattern}`), `${method} ${pattern} is described but not served`);
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
        ids.add(op.operationId);
      }
    }
    // The document's references resolve.
    for (const ref of JSON.stringify(api).matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref[1].split('/').reduce((node, key) => node?.[key], api);
      assert.ok(target, `$ref #/${ref[1]} resolves`);
    }
  });

  test('it is cacheable like any read', async () => {
    const first = await server.api('GET', '/api/v1/openapi.json', { token: null });
    assert.ok(first.headers.etag, 'an ETag');
    const again = await server.api('GET', '/api/v1/openapi.json', { token: null, headers: { 'If-None-Match': first.headers.etag } });
    assert.equal(again.status, 304);
  });
});
