// Secrets at rest: everything the database holds (the SQLite file and its write-ahead log, or a
// pg_dump of the PostgreSQL database) is read back as text and searched for each secret a user
// or the server handed out: passwords, TOTP seeds (pending and confirmed), recovery codes,
// access and refresh tokens, API keys, WebSocket tickets and the setup token. None appears in
// clear. (TLS client keys: environments.test.mjs; OIDC client secrets: oidc.test.mjs.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ADMIN_PASSWORD, TENANT_PASSWORD, createTenant, envPath, expectStatus, startServer, uniquePrefix } from './lib/harness.mjs';

const P = uniquePrefix();
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (server) await server.stop();
});

// The base32 seed and the codes an RFC 6238 authenticator would show for it.
function totpCode(secretBase32, unixSeconds) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  return import('node:crypto').then(({ createHmac }) => {
    const mac = createHmac('sha1', key).update(counter).digest();
    const offset = mac[mac.length - 1] & 0xf;
    const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
    return String(value).padStart(6, '0');
  });
}

describe('secrets at rest', { timeout: 120_000 }, () => {
  test('no secret handed out is stored in clear', async () => {
    const secrets = { 'the admin password': ADMIN_PASSWORD, 'a tenant password': TENANT_PASSWORD, 'the setup token': server.setupToken };
    const tenant = await createTenant(server, { name: `${P}-a` });
    secrets['an access token'] = tenant.token;
    secrets['a refresh token'] = tenant.refreshToken;

    // A confirmed TOTP seed and its recovery codes.
    const enrol = await server.api('POST', '/api/v1/me/mfa/totp', { token: tenant.token });
    expectStatus(assert, enrol, 200);
    secrets['a confirmed TOTP seed'] = enrol.json.secret;
    const confirm = await server.api('POST', '/api/v1/me/mfa/totp/confirm', {
      token: tenant.token,
      body: { code: await totpCode(enrol.json.secret, Date.now() / 1000) },
    });
    expectStatus(assert, confirm, 200);
    for (const [i, code] of (confirm.json.recovery_codes ?? []).entries()) secrets[`recovery code ${i}`] = code;
    assert.ok((confirm.json.recovery_codes ?? []).length > 0, `recovery codes handed out: ${confirm.text}`);

    // A seed enrolled but never confirmed.
    const other = await createTenant(server, { name: `${P}-b` });
    const pending = await server.api('POST', '/api/v1/me/mfa/totp', { token: other.token });
    expectStatus(assert, pending, 200);
    secrets['a pending TOTP seed'] = pending.json.secret;

    // An API key and a WebSocket ticket not yet used.
    const key = await server.api('POST', '/api/v1/api-keys', { token: other.token, body: { name: `${P}-key`, scopes: ['containers:read'] } });
    expectStatus(assert, key, 201);
    secrets['an API key'] = key.json.key;
    const ticket = await server.api('POST', '/api/v1/auth/ws-ticket', { token: other.token, body: { path: envPath('events') } });
    expectStatus(assert, ticket, 200);
    secrets['a WebSocket ticket'] = ticket.json.ticket;

    const stored = await server.storedText();
    assert.ok(stored.includes(tenant.username), 'the dump holds the accounts (the search is meaningful)');
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(typeof value === 'string' && value.length >= 8, `${what} was handed out`);
      assert.ok(!stored.includes(value), `${what} is stored in clear`);
    }
  });
});
