// Images in the test registries, made offline from the test image: pushes through the engine,
// and "a newer image under the same tag" as a CI job would push one.
import assert from 'node:assert/strict';

import { TEST_IMAGE, testLabels } from './harness.mjs';

// The engine's X-Registry-Auth for `login` ({username, password, serveraddress}; none: anonymous).
export function registryAuth(login) {
  return Buffer.from(JSON.stringify(login ?? {})).toString('base64');
}

export async function pushImage(engine, repo, tag, login) {
  const res = await engine.call('POST', `/images/${encodeURIComponent(repo)}/push?tag=${tag}`, {
    headers: { 'X-Registry-Auth': registryAuth(login) },
  });
  assert.equal(res.status, 200, res.text);
  assert.doesNotMatch(res.text, /"error"/);
}

// Pushes a different image (the test image with another label) as repo:tag, then points the
// engine's repo:tag back at `old` (default: the test image): the registry is newer than the
// engine. Returns the newer image's id.
export async function pushNewer(engine, prefix, repo, tag, { old = TEST_IMAGE, login } = {}) {
  const made = await engine.ok('POST', '/containers/create', { body: { Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(prefix) } });
  const committed = await engine.ok('POST', `/commit?container=${made.json.Id}&repo=${encodeURIComponent(repo)}&tag=${tag}`, {
    body: { Labels: { 'io.dokkerr.test.version': String(Date.now()) } },
  });
  await engine.call('DELETE', `/containers/${made.json.Id}?force=1`);
  await pushImage(engine, repo, tag, login);
  await engine.ok('POST', `/images/${encodeURIComponent(old)}/tag?repo=${encodeURIComponent(repo)}&tag=${tag}`);
  return committed.json.Id;
}
