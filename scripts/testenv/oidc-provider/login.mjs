// Drives a login at the test provider without a browser, for node tests (README.md says what
// happens on the wire). No dependencies: Node's fetch with redirects followed by hand and a
// cookie jar just large enough for this provider (names, values and paths; one flow at a time).
//
//   import { driveLogin } from '../../scripts/testenv/oidc-provider/login.mjs';
//   const callback = await driveLogin(authorizationUrl, redirectUri, { login: 'alice' });
//   callback.searchParams.get('code'), .get('state'), .get('iss')
//
// options: login (an account, default 'alice'), deny (true: refuse instead of logging in),
// jar (a Map to keep the provider's session across calls: the next login of that jar skips
// the login page unless the authorization URL has prompt=login).
export async function driveLogin(authorizationUrl, redirectUri, options = {}) {
  const { login = 'alice', deny = false, jar = new Map() } = options;
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop += 1) {
    if (`${url.origin}${url.pathname}` === redirectUri.split('?')[0]) return url;
    if (url.pathname.startsWith('/interaction/')) {
      url.searchParams.set(deny ? 'deny' : 'login', deny ? '1' : login);
    }
    const cookie = [...jar]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      jar.set(pair.slice(0, eq), { value: pair.slice(eq + 1), path });
    }
    const location = response.headers.get('location');
    if ((response.status !== 302 && response.status !== 303) || !location) {
      throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    }
    url = new URL(location, url);
  }
  throw new Error('more than 10 redirects');
}
