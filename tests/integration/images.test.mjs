// Images: list, inspect, history, tag, remove, prune, export/load round trip, import of a root
// filesystem built here, and a pull that fails.
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  Engine,
  TEST_IMAGE,
  ensureEngine,
  envPath,
  expectList,
  expectProblem,
  expectStatus,
  ref,
  releaseEngine,
  startServer,
  testLabels,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
let server;
let engine;
let tmp;
const importedIds = new Set(); // untagged by force while in use: cleanup cannot find them by tag

// A root filesystem tarball: a copy of /bin/busybox and an sh link.
async function rootfsTar(marker) {
  const root = await fsp.mkdtemp(path.join(tmp, 'rootfs-'));
  await fsp.mkdir(path.join(root, 'bin'));
  await fsp.copyFile('/bin/busybox', path.join(root, 'bin/busybox'));
  await fsp.chmod(path.join(root, 'bin/busybox'), 0o755);
  await fsp.symlink('busybox', path.join(root, 'bin/sh'));
  await fsp.writeFile(path.join(root, 'marker'), `${marker}\n`);
  const tarFile = `${root}.tar`;
  await execFileP('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', tarFile, '.']);
  return fsp.readFile(tarFile);
}

async function importImage(repo, tag, marker) {
  const res = await server.api('POST', envPath(`images/import?repo=${ref(repo)}&tag=${ref(tag)}`), {
    raw: await rootfsTar(marker),
    headers: { 'Content-Type': 'application/x-tar' },
    timeoutMs: 60_000,
  });
  expectStatus(assert, res, 201);
  assert.ok(Array.isArray(res.json.items), res.text);
  assert.ok(!res.json.items.some((i) => i.error), res.text);
  const inspect = await engine.call('GET', `/images/${ref(`${repo}:${tag}`)}/json`);
  if (inspect.status === 200) importedIds.add(inspect.json.Id);
  return res;
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dkt-images-'));
  engine = new Engine(await ensureEngine());
  server = await startServer();
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    try {
      if (engine) {
        await engine.cleanup(P);
        for (const id of importedIds) await engine.call('DELETE', `/images/${id}?force=1`);
      }
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
      await releaseEngine();
    }
  }
});

describe('image reads', { timeout: 60_000 }, () => {
  test('list contains the test image', async () => {
    const items = expectList(assert, await server.api('GET', envPath('images')));
    const img = items.find((i) => (i.RepoTags || []).includes(TEST_IMAGE));
    assert.ok(img, `${TEST_IMAGE} listed`);
    assert.match(img.Id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(typeof img.Size, 'number');
  });

  test('list filters: reference and dangling', async () => {
    const byRef = expectList(assert, await server.api('GET', envPath(`images?reference=${ref('dokkerr-test/busybox')}`)));
    assert.ok(byRef.length >= 1);
    assert.ok(byRef.every((i) => (i.RepoTags || []).some((t) => t.startsWith('dokkerr-test/busybox:'))));
    const none = expectList(assert, await server.api('GET', envPath(`images?reference=${ref(`${P}/nothing`)}`)));
    assert.deepEqual(none, []);
    const dangling = expectList(assert, await server.api('GET', envPath('images?dangling=1')));
    assert.ok(dangling.every((i) => !(i.RepoTags || []).includes(TEST_IMAGE)));
    const all = expectList(assert, await server.api('GET', envPath('images?all=1')));
    assert.ok(all.length >= 1);
  });

  test('inspect by URL-encoded reference', async () => {
    const res = await server.api('GET', envPath(`images/${ref(TEST_IMAGE)}`));
    expectStatus(assert, res, 200);
    assert.ok(res.json.RepoTags.includes(TEST_IMAGE));
    assert.match(res.json.Id, /^sha256:/);
    assert.deepEqual(res.json.Config.Cmd, ['sh']);
    const byId = await server.api('GET', envPath(`images/${ref(res.json.Id)}`));
    expectStatus(assert, byId, 200);
    assert.equal(byId.json.Id, res.json.Id);
  });

  test('history', async () => {
    const res = await server.api('GET', envPath(`images/${ref(TEST_IMAGE)}/history`));
    expectStatus(assert, res, 200);
    assert.ok(Array.isArray(res.json.items) && res.json.items.length >= 1, res.text);
    assert.ok('Created' in res.json.items[0] && 'Size' in res.json.items[0]);
  });

  test('unknown image is 404 image_not_found', async () => {
    for (const [method, p] of [
      ['GET', `images/${ref(`${P}/none:latest`)}`],
      ['GET', `images/${ref(`${P}/none:latest`)}/history`],
      ['GET', `images/${ref(`${P}/none:latest`)}/export`],
      ['POST', `images/${ref(`${P}/none:latest`)}/tag?repo=${P}/x&tag=y`],
      ['DELETE', `images/${ref(`${P}/none:latest`)}`],
    ]) {
      expectProblem(assert, await server.api(method, envPath(p)), 404, 'image_not_found');
    }
  });
});

describe('image writes', { timeout: 180_000 }, () => {
  const tagged = `${P}/busybox:t1`;

  test('tag answers 201 and the new reference resolves', async () => {
    const res = await server.api('POST', envPath(`images/${ref(TEST_IMAGE)}/tag?repo=${ref(`${P}/busybox`)}&tag=t1`));
    expectStatus(assert, res, 201);
    const inspect = await server.api('GET', envPath(`images/${ref(tagged)}`));
    expectStatus(assert, inspect, 200);
    assert.ok(inspect.json.RepoTags.includes(tagged));
  });

  test('tag without repo is invalid_parameter', async () => {
    const res = await server.api('POST', envPath(`images/${ref(TEST_IMAGE)}/tag`));
    expectProblem(assert, res, 400, 'invalid_parameter');
    const bad = await server.api('POST', envPath(`images/${ref(TEST_IMAGE)}/tag?repo=${ref('UPPER/case!')}&tag=x`));
    assert.ok(bad.status >= 400 && bad.status < 500, `bad repo refused: ${bad.status} ${bad.text}`);
  });

  test('export as a tar, remove, load it back', async () => {
    const exp = await server.api('GET', envPath(`images/${ref(tagged)}/export`), { timeoutMs: 60_000 });
    expectStatus(assert, exp, 200);
    assert.match(String(exp.headers['content-type']), /application\/x-tar/);
    const tarFile = path.join(tmp, 'export.tar');
    await fsp.writeFile(tarFile, exp.body);
    const { stdout } = await execFileP('tar', ['-tf', tarFile]);
    assert.ok(stdout.split('\n').includes('manifest.json'), `manifest.json in ${stdout}`);

    const del = await server.api('DELETE', envPath(`images/${ref(tagged)}`));
    expectStatus(assert, del, 200);
    assert.ok(del.json.items.some((r) => r.Untagged === tagged), del.text);
    expectProblem(assert, await server.api('GET', envPath(`images/${ref(tagged)}`)), 404, 'image_not_found');

    const load = await server.api('POST', envPath('images/load'), {
      raw: exp.body,
      headers: { 'Content-Type': 'application/x-tar' },
      timeoutMs: 60_000,
    });
    expectStatus(assert, load, 200);
    assert.ok(Array.isArray(load.json.items), load.text);
    assert.ok(load.json.items.some((i) => String(i.stream || '').includes(tagged)), load.text);
    expectStatus(assert, await server.api('GET', envPath(`images/${ref(tagged)}`)), 200);
  });

  test('load of garbage is refused or reported as an error', async () => {
    const res = await server.api('POST', envPath('images/load'), {
      raw: Buffer.from('definitely not a tarball'),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    assert.ok(res.status === 400 || res.status === 502 || res.status === 200, `${res.status} ${res.text}`);
    if (res.status === 200) assert.ok(res.json.items.some((i) => i.error || i.errorDetail), res.text);
  });

  test('import a root filesystem; a container runs from it', async () => {
    const repo = `${P}/imported`;
    await importImage(repo, 'v1', 'first');
    const inspect = await server.api('GET', envPath(`images/${ref(`${repo}:v1`)}`));
    expectStatus(assert, inspect, 200);

    const create = await server.api('POST', envPath(`containers?name=${P}-from-import`), {
      body: { Image: `${repo}:v1`, Cmd: ['sh', '-c', 'read m < /marker; [ "$m" = first ] && exit 4'], Labels: testLabels(P) },
    });
    expectStatus(assert, create, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${create.json.Id}/start`)), 204);
    const wait = await server.api('POST', envPath(`containers/${create.json.Id}/wait?condition=not-running`));
    expectStatus(assert, wait, 200);
    assert.equal(wait.json.StatusCode, 4);
  });

  test('removing an image a container uses is 409 image_conflict; force removes it', async () => {
    const target = `${P}/imported:v1`;
    const refused = await server.api('DELETE', envPath(`images/${ref(target)}`));
    expectProblem(assert, refused, 409, 'image_conflict');
    const forced = await server.api('DELETE', envPath(`images/${ref(target)}?force=1`));
    expectStatus(assert, forced, 200);
    assert.ok(forced.json.items.some((r) => r.Untagged === target), forced.text);
  });

  test('prune removes dangling images', async () => {
    const repo = `${P}/prunable`;
    await importImage(repo, 'v1', 'one');
    const firstId = (await server.api('GET', envPath(`images/${ref(`${repo}:v1`)}`))).json.Id;
    await importImage(repo, 'v1', 'two'); // the tag moves; the first image is dangling now
    const dangling = expectList(assert, await server.api('GET', envPath('images?dangling=1')));
    assert.ok(dangling.some((i) => i.Id === firstId), 'the replaced image is dangling');

    const filters = encodeURIComponent(JSON.stringify({ dangling: ['true'] }));
    const res = await server.api('POST', envPath(`images/prune?filters=${filters}`));
    expectStatus(assert, res, 200);
    assert.ok(Array.isArray(res.json.ImagesDeleted), res.text);
    assert.ok(res.json.ImagesDeleted.some((d) => d.Deleted === firstId), res.text);
    assert.equal(typeof res.json.SpaceReclaimed, 'number');
    expectProblem(assert, await server.api('GET', envPath(`images/${ref(firstId)}`)), 404, 'image_not_found');
  });

  test('prune with malformed filters is invalid_parameter', async () => {
    const res = await server.api('POST', envPath('images/prune?filters=%7Bnot-json'));
    expectProblem(assert, res, 400, 'invalid_parameter');
  });
});

// Uploads reach the handler as they arrive and wait in the object store (uploads/images/) until
// they are whole; only then does the engine read them.
describe('streamed image uploads', { timeout: 240_000 }, () => {
  const tag = `${P}/streamed:v1`;
  let tarball;
  let s3server;

  // A raw upload: Expect: 100-continue, the body in pieces (chunked unless a length is given),
  // optionally abandoned after `stopAfter` bytes.
  function upload(target, urlPath, body, { token, contentLength, stopAfter, piece = 65_536 } = {}) {
    return new Promise((resolve, reject) => {
      import('node:http').then(({ default: http }) => {
        const headers = { 'Content-Type': 'application/x-tar', Expect: '100-continue' };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (contentLength !== undefined) headers['Content-Length'] = String(contentLength);
        else headers['Transfer-Encoding'] = 'chunked';
        const req = http.request({ ...target, method: 'POST', path: urlPath, headers, agent: false }, (r) => {
          const chunks = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let json;
            try { json = JSON.parse(text); } catch { json = undefined; }
            resolve({ status: r.statusCode, headers: r.headers, text, json });
          });
        });
        req.on('error', (e) => (stopAfter !== undefined ? resolve({ status: 0, aborted: true }) : reject(e)));
        req.setTimeout(60_000, () => req.destroy(new Error('no answer to the upload')));
        let continued = false;
        req.on('continue', async () => {
          continued = true;
          const end = stopAfter ?? body.length;
          for (let at = 0; at < end; at += piece) {
            if (!req.write(body.subarray(at, Math.min(at + piece, end)))) {
              await new Promise((r) => req.once('drain', r));
            }
          }
          if (stopAfter !== undefined) {
            setTimeout(() => { req.destroy(); resolve({ status: 0, aborted: true }); }, 200);
          } else {
            req.end();
          }
        });
        req.on('response', () => { if (!continued) req.end(); });
        req.flushHeaders();
      }, reject);
    });
  }

  async function leftInUploads(store) {
    const spooled = await fsp.readdir(path.join(store, 'uploads/images')).catch(() => []);
    const partial = await fsp.readdir(path.join(store, '.uploads')).catch(() => []);
    return [...spooled, ...partial];
  }

  before(async () => {
    await engine.ok('POST', `/images/${ref(TEST_IMAGE)}/tag?repo=${ref(`${P}/streamed`)}&tag=v1`);
    const exp = await server.api('GET', envPath(`images/${ref(tag)}/export`), { timeoutMs: 60_000 });
    expectStatus(assert, exp, 200);
    tarball = exp.body;
    await engine.call('DELETE', `/images/${ref(tag)}`);
    if (process.env.DOKKERR_TEST_S3_ENDPOINT) {
      const store = `s3://${process.env.DOKKERR_TEST_S3_BUCKET}/${P}-uploads?endpoint=${process.env.DOKKERR_TEST_S3_ENDPOINT}&path_style=true`;
      s3server = await startServer({ args: ['--object-store', store, '--max-upload-size', String(tarball.length + 4096)] });
    }
  });

  after(async () => {
    if (s3server) await s3server.stop();
    await engine.call('DELETE', `/images/${ref(tag)}?force=1`);
  });

  test('a chunked upload with Expect: 100-continue loads, and nothing stays in the store', async () => {
    const res = await upload(server.target, envPath('images/load'), tarball, { token: server.token, piece: 10_000 });
    expectStatus(assert, res, 200);
    assert.ok(res.json.items.some((i) => String(i.stream || '').includes(tag)), res.text);
    expectStatus(assert, await server.api('GET', envPath(`images/${ref(tag)}`)), 200);
    assert.deepEqual(await leftInUploads(path.join(server.dataDir, 'objects')), []);
    await engine.call('DELETE', `/images/${ref(tag)}`);
  });

  test('a client that leaves halfway loads nothing and leaves nothing behind', async () => {
    const res = await upload(server.target, envPath('images/load'), tarball, {
      token: server.token, contentLength: tarball.length, stopAfter: Math.floor(tarball.length / 2),
    });
    assert.ok(res.aborted);
    await waitFor(async () => (await leftInUploads(path.join(server.dataDir, 'objects'))).length === 0, 10_000,
      { what: 'the half upload to be dropped' });
    expectProblem(assert, await server.api('GET', envPath(`images/${ref(tag)}`)), 404, 'image_not_found');
    expectStatus(assert, await server.api('GET', '/healthz'), 200);
  });

  test('an upload without credentials is refused before its body is read', async () => {
    const res = await upload(server.target, envPath('images/load'), tarball, {});
    expectProblem(assert, res, 401, 'authentication_required');
  });

  test('through an S3 store: loads, and an upload over --max-upload-size is 413 with nothing kept', async (t) => {
    if (!s3server) return t.skip('no S3 server (DOKKERR_TEST_S3_ENDPOINT)');
    const res = await upload(s3server.target, envPath('images/load'), tarball, { token: s3server.token });
    expectStatus(assert, res, 200);
    assert.ok(res.json.items.some((i) => String(i.stream || '').includes(tag)), res.text);
    await engine.call('DELETE', `/images/${ref(tag)}`);
    const padded = Buffer.concat([tarball, Buffer.alloc(8192)]);
    const big = await upload(s3server.target, envPath('images/load'), padded, { token: s3server.token });
    expectProblem(assert, big, 413, 'payload_too_large');
    const listing = await execFileP('aws', ['--endpoint-url', process.env.DOKKERR_TEST_S3_ENDPOINT, 's3', 'ls', '--recursive',
      `s3://${process.env.DOKKERR_TEST_S3_BUCKET}/${P}-uploads/`]).catch((e) => ({ stdout: e.stdout ?? '' }));
    assert.equal(listing.stdout.trim(), '', listing.stdout);
    expectProblem(assert, await s3server.api('GET', envPath(`images/${ref(tag)}`)), 404, 'image_not_found');
  });
});

describe('image pull', { timeout: 120_000 }, () => {
  test('pulling from an unreachable registry fails with a problem or an error line', async () => {
    // A registry on a closed loopback port: fails fast, never leaves the machine. When the engine
    // refuses at once the answer is a problem document; a failure after progress started is the
    // stream's last line.
    const stream = await server.stream('POST', envPath('images/pull'), {
      body: { image: `127.0.0.1:1/${P}/nonexistent`, tag: 'latest' },
      timeoutMs: 60_000,
    });
    try {
      if (stream.status !== 200) {
        assert.ok(stream.status >= 400 && stream.status < 600, `status ${stream.status}`);
        assert.match(String(stream.headers['content-type']), /application\/problem\+json/);
        const text = (await stream.readAll(60_000)).join('\n');
        const problem = JSON.parse(text);
        assert.ok(['image_not_found', 'engine_error'].includes(problem.code), text);
        return;
      }
      assert.match(String(stream.headers['content-type']), /application\/x-ndjson/);
      const lines = await stream.readAll(60_000);
      assert.ok(lines.length >= 1, 'at least one line');
      const objs = lines.map((l) => JSON.parse(l));
      const last = objs.at(-1);
      assert.equal(typeof last.error, 'string', `last line is an error: ${JSON.stringify(last)}`);
      assert.equal(typeof last.code, 'string', `error line has a code: ${JSON.stringify(last)}`);
      assert.ok(!objs.some((o) => o.status === 'done'), 'no done line for a failed pull');
    } finally {
      stream.close();
    }
  });

  test('pull from a registry streams progress, ends with done, and the image is there', {
    skip: !process.env.DOKKERR_TEST_REGISTRY && 'DOKKERR_TEST_REGISTRY is not set',
  }, async () => {
    // scripts/testenv/registry.sh serves a real registry on loopback; the test image is pushed
    // there by the engine, removed locally, then pulled back through Dokkerr.
    const registry = process.env.DOKKERR_TEST_REGISTRY;
    const repo = `${registry}/${P}/busybox`;
    const tag = 'v1';
    const full = `${repo}:${tag}`;
    await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(repo)}&tag=${tag}`);
    try {
      const push = await engine.call('POST', `/images/${encodeURIComponent(repo)}/push?tag=${tag}`, {
        headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
      });
      assert.equal(push.status, 200, push.text);
      assert.ok(!push.text.includes('"error"'), push.text);
      await engine.ok('DELETE', `/images/${encodeURIComponent(full)}`);

      const stream = await server.stream('POST', envPath('images/pull'), {
        body: { image: repo, tag, auth: { username: 'someone', password: 'secret', serveraddress: registry } },
        timeoutMs: 60_000,
      });
      try {
        assert.equal(stream.status, 200);
        assert.match(String(stream.headers['content-type']), /application\/x-ndjson/);
        const objs = (await stream.readAll(60_000)).map((l) => JSON.parse(l));
        assert.ok(objs.length >= 2, `progress lines: ${JSON.stringify(objs)}`);
        assert.deepEqual(objs.at(-1), { status: 'done' });
        assert.ok(!objs.some((o) => 'error' in o), JSON.stringify(objs));
        assert.ok(objs.some((o) => /Digest|Pull complete|Downloaded newer image/.test(String(o.status))), JSON.stringify(objs));
      } finally {
        stream.close();
      }
      const inspect = await server.api('GET', envPath(`images/${encodeURIComponent(full)}`));
      expectStatus(assert, inspect, 200);
    } finally {
      await engine.call('DELETE', `/images/${encodeURIComponent(full)}?force=1`);
    }
  });

  test('pull body without image is invalid_body; bad auth type too', async () => {
    const missing = await server.api('POST', envPath('images/pull'), { body: { tag: 'latest' } });
    expectProblem(assert, missing, 400, 'invalid_body');
    const badAuth = await server.api('POST', envPath('images/pull'), { body: { image: 'x', auth: 'user:pass' } });
    expectProblem(assert, badAuth, 400, 'invalid_body');
    const badJson = await server.api('POST', envPath('images/pull'), {
      raw: '{"image":',
      headers: { 'Content-Type': 'application/json' },
    });
    expectProblem(assert, badJson, 400, 'invalid_json');
  });
});
