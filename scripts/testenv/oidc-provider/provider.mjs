// A real OpenID Connect provider (panva/oidc-provider) for Dokkerr's tests. Logins are
// non-interactive so that a plain HTTP client can drive the whole authorization code flow;
// README.md in this folder says how. Everything (keys, accounts, sessions, codes) lives in
// memory and is gone when the process ends.
//
//   node provider.mjs [--port N] [--client-id ID] [--client-secret S] [--redirect-uri URI]...
//                     [--client2-id ID] [--client2-secret S]
//
// Each option falls back to an environment variable (OIDC_PROVIDER_PORT, OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated), OIDC_CLIENT2_ID,
// OIDC_CLIENT2_SECRET), then to the defaults below.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'client2-id': { type: 'string' },
    'client2-secret': { type: 'string' },
  },
});

const env = process.env;
const port = Number(args.port ?? env.OIDC_PROVIDER_PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`provider.mjs: invalid port '${args.port ?? env.OIDC_PROVIDER_PORT}'`);
  process.exit(2);
}
const redirectUris = args['redirect-uri'] ??
  (env.OIDC_REDIRECT_URIS ?? 'http://127.0.0.1/callback')
    .split(',')
    .map((uri) => uri.trim())
    .filter(Boolean);

// Two confidential clients that differ in their ID token signature algorithm. The second one
// also gives the tests tokens whose audience is not the first client.
const clients = [
  {
    client_id: args['client-id'] ?? env.OIDC_CLIENT_ID ?? 'dokkerr-test',
    client_secret: args['client-secret'] ?? env.OIDC_CLIENT_SECRET ?? 'dokkerr-test-secret',
    id_token_signed_response_alg: 'RS256',
  },
  {
    client_id: args['client2-id'] ?? env.OIDC_CLIENT2_ID ?? 'dokkerr-test-es256',
    client_secret: args['client2-secret'] ?? env.OIDC_CLIENT2_SECRET ?? 'dokkerr-test-es256-secret',
    id_token_signed_response_alg: 'ES256',
  },
].map((client) => ({
  ...client,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  // oidc-provider accepts client_secret_post as well from a client registered for
  // client_secret_basic (one metadata value, either mechanism).
  token_endpoint_auth_method: 'client_secret_basic',
}));

// Test users. eve claims alice's address without having verified it: linking accounts by an
// unverified e-mail address must not hand her alice's account.
const accounts = new Map(
  [
    {
      sub: 'alice',
      email: 'alice@example.test',
      email_verified: true,
      name: 'Alice Example',
      preferred_username: 'alice',
      groups: ['platform', 'qa'],
    },
    {
      sub: 'bob',
      email: 'bob@example.test',
      email_verified: false,
      name: 'Bob Example',
      preferred_username: 'bob',
      groups: ['qa'],
    },
    { sub: 'carol', name: 'Carol Example', preferred_username: 'carol', groups: [] },
    {
      sub: 'eve',
      email: 'alice@example.test',
      email_verified: false,
      name: 'Eve Example',
      preferred_username: 'eve',
      groups: ['platform'],
    },
  ].map((account) => [account.sub, account]),
);

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'jwk',
  });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'jwk',
  });
  return [
    { ...rsa, kid: `rsa-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' },
    { ...ec, kid: `ec-${randomBytes(6).toString('hex')}`, alg: 'ES256', use: 'sig' },
  ];
}

function configuration() {
  return {
    clients,
    jwks: { keys: signingKeys() },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { methods: ['S256'], required: () => true },
    responseTypes: ['code'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // The relying party reads the user's claims from the ID token, not from userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    // Plain text: tests read error pages in assertion messages, not in a browser.
    renderError(ctx, out) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${out.error}: ${out.error_description ?? ''}\n`;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    // Consent is implied: the tests only log in. Every requested scope is granted.
    async loadExistingGrant(ctx) {
      const { provider, client, account, session, params, result } = ctx.oidc;
      const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== account.accountId) {
        grant = new provider.Grant({ clientId: client.clientId, accountId: account.accountId });
      }
      grant.addOIDCScope(params.scope);
      await grant.save();
      return grant;
    },
    async findAccount(ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
  };
}

// A registered http loopback redirect URI without an explicit port matches that URI on any
// port (RFC 8252 §7.3 style): the server under test listens on a port chosen at its start,
// after this provider was started with the redirect URIs.
function allowAnyLoopbackPort(provider) {
  const exact = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    if (exact.call(this, value)) return true;
    let requested;
    try {
      requested = new URL(value);
    } catch {
      return false;
    }
    if (requested.protocol !== 'http:' || requested.hostname !== '127.0.0.1') return false;
    return this.redirectUris.some((registered) => {
      let url;
      try {
        url = new URL(registered);
      } catch {
        return false;
      }
      if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.port !== '') {
        return false;
      }
      const withoutPort = new URL(requested.href);
      withoutPort.port = '';
      return withoutPort.href === url.href;
    });
  };
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 16 * 1024) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res, status, type, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginForm(uid, details) {
  const options = [...accounts.keys()]
    .map((sub) => `<button name="login" value="${escapeHtml(sub)}">${escapeHtml(sub)}</button>`)
    .join('\n');
  return `<!doctype html><title>Test login</title>
<p>Client <code>${escapeHtml(details.params.client_id)}</code> asks for a login.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}">
${options}
<button name="deny" value="1">deny</button>
</form>`;
}

// GET /interaction/:uid?login=<sub> | ?deny=1, or POST the same fields as a form. Without
// either, a small HTML form is shown (for a person poking at the provider).
async function interaction(provider, req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'text/plain', 'interaction cookie does not match the URL\n');
    return;
  }
  const query = new URL(req.url, 'http://127.0.0.1').searchParams;
  const fields = req.method === 'POST' ? await readForm(req) : query;
  if (fields.get('deny')) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the test user denied the request' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const login = fields.get('login');
  if (!login) {
    send(res, 200, 'text/html; charset=utf-8', loginForm(uid, details));
    return;
  }
  if (!accounts.has(login)) {
    send(res, 400, 'text/plain', `unknown test account '${login}'\n`);
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: login } },
    { mergeWithLastSubmission: false },
  );
}

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  allowAnyLoopbackPort(provider);
  for (const event of ['server_error', 'authorization.error', 'grant.error']) {
    provider.on(event, (ctx, err) => {
      console.error(`${new Date().toISOString()} ${event}: ${err.message}` +
        (err.error_description ? ` (${err.error_description})` : ''));
    });
  }
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\?|$)/.exec(req.url);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) {
      handle(req, res);
      return;
    }
    interaction(provider, req, res, match[1]).catch((err) => {
      console.error(`${new Date().toISOString()} interaction: ${err.message}`);
      if (!res.headersSent) send(res, 400, 'text/plain', `${err.message}\n`);
    });
  });
  console.log(`OIDC provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
