// Object storage and backups against the real engine, database and S3-compatible server
// (s3rver), and against the local object store: a platform backup taken while the server runs and restored onto a new data
// dir and an empty database after both were destroyed (the same users sign in with the same second
// factor, the audit chain verifies), a volume backed up and restored byte for byte, and the
// hostile cases: wrong passphrase, damaged archives, an unreachable store, a backup killed with
// SIGKILL, another team's volumes and backups, a restore into a volume that is not empty. Also
// schedules with retention, platform, image and audit log backups, and account avatars.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 as zlibCrc32, deflateSync as zlibDeflate } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { Authenticator } from './lib/totp.mjs';
import {
  Engine,
  TENANT_PASSWORD,
  TEST_IMAGE,
  createTenant,
  dokkerrBin,
  envPath,
  expectProblem,
  expectStatus,
  freshDatabase,
  request,
  startServer,
  uniquePrefix,
  waitFor,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);
const P = uniquePrefix();
const PASSPHRASE = 'backup passphrase: correct horse battery staple';
const S3_ENDPOINT = process.env.DOKKERR_TEST_S3_ENDPOINT;
const S3_BUCKET = process.env.DOKKERR_TEST_S3_BUCKET;

let engine;
let scratch; // passphrase files, the local object store
const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });

// `dokkerr admin ARGS`: {code, stdout, stderr}.
async function admin(args) {
  const env = { ...process.env, LSAN_OPTIONS: `suppressions=${path.resolve('tests/lsan.supp')}` };
  try {
    const { stdout, stderr } = await execFileP(dokkerrBin(), ['admin', ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function storeArgs(kind) {
  if (kind === 's3') {
    return `s3://${S3_BUCKET}/${P}?endpoint=${encodeURIComponent(S3_ENDPOINT)}&path_style=true`;
  }
  return `file://${path.join(scratch, 'objects')}`;
}

function databaseArgs(db) {
  return db.url ? ['--database', db.url] : [];
}

// Runs a one-off container with the volume at /data; returns its output (TTY: raw text).
async function inVolume(volume, script) {
  const name = `${P}-job-${Math.random().toString(16).slice(2, 8)}`;
  const id = await engine.createContainer(name, {
    Cmd: ['sh', '-c', script],
    Tty: true,
    HostConfig: { Binds: [`${volume}:/data`], NetworkMode: 'none' },
  });
  await engine.ok('POST', `/containers/${id}/start`);
  await engine.ok('POST', `/containers/${id}/wait`, { timeoutMs: 60_000 });
  const logs = await engine.ok('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
  await engine.removeContainer(id);
  return logs.text.replaceAll('\r', '');
}

const CHECKSUM = 'cd /data && find . -type f | sort | xargs sha256sum && find . | sort';

async function fillVolume(volume) {
  await inVolume(
    volume,
    'mkdir -p /data/sub/deeper && echo hello > /data/greeting.txt && ' +
      'dd if=/dev/urandom of=/data/sub/blob.bin bs=1024 count=3000 2>/dev/null && ' +
      'printf "tab\\tand space" > "/data/sub/deeper/odd name.txt" && ln -s greeting.txt /data/link',
  );
  return inVolume(volume, CHECKSUM);
}

before(async () => {
  engine = new Engine(process.env.DOKKERR_TEST_DOCKER_HOST);
  scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-backup-it-'));
  await fsp.writeFile(path.join(scratch, 'passphrase'), `${PASSPHRASE}\n`);
  await fsp.writeFile(path.join(scratch, 'wrong'), 'not the passphrase at all\n');
});

after(async () => {
  await engine?.cleanup(P);
  if (scratch) await fsp.rm(scratch, { recursive: true, force: true });
});

for (const kind of ['s3', 'local']) {
  describe(`disaster recovery through the ${kind} object store`, { timeout: 600_000 }, () => {
    test('platform and volume backups restore onto a new data dir and database', async (t) => {
      if (kind === 's3' && !S3_ENDPOINT) {
        t.skip('no S3 server (DOKKERR_TEST_S3_ENDPOINT)');
        return;
      }
      const store = storeArgs(kind);
      let server = await startServer({ args: ['--object-store', store] });
      let restored;
      try {
        // A tenant with a second factor, a volume with known content, another tenant.
        const A = await createTenant(server, { name: `${P}-${kind}-a` });
        const B = await createTenant(server, { name: `${P}-${kind}-b` });
        const enrol = await server.api('POST', '/api/v1/me/mfa/totp', as(A));
        expectStatus(assert, enrol, 200);
        const totp = new Authenticator(enrol.json.secret);
        expectStatus(assert, await server.api('POST', '/api/v1/me/mfa/totp/confirm', as(A, { body: { code: await totp.nextCode() } })), 200);
        const volume = `${P}-${kind}-vol`;
        expectStatus(assert, await server.api('POST', envPath('volumes'), as(A, { body: { Name: volume } })), 201);
        const before = await fillVolume(volume);
        // A container of A's team: its ownership lives in the database the backup carries.
        const container = await server.api('POST', envPath(`containers?name=${P}-${kind}-app`), as(A, {
          body: { Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: { 'test.dokkerr.run': P } },
        }));
        expectStatus(assert, container, 201);
        assert.match(before, /greeting\.txt/);

        // The volume's backup: A's own; B cannot reach the volume nor the run.
        expectProblem(assert, await server.api('POST', '/api/v1/backups/volumes', as(B, { body: { volume } })), 404, 'volume_not_found');
        const run = await server.api('POST', '/api/v1/backups/volumes', as(A, { body: { environment: 'local', volume } }));
        expectStatus(assert, run, 201);
        assert.equal(run.json.status, 'succeeded');
        assert.equal(run.json.team_id, A.teamId);
        assert.ok(run.json.size_bytes > 1000, 'the archive holds the 3 MB of random data (compressed)');
        expectProblem(assert, await server.api('GET', `/api/v1/backups/volumes/${run.json.id}`, as(B)), 404, 'backup_not_found');
        expectProblem(assert, await server.api('POST', `/api/v1/backups/volumes/${run.json.id}/restore`, as(B, { body: { volume: `${volume}-b` } })), 404, 'backup_not_found');
        expectProblem(assert, await server.api('DELETE', `/api/v1/backups/volumes/${run.json.id}`, as(B)), 404, 'backup_not_found');
        const listedForB = await server.api('GET', '/api/v1/backups/volumes', as(B));
        expectStatus(assert, listedForB, 200);
        assert.equal(listedForB.json.items.length, 0);
        const listedForA = await server.api('GET', `/api/v1/backups/volumes?volume=${volume}`, as(A));
        assert.deepEqual(listedForA.json.items.map((r) => r.id), [run.json.id]);
        // Not into a volume that has files.
        expectProblem(assert, await server.api('POST', `/api/v1/backups/volumes/${run.json.id}/restore`, as(A, { body: { volume } })), 409, 'restore_target_not_empty');

        // The server itself takes platform backups only with a passphrase of its own.
        expectProblem(assert, await server.api('POST', '/api/v1/backups/platform'), 409, 'backup_passphrase_missing');
        // The platform backup, taken while the server runs.
        const auditBefore = await server.api('GET', '/api/v1/audit/verify');
        expectStatus(assert, auditBefore, 200);
        const taken = await admin(['backup', '--data-dir', server.dataDir, ...databaseArgs(server.db), '--object-store', store,
          '--passphrase-file', path.join(scratch, 'passphrase'), '--kdf-memory-kib', '8192']);
        assert.equal(taken.code, 0, taken.stderr);
        const id = /backup (\S+) stored/.exec(taken.stdout)?.[1];
        assert.ok(id, taken.stdout);
        const listed = await admin(['backups', '--data-dir', server.dataDir, '--object-store', store]);
        assert.match(listed.stdout, new RegExp(id));

        // The host is lost: data dir, database and the volume.
        await server.stop();
        server = null;
        const gone = await engine.call('DELETE', `/volumes/${volume}`);
        assert.equal(gone.status, 204, gone.text);

        const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-it-restored-'));
        const db = await freshDatabase(dataDir);
        const restore = (passphraseFile, from = 'latest') =>
          admin(['restore', '--data-dir', dataDir, ...databaseArgs(db), '--object-store', store, '--passphrase-file', passphraseFile, '--from', from]);
        const wrong = await restore(path.join(scratch, 'wrong'));
        assert.equal(wrong.code, 2, wrong.stderr);
        assert.match(wrong.stderr, /passphrase does not open this backup/);
        assert.deepEqual(await fsp.readdir(dataDir), [], 'a refused restore leaves the data dir as it was');
        const missing = await restore(path.join(scratch, 'passphrase'), '20200101T000000Z-000000');
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /No such backup/);
        const done = await restore(path.join(scratch, 'passphrase'), id);
        assert.equal(done.code, 0, done.stderr);
        const again = await restore(path.join(scratch, 'passphrase'), id);
        assert.equal(again.code, 2, 'a second restore into the same place is refused');
        assert.match(again.stderr, /empty data dir and database/);

        restored = await startServer({ dataDir, database: db, args: ['--object-store', store] });
        // The same account, the same second factor.
        const noCode = await request(restored.target, 'POST', '/api/v1/auth/login', { body: { username: A.username, password: TENANT_PASSWORD } });
        expectProblem(assert, noCode, 401, 'mfa_required');
        const signedIn = await request(restored.target, 'POST', '/api/v1/auth/login', {
          body: { username: A.username, password: TENANT_PASSWORD, totp_code: await totp.nextCode() },
        });
        expectStatus(assert, signedIn, 200);
        const A2 = { ...A, token: signedIn.json.access_token };
        // The audit chain verifies across the restore, and holds what came before it.
        const audit = await restored.api('GET', '/api/v1/audit/verify');
        expectStatus(assert, audit, 200);
        assert.equal(audit.json.ok, true, audit.text);
        assert.ok(audit.json.entries >= auditBefore.json.entries, audit.text);

        // The volume comes back from its backup, the same bytes.
        const back = await restored.api('POST', `/api/v1/backups/volumes/${run.json.id}/restore`, as(A2, { body: { volume } }));
        expectStatus(assert, back, 201);
        assert.equal(back.json.created, true);
        assert.equal(await inVolume(volume, CHECKSUM), before);
        const owned = await restored.api('GET', envPath(`volumes/${volume}`), as(A2));
        expectStatus(assert, owned, 200);
        const containers = await restored.api('GET', envPath('containers?all=1'), as(A2));
        expectStatus(assert, containers, 200);
        assert.ok(containers.json.items.some((c) => c.Id === container.json.Id), 'the team still sees its container');
      } finally {
        await server?.stop();
        await restored?.stop();
      }
    });
  });
}

describe('refusals and failures', { timeout: 300_000 }, () => {
  test('a damaged archive in the store is refused before anything changes', async (t) => {
    if (!S3_ENDPOINT) {
      t.skip('no S3 server');
      return;
    }
    const store = `s3://${S3_BUCKET}/${P}-damaged?endpoint=${encodeURIComponent(S3_ENDPOINT)}&path_style=true`;
    const server = await startServer({ args: ['--object-store', store] });
    let id;
    try {
      const taken = await admin(['backup', '--data-dir', server.dataDir, ...databaseArgs(server.db), '--object-store', store,
        '--passphrase-file', path.join(scratch, 'passphrase'), '--kdf-memory-kib', '8192']);
      assert.equal(taken.code, 0, taken.stderr);
      id = /backup (\S+) stored/.exec(taken.stdout)[1];
    } finally {
      await server.stop();
    }
    // Cut the archive short, straight on the S3 server.
    const key = `${S3_ENDPOINT}/${S3_BUCKET}/${P}-damaged/platform/${id}/archive.dkb`;
    const original = Buffer.from(await (await fetch(key)).arrayBuffer());
    const put = await fetch(key, { method: 'PUT', body: original.subarray(0, original.length - 4096) });
    assert.ok(put.ok, `PUT ${put.status}`);
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dokkerr-it-damaged-'));
    const db = await freshDatabase(dataDir);
    try {
      const res = await admin(['restore', '--data-dir', dataDir, ...databaseArgs(db), '--object-store', store,
        '--passphrase-file', path.join(scratch, 'passphrase'), '--from', id]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /damaged or incomplete/);
      assert.deepEqual(await fsp.readdir(dataDir), []);
    } finally {
      await db.drop();
      await fsp.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('an unreachable object store fails the backup cleanly', async () => {
    const server = await startServer();
    try {
      const res = await admin(['backup', '--data-dir', server.dataDir, ...databaseArgs(server.db),
        '--object-store', 's3://dokkerr-test/x?endpoint=http://127.0.0.1:9&path_style=true',
        '--passphrase-file', path.join(scratch, 'passphrase'), '--kdf-memory-kib', '8192']);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /object store cannot be reached/);
      assert.equal(res.stderr.includes(PASSPHRASE), false);
    } finally {
      await server.stop();
    }
  });

  test('a volume backup into an unreachable store fails cleanly and is recorded as failed', async () => {
    // The store answers nothing (a closed port): every attempt fails, the retries end, the run is
    // recorded with the reason, and nothing is listed as a backup.
    const store = 's3://dokkerr-test/down?endpoint=http://127.0.0.1:9&path_style=true';
    const server = await startServer({ args: ['--object-store', store], env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' } });
    try {
      const A = await createTenant(server, { name: `${P}-down` });
      const volume = `${P}-down-vol`;
      expectStatus(assert, await server.api('POST', envPath('volumes'), as(A, { body: { Name: volume } })), 201);
      const res = await server.api('POST', '/api/v1/backups/volumes', as(A, { body: { volume }, timeoutMs: 120_000 }));
      expectProblem(assert, res, 503, 'object_store_unavailable');
      const runs = await server.api('GET', `/api/v1/backups/volumes?volume=${volume}`, as(A));
      assert.equal(runs.json.items.length, 1);
      assert.equal(runs.json.items[0].status, 'failed');
      assert.match(runs.json.items[0].error, /cannot be reached/);
      assert.equal(runs.json.items[0].object_key, '');
      expectProblem(assert, await server.api('POST', `/api/v1/backups/volumes/${runs.json.items[0].id}/restore`, as(A, { body: { volume: `${volume}-2` } })), 409, 'backup_not_restorable');
      const helpers = await engine.ok('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: ['io.dokkerr.helper'] }))}`);
      assert.equal(helpers.json.length, 0, 'no helper container is left behind');
    } finally {
      await server.stop();
    }
  });

  test('a backup killed with SIGKILL leaves no complete-looking backup, and the next run completes and sweeps', async () => {
    const server = await startServer();
    const objects = path.join(scratch, 'killed-objects');
    try {
      // 150 MB in keys/ makes the run take long enough to be killed inside.
      await fsp.mkdir(path.join(server.dataDir, 'keys', 'bulk'), { recursive: true });
      const bulk = path.join(server.dataDir, 'keys', 'bulk', 'filler.bin');
      await execFileP('dd', ['if=/dev/urandom', `of=${bulk}`, 'bs=1M', 'count=150'], { timeout: 60_000 });
      const args = ['admin', 'backup', '--data-dir', server.dataDir, ...databaseArgs(server.db), '--object-store', `file://${objects}`,
        '--passphrase-file', path.join(scratch, 'passphrase'), '--kdf-memory-kib', '8192'];
      const child = spawn(dokkerrBin(), args, { stdio: 'ignore', env: { ...process.env, LSAN_OPTIONS: `suppressions=${path.resolve('tests/lsan.supp')}` } });
      const uploads = path.join(objects, '.uploads');
      await waitFor(async () => (await fsp.readdir(uploads).catch(() => [])).length > 0 &&
        (await fsp.stat(path.join(uploads, (await fsp.readdir(uploads))[0])).catch(() => ({ size: 0 }))).size > 1_000_000,
      60_000, { what: 'the upload to be under way' });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const listedAfterKill = await admin(['backups', '--data-dir', server.dataDir, '--object-store', `file://${objects}`]);
      assert.equal(listedAfterKill.stdout.trim(), '', 'nothing is listed as a backup');
      // An hour later the left-over upload is abandoned for sure; the next run drops it.
      const [left] = await fsp.readdir(uploads);
      const anHourAgo = new Date(Date.now() - 2 * 3600 * 1000);
      await fsp.utimes(path.join(uploads, left), anHourAgo, anHourAgo);
      await fsp.rm(bulk);
      const next = await admin(args.slice(1));
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(await fsp.readdir(uploads), [], `left: ${left}`);
      const listed = await admin(['backups', '--data-dir', server.dataDir, '--object-store', `file://${objects}`]);
      assert.equal(listed.stdout.trim().split('\n').length, 1);
    } finally {
      await server.stop();
    }
  });

  test('a damaged volume archive is refused and the new volume is not left behind', async () => {
    const objects = path.join(scratch, 'volume-objects');
    const server = await startServer({ args: ['--object-store', `file://${objects}`] });
    try {
      const A = await createTenant(server, { name: `${P}-dmg` });
      const volume = `${P}-dmg-vol`;
      expectStatus(assert, await server.api('POST', envPath('volumes'), as(A, { body: { Name: volume } })), 201);
      await fillVolume(volume);
      const run = await server.api('POST', '/api/v1/backups/volumes', as(A, { body: { volume } }));
      expectStatus(assert, run, 201);
      const file = path.join(objects, run.json.object_key);
      const bytes = await fsp.readFile(file);
      bytes[bytes.length >> 1] ^= 0xff;
      await fsp.writeFile(file, bytes);
      const res = await server.api('POST', `/api/v1/backups/volumes/${run.json.id}/restore`, as(A, { body: { volume: `${volume}-copy` } }));
      expectProblem(assert, res, 400, 'backup_corrupt');
      const left = await engine.call('GET', `/volumes/${volume}-copy`);
      assert.equal(left.status, 404, 'the volume made for the restore is removed again');
      // Bad requests: unknown fields, a bad volume name, an unknown run.
      expectProblem(assert, await server.api('POST', '/api/v1/backups/volumes', as(A, { body: { volume, extra: 1 } })), 400, 'unknown_field');
      expectProblem(assert, await server.api('POST', `/api/v1/backups/volumes/${run.json.id}/restore`, as(A, { body: { volume: '../etc' } })), 400, 'invalid_volume_name');
      expectProblem(assert, await server.api('POST', '/api/v1/backups/volumes/nope/restore', as(A, { body: { volume: 'x1' } })), 404, 'backup_not_found');
      // Deleting the backup removes it from the store too.
      expectStatus(assert, await server.api('DELETE', `/api/v1/backups/volumes/${run.json.id}`, as(A)), 204);
      await assert.rejects(fsp.stat(file));
    } finally {
      await server.stop();
    }
  });
});

describe('backup schedules', { timeout: 300_000 }, () => {
  test('cron schedules run on the lease holder, keep what retention says, and report failures in the audit log and as alerts', async () => {
    const server = await startServer({ args: ['--object-store', `file://${path.join(scratch, 'schedule-objects')}`, '--metrics-interval', '1'] });
    try {
      const A = await createTenant(server, { name: `${P}-sch-a` });
      const B = await createTenant(server, { name: `${P}-sch-b` });
      const volume = `${P}-sch-vol`;
      expectStatus(assert, await server.api('POST', envPath('volumes'), as(A, { body: { Name: volume } })), 201);
      await inVolume(volume, 'echo scheduled > /data/file.txt');

      // Refusals first: bad cron, bounds, unknown fields, another team's volume.
      const create = (tenant, body) => server.api('POST', '/api/v1/backups/schedules', as(tenant, { body }));
      expectProblem(assert, await create(A, { volume, cron: 'every day' }), 400, 'invalid_cron');
      expectProblem(assert, await create(A, { volume, cron: '61 * * * *' }), 400, 'invalid_cron');
      expectProblem(assert, await create(A, { volume, cron: '0 3 * * *', keep_last: 0 }), 400, 'invalid_body');
      expectProblem(assert, await create(A, { volume, cron: '0 3 * * *', nope: true }), 400, 'unknown_field');
      expectProblem(assert, await create(B, { volume, cron: '0 3 * * *' }), 404, 'volume_not_found');

      const made = await create(A, { volume, cron: '0 3 * * *', keep_last: 2 });
      expectStatus(assert, made, 201);
      const schedule = made.json;
      assert.equal(schedule.team_id, A.teamId);
      assert.ok(Date.parse(schedule.next_run_at) > Date.now());
      expectProblem(assert, await server.api('GET', `/api/v1/backups/schedules/${schedule.id}`, as(B)), 404, 'backup_schedule_not_found');
      expectProblem(assert, await server.api('POST', `/api/v1/backups/schedules/${schedule.id}/run`, as(B)), 404, 'backup_schedule_not_found');
      assert.equal((await server.api('GET', '/api/v1/backups/schedules', as(B))).json.items.length, 0);
      assert.deepEqual((await server.api('GET', '/api/v1/backups/schedules', as(A))).json.items.map((s) => s.id), [schedule.id]);

      // Three runs by hand; retention keeps the newest two.
      const runs = [];
      for (let i = 0; i < 3; i += 1) {
        const run = await server.api('POST', `/api/v1/backups/schedules/${schedule.id}/run`, as(A));
        expectStatus(assert, run, 201);
        runs.push(run.json.id);
      }
      const kept = await server.api('GET', `/api/v1/backups/volumes?volume=${volume}`, as(A));
      assert.deepEqual(kept.json.items.map((r) => r.id), [runs[2], runs[1]]);

      // Due now: the replica holding the scheduler lease runs it within its poll (20 s).
      await server.sql(`UPDATE backup_schedules SET next_run_unix = 0 WHERE id = '${schedule.id}'`);
      await waitFor(async () => {
        const s = await server.api('GET', `/api/v1/backups/schedules/${schedule.id}`, as(A));
        return s.json.last_run_id && !runs.includes(s.json.last_run_id) && Date.parse(s.json.next_run_at) > Date.now();
      }, 60_000, { what: 'the scheduled run', intervalMs: 500 });
      const afterDue = await server.api('GET', `/api/v1/backups/volumes?volume=${volume}`, as(A));
      assert.equal(afterDue.json.items.length, 2);
      assert.equal(afterDue.json.items[0].status, 'succeeded');

      // The volume goes away: the run fails, the audit log says so, and a backup_failed rule fires.
      const rule = await server.api('POST', '/api/v1/alerts/rules', as(A, { body: { team_id: A.teamId, name: 'backups', event: 'backup_failed' } }));
      expectStatus(assert, rule, 201);
      expectStatus(assert, await server.api('DELETE', envPath(`volumes/${volume}`), as(A)), 204);
      const failed = await server.api('POST', `/api/v1/backups/schedules/${schedule.id}/run`, as(A));
      expectProblem(assert, failed, 404, 'volume_not_found');
      const audit = await server.api('GET', '/api/v1/audit?action=backups.schedule.run');
      expectStatus(assert, audit, 200);
      const entry = audit.json.items.find((e) => e.result === 'failure');
      assert.ok(entry, audit.text);
      assert.equal(entry.team_id, A.teamId);
      assert.equal((await server.api('GET', `/api/v1/backups/schedules/${schedule.id}`, as(A))).json.last_status, 'failed');
      const firing = async () => (await server.api('GET', '/api/v1/alerts?state=firing', as(A))).json.items.filter((a) => a.rule?.id === rule.json.id);
      await waitFor(async () => (await firing()).length === 1, 30_000, { what: 'the backup_failed alert', intervalMs: 500 });
      assert.match((await firing())[0].summary, /failed/);
      expectStatus(assert, (await server.api('GET', '/api/v1/alerts?state=firing', as(B))), 200);
      assert.equal((await server.api('GET', '/api/v1/alerts?state=firing', as(B))).json.items.length, 0);
      // The volume is back: the next run succeeds and the alert resolves.
      expectStatus(assert, await server.api('POST', envPath('volumes'), as(A, { body: { Name: volume } })), 201);
      expectStatus(assert, await server.api('POST', `/api/v1/backups/schedules/${schedule.id}/run`, as(A)), 201);
      await waitFor(async () => (await firing()).length === 0, 30_000, { what: 'the alert to resolve', intervalMs: 500 });

      // Off, then gone.
      const off = await server.api('PATCH', `/api/v1/backups/schedules/${schedule.id}`, as(A, { body: { enabled: false } }));
      expectStatus(assert, off, 200);
      assert.equal(off.json.next_run_at, null);
      expectStatus(assert, await server.api('DELETE', `/api/v1/backups/schedules/${schedule.id}`, as(A)), 204);
      expectProblem(assert, await server.api('GET', `/api/v1/backups/schedules/${schedule.id}`, as(A)), 404, 'backup_schedule_not_found');
    } finally {
      await server.stop();
    }
  });
});

describe('platform backups taken by the server', { timeout: 300_000 }, () => {
  test('administrators back up the platform by hand and on a schedule with retention', async () => {
    const objects = path.join(scratch, 'platform-objects');
    const store = `file://${objects}`;
    const server = await startServer({ args: ['--object-store', store, '--backup-passphrase-file', path.join(scratch, 'passphrase')] });
    try {
      const A = await createTenant(server, { name: `${P}-plat` });
      expectProblem(assert, await server.api('POST', '/api/v1/backups/platform', as(A)), 403, 'permission_denied');
      expectProblem(assert, await server.api('GET', '/api/v1/backups/platform', as(A)), 403, 'permission_denied');
      expectProblem(assert, await server.api('POST', '/api/v1/backups/schedules', as(A, { body: { kind: 'platform', cron: '@daily' } })), 403, 'permission_denied');

      const first = await server.api('POST', '/api/v1/backups/platform');
      expectStatus(assert, first, 201);
      assert.equal(first.json.status, 'succeeded');
      assert.match(first.json.object_key, /^platform\/[0-9TZ]+-[0-9a-f]+\/archive\.dkb$/);

      const made = await server.api('POST', '/api/v1/backups/schedules', { body: { kind: 'platform', cron: '@daily', keep_last: 1 } });
      expectStatus(assert, made, 201);
      expectProblem(assert, await server.api('POST', '/api/v1/backups/schedules', { body: { kind: 'platform', cron: '@daily', volume: 'x1' } }), 400, 'invalid_body');
      expectProblem(assert, await server.api('GET', `/api/v1/backups/schedules/${made.json.id}`, as(A)), 404, 'backup_schedule_not_found');
      for (let i = 0; i < 2; i += 1) {
        expectStatus(assert, await server.api('POST', `/api/v1/backups/schedules/${made.json.id}/run`), 201);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // backup ids name the second
      }
      const runs = await server.api('GET', '/api/v1/backups/platform');
      expectStatus(assert, runs, 200);
      assert.equal(runs.json.items.length, 1, 'retention keeps the newest platform backup');
      const listed = await admin(['backups', '--data-dir', server.dataDir, '--object-store', store]);
      assert.equal(listed.stdout.trim().split('\n').length, 1, listed.stdout);
      assert.ok(listed.stdout.includes(runs.json.items[0].object_key.split('/')[1]));
    } finally {
      await server.stop();
    }
  });
});

describe('image backups', { timeout: 300_000 }, () => {
  test('administrators save an image to the store and load it back', async () => {
    const server = await startServer({ args: ['--object-store', `file://${path.join(scratch, 'image-objects')}`] });
    const tag = `${P}-img:v1`;
    try {
      const A = await createTenant(server, { name: `${P}-img` });
      await engine.ok('POST', `/images/${encodeURIComponent(TEST_IMAGE)}/tag?repo=${encodeURIComponent(`${P}-img`)}&tag=v1`);
      expectProblem(assert, await server.api('POST', '/api/v1/backups/images', as(A, { body: { image: tag } })), 403, 'permission_denied');
      expectProblem(assert, await server.api('POST', '/api/v1/backups/images', { body: { image: '../etc/passwd' } }), 400, 'invalid_reference');
      expectProblem(assert, await server.api('POST', '/api/v1/backups/images', { body: { image: `${P}-none:v9` } }), 404, 'image_not_found');
      const run = await server.api('POST', '/api/v1/backups/images', { body: { image: tag } });
      expectStatus(assert, run, 201);
      assert.equal(run.json.status, 'succeeded');
      assert.equal(run.json.image, tag);
      const listed = await server.api('GET', '/api/v1/backups/images');
      assert.deepEqual(listed.json.items.map((r) => r.id), [run.json.id]);

      // The tag goes; loading the backup brings it back.
      const untag = await engine.call('DELETE', `/images/${encodeURIComponent(tag)}`);
      assert.equal(untag.status, 200, untag.text);
      assert.equal((await engine.call('GET', `/images/${encodeURIComponent(tag)}/json`)).status, 404);
      const loaded = await server.api('POST', `/api/v1/backups/images/${run.json.id}/restore`, { body: {} });
      expectStatus(assert, loaded, 201);
      assert.equal((await engine.call('GET', `/images/${encodeURIComponent(tag)}/json`)).status, 200);
      expectProblem(assert, await server.api('POST', `/api/v1/backups/images/${run.json.id}/restore`, as(A, { body: {} })), 403, 'permission_denied');
      expectStatus(assert, await server.api('DELETE', `/api/v1/backups/images/${run.json.id}`), 204);
      expectProblem(assert, await server.api('POST', `/api/v1/backups/images/${run.json.id}/restore`, { body: {} }), 404, 'backup_not_found');

      // On a schedule: administrators only, an image the engine has, retention as for the others.
      const schedules = '/api/v1/backups/schedules';
      expectProblem(assert, await server.api('POST', schedules, as(A, { body: { kind: 'image', image: tag, cron: '@daily' } })), 403, 'permission_denied');
      expectProblem(assert, await server.api('POST', schedules, { body: { kind: 'image', image: `${P}-none:v9`, cron: '@daily' } }), 404, 'image_not_found');
      expectProblem(assert, await server.api('POST', schedules, { body: { kind: 'image', image: tag, volume: 'x', cron: '@daily' } }), 400, 'invalid_body');
      const made = await server.api('POST', schedules, { body: { kind: 'image', image: tag, cron: '@daily', keep_last: 1 } });
      expectStatus(assert, made, 201);
      expectProblem(assert, await server.api('GET', `${schedules}/${made.json.id}`, as(A)), 404, 'backup_schedule_not_found');
      const first = await server.api('POST', `${schedules}/${made.json.id}/run`);
      expectStatus(assert, first, 201);
      const second = await server.api('POST', `${schedules}/${made.json.id}/run`);
      expectStatus(assert, second, 201);
      assert.equal(second.json.status, 'succeeded');
      const kept = await server.api('GET', '/api/v1/backups/images');
      assert.deepEqual(kept.json.items.map((r) => r.id), [second.json.id], kept.text);
    } finally {
      await engine.call('DELETE', `/images/${encodeURIComponent(tag)}`).catch(() => {});
      await server.stop();
    }
  });
});

describe('audit log archives', { timeout: 300_000 }, () => {
  test('the audit log is archived in chained pieces that verify, and tampering is found', async () => {
    const objects = path.join(scratch, 'audit-objects');
    const store = `file://${objects}`;
    const server = await startServer({ args: ['--object-store', store] });
    try {
      const A = await createTenant(server, { name: `${P}-aud` });
      expectProblem(assert, await server.api('POST', '/api/v1/backups/audit', as(A)), 403, 'permission_denied');
      const first = await server.api('POST', '/api/v1/backups/audit');
      expectStatus(assert, first, 201);
      assert.match(first.json.object_key, /^audit\/000000000000001\.jsonl\.gz$/);
      await createTenant(server, { name: `${P}-aud2` }); // more entries
      const second = await server.api('POST', '/api/v1/backups/audit');
      expectStatus(assert, second, 201);
      assert.notEqual(second.json.object_key, first.json.object_key);
      // Through a schedule too; nothing new to archive is a run that stores nothing.
      const schedule = await server.api('POST', '/api/v1/backups/schedules', { body: { kind: 'audit', cron: '@daily', keep_last: 5 } });
      expectStatus(assert, schedule, 201);
      expectStatus(assert, await server.api('POST', `/api/v1/backups/schedules/${schedule.json.id}/run`), 201);

      const verified = await server.api('GET', '/api/v1/backups/audit/verify');
      expectStatus(assert, verified, 200);
      assert.equal(verified.json.ok, true, verified.text);
      assert.ok(verified.json.archives >= 3, verified.text);
      assert.match(verified.json.anchor, /^\d+:[0-9a-f]{64}$/);
      const cli = await admin(['verify-audit', '--data-dir', server.dataDir, ...databaseArgs(server.db), '--archives', '--object-store', store]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /audit archives intact/);
      assert.match(cli.stdout, /audit log intact/);

      // An entry changed inside the second archive, its checksum "fixed" in the description.
      const file = path.join(objects, second.json.object_key);
      const { gunzipSync, gzipSync } = await import('node:zlib');
      const lines = gunzipSync(await fsp.readFile(file)).toString('utf8').split('\n');
      const victim = JSON.parse(lines[0]);
      victim.action = 'nothing.happened';
      lines[0] = JSON.stringify(victim);
      const forged = gzipSync(Buffer.from(lines.join('\n')));
      await fsp.writeFile(file, forged);
      const manifestFile = file.replace(/\.jsonl\.gz$/, '.json');
      const manifest = JSON.parse(await fsp.readFile(manifestFile, 'utf8'));
      manifest.sha256 = (await import('node:crypto')).createHash('sha256').update(forged).digest('hex');
      manifest.size = forged.length;
      await fsp.writeFile(manifestFile, JSON.stringify(manifest));
      const broken = await server.api('GET', '/api/v1/backups/audit/verify');
      assert.equal(broken.json.ok, false, broken.text);
      assert.equal(broken.json.first_bad_seq, victim.seq);
      assert.match(broken.json.problem, /does not match its hash/);
      const cliBroken = await admin(['verify-audit', '--data-dir', server.dataDir, ...databaseArgs(server.db), '--archives', '--object-store', store]);
      assert.equal(cliBroken.code, 1, cliBroken.stdout);
      assert.match(cliBroken.stdout, /audit archives BROKEN/);
    } finally {
      await server.stop();
    }
  });
});

// A small valid PNG (RGB, a gradient), made here: signature, IHDR, IDAT, IEND with their CRCs.
function pngOf(width, height, extra = Buffer.alloc(0)) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlibCrc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) row.writeUIntBE((x * 40 + y * 20) & 0xffffff, 1 + x * 3, 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlibDeflate(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
    extra,
  ]);
}

describe('avatars', { timeout: 180_000 }, () => {
  test('an avatar is re-encoded, kept in the object store and shown only within the organization', async () => {
    const objects = path.join(scratch, 'avatar-objects');
    const server = await startServer({ args: ['--object-store', `file://${objects}`] });
    try {
      const A = await createTenant(server, { name: `${P}-ava` });
      const sameOrg = await createTenant(server, { name: `${P}-ava2`, orgId: A.orgId });
      const other = await createTenant(server, { name: `${P}-ava3` });
      const upload = (tenant, raw, type = 'image/png') =>
        server.api('PUT', '/api/v1/me/avatar', as(tenant, { raw, headers: { 'Content-Type': type } }));

      const polyglot = pngOf(8, 4, Buffer.from('<script>alert(document.cookie)</script>'));
      const done = await upload(A, polyglot);
      expectStatus(assert, done, 200);
      assert.match(done.json.avatar_url, new RegExp(`^/api/v1/users/${A.userId}/avatar\\?v=[0-9a-f]{12}$`));
      const stored = await fsp.readFile(path.join(objects, 'avatars', A.userId));
      assert.equal(stored.includes('<script>'), false, 'what is kept is made from the pixels alone');

      for (const viewer of [A, sameOrg]) {
        const shown = await server.api('GET', done.json.avatar_url, as(viewer));
        expectStatus(assert, shown, 200);
        assert.equal(shown.headers['content-type'], 'image/png');
        assert.deepEqual(shown.body, stored);
      }
      expectProblem(assert, await server.api('GET', done.json.avatar_url, as(other)), 404, 'avatar_not_found');
      expectStatus(assert, await server.api('GET', done.json.avatar_url), 200); // the admin

      expectProblem(assert, await upload(A, Buffer.from('GIF89a....'), 'image/gif'), 415, 'unsupported_image_type');
      expectProblem(assert, await upload(A, polyglot.subarray(0, 40)), 400, 'invalid_image');
      expectProblem(assert, await upload(A, Buffer.alloc(3 * 1024 * 1024, 1)), 413, 'payload_too_large');

      const removed = await server.api('DELETE', '/api/v1/me/avatar', as(A));
      expectStatus(assert, removed, 200);
      assert.equal(removed.json.avatar_url, '');
      expectProblem(assert, await server.api('GET', done.json.avatar_url, as(A)), 404, 'avatar_not_found');
    } finally {
      await server.stop();
    }
  });
});

describe('container log archives', { timeout: 180_000 }, () => {
  test("a container's logs are archived in consecutive pieces, for its team only", async () => {
    const server = await startServer({ args: ['--object-store', `file://${path.join(scratch, 'log-objects')}`] });
    try {
      const A = await createTenant(server, { name: `${P}-logs` });
      const B = await createTenant(server, { name: `${P}-logs2` });
      const created = await server.api('POST', envPath(`containers?name=${P}-talker`), as(A, {
        body: { Image: TEST_IMAGE, Cmd: ['sh', '-c', 'i=0; while [ $i -lt 5 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; sleep 600'], Labels: { 'test.dokkerr.run': P } },
      }));
      expectStatus(assert, created, 201);
      const id = created.json.Id;
      expectStatus(assert, await server.api('POST', envPath(`containers/${id}/start`), as(A)), 204);
      await waitFor(async () => (await engine.ok('GET', `/containers/${id}/logs?stdout=1`)).text.includes('out 4'), 20_000, { what: 'the first lines' });

      expectProblem(assert, await server.api('POST', '/api/v1/backups/logs', as(B, { body: { container: id } })), 404, 'container_not_found');
      const first = await server.api('POST', '/api/v1/backups/logs', as(A, { body: { container: `${P}-talker` } }));
      expectStatus(assert, first, 201);
      assert.equal(first.json.container, id);
      const content = await server.api('GET', `/api/v1/backups/logs/${first.json.id}/content`, as(A));
      expectStatus(assert, content, 200);
      const { gunzipSync } = await import('node:zlib');
      const lines = gunzipSync(content.body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.filter((l) => l.stream === 'stdout').length, 5);
      assert.equal(lines.filter((l) => l.stream === 'stderr').length, 5);
      assert.deepEqual(lines.find((l) => l.line === 'err 2')?.stream, 'stderr');
      assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT/);

      // The next archive holds only what came after the first one began.
      const exec = await engine.ok('POST', `/containers/${id}/exec`, { body: { Cmd: ['sh', '-c', 'echo later > /proc/1/fd/1'] } });
      await engine.ok('POST', `/exec/${exec.json.Id}/start`, { body: { Detach: true } });
      await waitFor(async () => (await engine.ok('GET', `/containers/${id}/logs?stdout=1`)).text.includes('later'), 20_000, { what: 'the later line' });
      const second = await server.api('POST', '/api/v1/backups/logs', as(A, { body: { container: id } }));
      expectStatus(assert, second, 201);
      const more = await server.api('GET', `/api/v1/backups/logs/${second.json.id}/content`, as(A));
      const later = gunzipSync(more.body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(later.map((l) => l.line), ['later']);

      expectProblem(assert, await server.api('GET', `/api/v1/backups/logs/${first.json.id}/content`, as(B)), 404, 'backup_not_found');
      assert.equal((await server.api('GET', '/api/v1/backups/logs', as(B))).json.items.length, 0);
      assert.equal((await server.api('GET', `/api/v1/backups/logs?container=${id}`, as(A))).json.items.length, 2);

      // On a schedule, with the team's permission for logs.
      const schedule = await server.api('POST', '/api/v1/backups/schedules', as(A, { body: { kind: 'logs', container: id, cron: '@hourly', keep_last: 2 } }));
      expectStatus(assert, schedule, 201);
      assert.equal(schedule.json.container, id);
      expectStatus(assert, await server.api('POST', `/api/v1/backups/schedules/${schedule.json.id}/run`, as(A)), 201);
      assert.equal((await server.api('GET', `/api/v1/backups/logs?container=${id}`, as(A))).json.items.length, 2, 'retention keeps two');
      expectProblem(assert, await server.api('GET', `/api/v1/backups/schedules/${schedule.json.id}`, as(B)), 404, 'backup_schedule_not_found');
    } finally {
      await engine.cleanup(P).catch(() => {});
      await server.stop();
    }
  });
});
