// The container security policy: what a team's developer may not ask of the engine (403
// policy_denied naming the field, in every spelling the engine would accept), bodies the engine
// could read differently from the checks (400 duplicate_key, unknown_field), what the platform
// admin may do anyway, and how an organization admin relaxes one team's policy.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Engine,
  TENANT_PASSWORD,
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
  waitFor,
} from './lib/harness.mjs';

const P = uniquePrefix();
let server;
let engine;
let A; // developer of team A
let B; // developer of team B (another organization)
let orgAdmin; // organization admin of A's organization
let aId; // A's running container
let bId; // B's running container
const aName = `${P}-a-c`;
const bName = `${P}-b-c`;
const TEAM_LABEL = 'io.dokkerr.team';
const FULL_CAPS = /^CapEff:\s*0*1f{9,}$/m; // every capability the kernel knows

const as = (tenant, opts = {}) => ({ ...opts, token: tenant.token });
const base = (extra = {}) => ({ Image: TEST_IMAGE, Cmd: ['sleep', '600'], Labels: testLabels(P), ...extra });
let serial = 0;
const nextName = (tag) => `${P}-${tag}-${(serial += 1)}`;

function createContainer(tenant, name, body) {
  return server.api('POST', envPath(`containers?name=${encodeURIComponent(name)}`), as(tenant, { body }));
}

// All container names on the engine (without the leading slash).
async function engineNames() {
  const res = await engine.ok('GET', '/containers/json?all=1');
  return new Set(res.json.flatMap((c) => (c.Names || []).map((n) => n.replace(/^\//, ''))));
}

function capEff(stdout) {
  return /^CapEff:\s*([0-9a-f]+)$/m.exec(stdout)?.[1];
}

before(async () => {
  engine = new Engine(await ensureEngine());
  server = await startServer();
  A = await createTenant(server, { name: `${P}-a` });
  B = await createTenant(server, { name: `${P}-b` });
  for (const [tenant, name] of [[A, aName], [B, bName]]) {
    const res = await createContainer(tenant, name, base());
    expectStatus(assert, res, 201);
    expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`), as(tenant)), 204);
    if (tenant === A) aId = res.json.Id;
    else bId = res.json.Id;
  }
  // The organization admin of A's organization.
  const username = `${P}-orgadmin`;
  const user = await server.api('POST', '/api/v1/users', { body: { username, password: TENANT_PASSWORD } });
  expectStatus(assert, user, 201);
  const member = await server.api('PUT', `/api/v1/organizations/${A.orgId}/members/${user.json.id}`, { body: { role: 'admin' } });
  assert.ok([200, 204].includes(member.status), member.text);
  orgAdmin = { userId: user.json.id, token: (await server.login(username, TENANT_PASSWORD)).access_token };
});

after(async () => {
  try {
    if (server) await server.stop();
  } finally {
    if (engine) await engine.cleanup(P);
    await releaseEngine();
  }
});

// [label, HostConfig or top-level extras, detail pattern]. Functions are evaluated once the
// tenants' containers exist.
const hostCases = () => [
  // Privileged
  ['Privileged', { HostConfig: { Privileged: true } }, /HostConfig\.Privileged/],
  ['privileged (lower case keys)', { hostconfig: { privileged: true } }, /HostConfig\.Privileged/],
  ['PRIVILEGED (upper case keys)', { HOSTCONFIG: { PRIVILEGED: true } }, /HostConfig\.Privileged/],
  ['pRiViLeGeD', { hostConfig: { pRiViLeGeD: true } }, /HostConfig\.Privileged/],
  // Go folds U+017F (long s) to s and U+212A (Kelvin) to k when it matches keys.
  ['Ho\u017FtConfig (long s)', { 'Ho\u017FtConfig': { Privileged: true } }, /HostConfig\.Privileged/],
  ['Bind\u017F (long s)', { HostConfig: { 'Bind\u017F': ['/:/host'] } }, /HostConfig\.Binds\[0\]/],
  ['Mount\u017F (long s)', { HostConfig: { 'Mount\u017F': [{ Type: 'bind', Source: '/', Target: '/h' }] } }, /HostConfig\.Mounts\[0\]/],
  ['\u017FecurityOpt (long s)', { HostConfig: { '\u017FecurityOpt': ['seccomp=unconfined'] } }, /HostConfig\.SecurityOpt/],
  ['Device\u017F (long s)', { HostConfig: { 'Device\u017F': [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem' }] } }, /HostConfig\.Devices/],
  // Host paths in Binds
  ...[
    '/:/host',
    '//:/host',
    '/./:/host',
    '/etc/..:/host',
    '/etc:/etc:ro',
    '/tmp:/t:rw',
    '/var/run/docker.sock:/var/run/docker.sock',
    '/run//docker.sock:/s',
    '/var/run/../run/docker.sock:/s',
    '/var/lib/../run/./docker.sock:/s',
    '/var/run:/r',
    '/proc:/p',
    '~/:/h',
    '~root:/h',
    './:/h',
    '../../:/h',
    'C:\\:/h',
    '\\\\.\\pipe\\docker_engine:/p',
    ' /:/host',
    'vol/../..:/h',
  ].map((bind) => [`Binds ${bind}`, { HostConfig: { Binds: [`${P}-okvol:/ok`, bind] } }, /HostConfig\.Binds\[1\]/]),
  ['binds (lower case key)', { hostconfig: { binds: ['/:/host'] } }, /HostConfig\.Binds\[0\]/],
  // Host paths in Mounts
  ['Mounts bind /', { HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] } }, /HostConfig\.Mounts\[0\]/],
  ['Mounts BIND /etc (key and value case)', { HostConfig: { mounts: [{ type: 'BIND', source: '/etc', target: '/h' }] } }, /HostConfig\.Mounts\[0\]/],
  ['Mounts " bind " socket', { HostConfig: { Mounts: [{ Type: ' bind ', Source: '/var/run/docker.sock', Target: '/s' }] } }, /HostConfig\.Mounts\[0\]/],
  ['Mounts npipe', { HostConfig: { Mounts: [{ Type: 'npipe', Source: '\\\\.\\pipe\\docker_engine', Target: '/p' }] } }, /HostConfig\.Mounts\[0\]/],
  ['Mounts volume with a host path', { HostConfig: { Mounts: [{ Type: 'volume', Source: '/etc', Target: '/h' }] } }, /HostConfig\.Mounts\[0\]\.Source/],
  ['Mounts unknown type', { HostConfig: { Mounts: [{ Type: 'cluster', Source: 'x', Target: '/h' }] } }, /HostConfig\.Mounts\[0\]\.Type/],
  ['Mounts volume with bind driver options', {
    HostConfig: { Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] },
  }, /HostConfig\.Mounts\[0\]\.VolumeOptions\.DriverConfig\.Options/],
  ['Mounts volume with bind driver options (case variants)', {
    HostConfig: { Mounts: [{ Type: 'volume', Source: `${P}-mvol`, Target: '/h', VolumeOptions: { DriverConfig: { Options: { Type: 'none', O: 'rbind', Device: '/etc' } } } }] },
  }, /HostConfig\.Mounts\[0\]\.VolumeOptions\.DriverConfig\.Options/],
  // Host and foreign namespaces
  ...['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode', 'NetworkMode'].flatMap((field) => [
    [`${field} host`, { HostConfig: { [field]: 'host' } }, new RegExp(`HostConfig\\.${field}`)],
    [`${field} HOST`, { HostConfig: { [field]: 'HOST' } }, new RegExp(`HostConfig\\.${field}`)],
    [`${field} " host "`, { HostConfig: { [field]: ' host ' } }, new RegExp(`HostConfig\\.${field}`)],
  ]),
  ['pidmode (lower case key) host', { HostConfig: { pidmode: 'host' } }, /HostConfig\.PidMode/],
  ['EndpointsConfig host', { NetworkingConfig: { EndpointsConfig: { host: {} } } }, /EndpointsConfig/],
  ['EndpointsConfig Host', { NetworkingConfig: { EndpointsConfig: { Host: {} } } }, /EndpointsConfig/],
  ...['PidMode', 'IpcMode', 'NetworkMode', 'UTSMode'].flatMap((field) => [
    [`${field} container:<B id>`, { HostConfig: { [field]: `container:${bId}` } }, new RegExp(`HostConfig\\.${field}`)],
    [`${field} container:<B prefix>`, { HostConfig: { [field]: `container:${bId.slice(0, 12)}` } }, new RegExp(`HostConfig\\.${field}`)],
    [`${field} Container:<B name>`, { HostConfig: { [field]: `Container:${bName}` } }, new RegExp(`HostConfig\\.${field}`)],
  ]),
  ['PidMode container:<unknown>', { HostConfig: { PidMode: `container:${P}-nobody` } }, /HostConfig\.PidMode/],
  // Another team's container
  ['VolumesFrom B id', { HostConfig: { VolumesFrom: [bId] } }, /HostConfig\.VolumesFrom\[0\]/],
  ['VolumesFrom B prefix', { HostConfig: { VolumesFrom: [`${bId.slice(0, 12)}:rw`] } }, /HostConfig\.VolumesFrom\[0\]/],
  ['VolumesFrom B name:ro', { HostConfig: { VolumesFrom: [aName, `${bName}:ro`] } }, /HostConfig\.VolumesFrom\[1\]/],
  ['volumesfrom (lower case key)', { HostConfig: { volumesfrom: [bName] } }, /HostConfig\.VolumesFrom\[0\]/],
  ['Links B', { HostConfig: { Links: [`${bName}:b`] } }, /HostConfig\.Links\[0\]/],
  ['Lin\u212As B (Kelvin sign)', { HostConfig: { 'Lin\u212As': [`${bName}:b`] } }, /HostConfig\.Links\[0\]/],
  ['EndpointsConfig Links B', { NetworkingConfig: { EndpointsConfig: { [`${P}-nonet`]: { Links: [`${bName}:b`] } } } }, /Links/],
  // Devices
  ['Devices', { HostConfig: { Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] } }, /HostConfig\.Devices/],
  ['devices (lower case keys)', { HostConfig: { devices: [{ pathonhost: '/dev/sda', pathincontainer: '/dev/sda' }] } }, /HostConfig\.Devices/],
  ['DeviceCgroupRules', { HostConfig: { DeviceCgroupRules: ['a *:* rwm'] } }, /HostConfig\.DeviceCgroupRules/],
  ['DeviceRequests', { HostConfig: { DeviceRequests: [{ Count: -1, Capabilities: [['gpu']] }] } }, /HostConfig\.DeviceRequests/],
  // Capabilities
  ...[
    ['SYS_ADMIN'],
    ['sys_admin'],
    ['CAP_SYS_ADMIN'],
    ['cap_sys_admin'],
    ['Cap_Sys_Admin'],
    [' SYS_PTRACE '],
    ['ALL'],
    ['all'],
    ['CAP_ALL'],
    ['NET_ADMIN'],
    ['CHOWN', 'SYS_MODULE'],
    'SYS_ADMIN',
  ].map((caps) => [`CapAdd ${JSON.stringify(caps)}`, { HostConfig: { CapAdd: caps } }, /HostConfig\.CapAdd/]),
  ['capadd (lower case key)', { HostConfig: { capadd: ['sys_rawio'] } }, /HostConfig\.CapAdd/],
  // Confinement
  ...[
    'seccomp=unconfined',
    'seccomp:unconfined',
    'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
    'apparmor=unconfined',
    'apparmor:unconfined',
    'label=disable',
    'label:disable',
    'label=type:spc_t',
    'no-new-privileges=false',
    'no-new-privileges:false',
    'systempaths=unconfined',
    'SECCOMP=unconfined',
  ].map((opt) => [`SecurityOpt ${opt}`, { HostConfig: { SecurityOpt: ['no-new-privileges', opt] } }, /HostConfig\.SecurityOpt/]),
  ['MaskedPaths []', { HostConfig: { MaskedPaths: [] } }, /HostConfig\.MaskedPaths/],
  ['ReadonlyPaths []', { HostConfig: { ReadonlyPaths: [] } }, /HostConfig\.ReadonlyPaths/],
  // Sysctls
  ...[
    'net.core.somaxconn',
    'kernel.core_pattern',
    'net.ipv4.ip_forward',
    'net.ipv4.conf.all.forwarding',
    'NET.IPV4.IP_FORWARD',
    'net/ipv4/ip_forward',
    'net.ipv4..ip_local_port_range',
    'net.ipv4.ip_local_port_range ',
    'kernel.shm_rmid_forced.x',
  ].map((name) => [`Sysctls ${name}`, { HostConfig: { Sysctls: { [name]: '1' } } }, /HostConfig\.Sysctls/]),
  // Cgroups
  ['CgroupParent', { HostConfig: { CgroupParent: '/' } }, /HostConfig\.CgroupParent/],
  ['CgroupParent relative', { HostConfig: { cgroupparent: '../..' } }, /HostConfig\.CgroupParent/],
  ['Cgroup', { HostConfig: { Cgroup: 'host' } }, /HostConfig\.Cgroup/],
  // Runtimes, log and volume drivers
  ...['io.containerd.runc.v2', 'RUNC', ' runc', 'runsc'].map((rt) => [`Runtime ${JSON.stringify(rt)}`, { HostConfig: { Runtime: rt } }, /HostConfig\.Runtime/]),
  ['LogConfig syslog', { HostConfig: { LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'udp://192.0.2.1:514' } } } }, /HostConfig\.LogConfig\.Type/],
  ['VolumeDriver', { HostConfig: { VolumeDriver: 'nfs-plugin' } }, /HostConfig\.VolumeDriver/],
  // Published ports: privileged host ports, other host addresses
  ...['80', '1023', '22-2222'].map((port) => [`HostPort ${port}`, { HostConfig: { PortBindings: { '80/tcp': [{ HostPort: port }] } } }, /HostConfig\.PortBindings/]),
  ['HostIp 198.18.0.9', { HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '198.18.0.9', HostPort: '18080' }] } } }, /HostConfig\.PortBindings/],
  // Process, shared memory and OOM bounds
  ['PidsLimit above the cap', { HostConfig: { PidsLimit: 100000 } }, /HostConfig\.PidsLimit/],
  ['ShmSize 2 GiB', { HostConfig: { ShmSize: 2 * 1024 ** 3 } }, /HostConfig\.ShmSize/],
  ['OomScoreAdj -1000', { HostConfig: { OomScoreAdj: -1000 } }, /HostConfig\.OomScoreAdj/],
];

describe('a developer is refused what the policy forbids', { timeout: 180_000 }, () => {
  const attempted = [];

  test('container create: 403 policy_denied naming the field, in every spelling', async () => {
    const failures = [];
    for (const [label, extra, field] of hostCases()) {
      const name = nextName('deny');
      attempted.push(name);
      const res = await createContainer(A, name, base(extra));
      if (res.status !== 403 || res.json?.code !== 'policy_denied' || !field.test(res.json?.detail ?? '')) {
        failures.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('nothing was created on the engine', async () => {
    const names = await engineNames();
    assert.deepEqual(attempted.filter((n) => names.has(n)), []);
  });

  test('the refusals hold for a container update too', async () => {
    for (const [body, field] of [
      [{ Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] }, /Devices/],
      [{ devicecgrouprules: ['a *:* rwm'] }, /DeviceCgroupRules/],
      [{ CgroupParent: '/' }, /CgroupParent/],
    ]) {
      const res = await server.api('POST', envPath(`containers/${aId}/update`), as(A, { body }));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.match(res.json.detail, field);
    }
    const c = await engine.inspectContainer(aId);
    assert.deepEqual(c.HostConfig.Devices ?? [], []);
    assert.equal(c.HostConfig.CgroupParent, '');
    expectStatus(assert, await server.api('POST', envPath(`containers/${aId}/update`), as(A, { body: { CpuShares: 256 } })), 200);
  });

  test('volume create with bind or device driver options: 403 policy_denied, no volume', async () => {
    const cases = [
      [{ DriverOpts: { type: 'none', o: 'bind', device: '/' } }, /DriverOpts/],
      [{ driveropts: { type: 'none', o: 'bind', device: '/etc' } }, /DriverOpts/],
      [{ Driver: 'local', DriverOpts: { TYPE: 'none', O: 'BIND', DEVICE: '/' } }, /DriverOpts/],
      [{ DriverOpts: { o: 'rbind', device: '/var/run' } }, /DriverOpts/],
      [{ DriverOpts: { o: 'bind' } }, /DriverOpts\.o/],
      [{ DriverOpts: { device: '/var/run/docker.sock' } }, /DriverOpts\.device/],
      [{ DriverOpts: { type: 'ext4', device: '/dev/sda1' } }, /DriverOpts/],
      [{ DriverOpts: { device: 'overlay', o: 'lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w' } }, /DriverOpts\.o/],
      [{ DriverOpts: { type: 'overlay', device: 'overlay' } }, /DriverOpts\.type/],
      [{ DriverOpts: { type: 'nfs', device: ':/export', o: 'addr=192.0.2.1' } }, /DriverOpts\.type/],
      [{ Driver: 'some-plugin' }, /Driver/],
    ];
    for (const [extra, field] of cases) {
      const name = nextName('dvol');
      const res = await server.api('POST', envPath('volumes'), as(A, { body: { Name: name, Labels: testLabels(P), ...extra } }));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.match(res.json.detail, field, JSON.stringify(extra));
      assert.equal((await engine.call('GET', `/volumes/${name}`)).status, 404, `${name} exists`);
    }
  });

  test('network create with a foreign driver or host bridge options: 403 policy_denied', async () => {
    for (const [extra, field] of [
      [{ Driver: 'macvlan', Options: { parent: 'eth0' } }, /Driver/],
      [{ Driver: 'host' }, /Driver/],
      [{ Options: { 'com.docker.network.bridge.name': 'docker0' } }, /Options/],
      [{ Ingress: true }, /Ingress/],
    ]) {
      const name = nextName('dnet');
      const res = await server.api('POST', envPath('networks'), as(A, { body: { Name: name, Labels: testLabels(P), ...extra } }));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.match(res.json.detail, field);
      assert.equal((await engine.call('GET', `/networks/${name}`)).status, 404);
    }
  });

  test('what the policy allows is created', async () => {
    const allowed = [
      { HostConfig: { CapAdd: ['CHOWN', 'cap_kill'], CapDrop: ['NET_RAW'] } },
      { HostConfig: { SecurityOpt: ['no-new-privileges', 'no-new-privileges=true', 'seccomp=builtin'] } },
      { HostConfig: { Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } } },
      { HostConfig: { Binds: [`${P}-okvol:/data:ro`], Mounts: [{ Type: 'tmpfs', Target: '/scratch' }] } },
      { HostConfig: { Runtime: 'runc', IpcMode: 'private', PidMode: '', LogConfig: { Type: 'json-file' } } },
    ];
    allowed.push({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, ShmSize: 64 * 1024 ** 2, OomScoreAdj: 100 } });
    for (const extra of allowed) {
      const name = nextName('ok');
      const res = await createContainer(A, name, base(extra));
      expectStatus(assert, res, 201);
      const inspect = await engine.inspectContainer(res.json.Id);
      assert.equal(inspect.Config.Labels[TEAM_LABEL], A.teamId);
      // Without a pids limit of its own, a developer's container gets the team's cap.
      assert.equal(inspect.HostConfig.PidsLimit, 4096);
      expectStatus(assert, await server.api('DELETE', envPath(`containers/${res.json.Id}?force=1`), as(A)), 204);
    }
    const vol = await server.api('POST', envPath('volumes'), as(A, {
      body: { Name: nextName('tmpfsvol'), Labels: testLabels(P), DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } },
    }));
    expectStatus(assert, vol, 201);
    expectStatus(assert, await server.api('DELETE', envPath(`volumes/${vol.json.Name}`), as(A)), 204);
  });

  test("VolumesFrom and container: joins into the team's own container are allowed; B is refused them", async () => {
    const joins = [
      { HostConfig: { VolumesFrom: [aName] } },
      { HostConfig: { VolumesFrom: [`${aId.slice(0, 12)}:ro`] } },
      { HostConfig: { NetworkMode: `container:${aId}` } },
      { HostConfig: { PidMode: `container:${aName}` } },
    ];
    for (const extra of joins) {
      const name = nextName('join');
      const res = await createContainer(A, name, base(extra));
      expectStatus(assert, res, 201);
      expectStatus(assert, await server.api('DELETE', envPath(`containers/${res.json.Id}?force=1`), as(A)), 204);
      const denied = nextName('join-b');
      const refused = await createContainer(B, denied, base(extra));
      expectProblem(assert, refused, 403, 'policy_denied');
      assert.match(refused.json.detail, /HostConfig\.(VolumesFrom|NetworkMode|PidMode)/);
      assert.equal(await engine.inspectContainer(denied), null);
    }
  });
});

describe('bodies the engine could read differently are refused for everyone', { timeout: 60_000 }, () => {
  const image = JSON.stringify(TEST_IMAGE);
  const labels = JSON.stringify(testLabels(P));
  const containerBodies = [
    [`{"Image":${image},"Image":${image},"Labels":${labels}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Privileged":false,"Privileged":true}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Privileged":false,"privileged":true}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Privileged":false,"Privil\\u0065ged":true}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{},"hostconfig":{"Privileged":true}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Binds":["v:/d"],"BINDS":["/:/host"]}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"Ho\u017Ftconfig":{"Privileged":true},"HostConfig":{}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Sysctls":{"net.ipv4.tcp_syncookies":"1","net.ipv4.tcp_syncookies":"0"}}}`, 'duplicate_key'],
    [`{"Image":${image},"Labels":${labels},"Bogus":1}`, 'unknown_field'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Privilegedd":true}}`, 'unknown_field'],
    [`{"Image":${image},"Labels":${labels},"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/h","Extra":1}]}}`, 'unknown_field'],
  ];

  test('escaped key spellings are read like the engine reads them', async () => {
    for (const raw of [
      `{"Image":${image},"Labels":${labels},"HostConfig":{"\\u0050rivileged":true}}`,
      `{"Image":${image},"Labels":${labels},"\\u0048ostConfig":{"Privileged":true}}`,
      `{"Image":${image},"Labels":${labels},"HostConfig":{"C\\u0061pAdd":["SYS_ADMIN"]}}`,
    ]) {
      const name = nextName('esc');
      const res = await server.api('POST', envPath(`containers?name=${name}`), { token: A.token, raw, headers: { 'Content-Type': 'application/json' } });
      expectProblem(assert, res, 403, 'policy_denied');
      assert.equal(await engine.inspectContainer(name), null, raw);
    }
  });

  test('container update bodies too', async () => {
    for (const [raw, code] of [
      ['{"CpuShares":512,"CpuShares":1024}', 'duplicate_key'],
      ['{"Devices":[],"devices":[{"PathOnHost":"/dev/mem","PathInContainer":"/dev/mem"}]}', 'duplicate_key'],
      ['{"Privileged":true}', 'unknown_field'],
    ]) {
      for (const token of [A.token, server.token]) {
        const res = await server.api('POST', envPath(`containers/${aId}/update`), { token, raw, headers: { 'Content-Type': 'application/json' } });
        expectProblem(assert, res, 400, code);
      }
    }
    assert.deepEqual((await engine.inspectContainer(aId)).HostConfig.Devices ?? [], []);
  });

  for (const [who, token] of [['developer', () => A.token], ['platform admin', () => server.token]]) {
    test(`container create as ${who}`, async () => {
      for (const raw of containerBodies) {
        const name = nextName('dup');
        const res = await server.api('POST', envPath(`containers?name=${name}`), {
          token: token(),
          raw: raw[0],
          headers: { 'Content-Type': 'application/json' },
        });
        expectProblem(assert, res, 400, raw[1]);
        assert.equal(await engine.inspectContainer(name), null, raw[0]);
      }
    });

    test(`volume and network create as ${who}`, async () => {
      const vname = nextName('dupvol');
      const nname = nextName('dupnet');
      for (const [kind, raw, code] of [
        ['volumes', `{"Name":"${vname}","DriverOpts":{"type":"tmpfs","type":"none"}}`, 'duplicate_key'],
        ['volumes', `{"Name":"${vname}","name":"${vname}-2"}`, 'duplicate_key'],
        ['volumes', `{"Name":"${vname}","Extra":1}`, 'unknown_field'],
        ['networks', `{"Name":"${nname}","Name":"${nname}-2"}`, 'duplicate_key'],
        ['networks', `{"Name":"${nname}","Bogus":true}`, 'unknown_field'],
      ]) {
        const res = await server.api('POST', envPath(kind), { token: token(), raw, headers: { 'Content-Type': 'application/json' } });
        expectProblem(assert, res, 400, code);
      }
      assert.equal((await engine.call('GET', `/volumes/${vname}`)).status, 404);
      assert.equal((await engine.call('GET', `/networks/${nname}`)).status, 404);
    });
  }
});

describe('the platform admin skips the policy rules', { timeout: 120_000 }, () => {
  // Bodies refused above that are harmless to create on this engine; the first ones also start.
  const cases = () => [
    [{ HostConfig: { CapAdd: ['NET_ADMIN'] } }, true],
    [{ HostConfig: { Sysctls: { 'net.core.somaxconn': '1024' } } }, true],
    [{ HostConfig: { CapAdd: ['cap_net_admin'], SecurityOpt: ['no-new-privileges=false'] } }, false],
    [{ HostConfig: { Runtime: 'io.containerd.runc.v2' } }, false],
    [{ HostConfig: { Privileged: true } }, false],
    [{ HostConfig: { PidMode: `container:${bId}`, VolumesFrom: [bName] } }, false],
    [{ HostConfig: { DeviceCgroupRules: ['c 1:3 rmw'] } }, false],
  ];

  test('container create (and start where harmless)', async () => {
    for (const [extra, start] of cases()) {
      const name = nextName('adm');
      const res = await server.api('POST', envPath(`containers?name=${name}`), { body: base(extra) });
      expectStatus(assert, res, 201);
      if (start) {
        expectStatus(assert, await server.api('POST', envPath(`containers/${res.json.Id}/start`)), 204);
        assert.equal((await engine.inspectContainer(res.json.Id)).State.Running, true);
      }
      assert.ok(!(await engine.inspectContainer(res.json.Id)).Config.Labels[TEAM_LABEL], "no owning team");
      expectStatus(assert, await server.api('DELETE', envPath(`containers/${res.json.Id}?force=1`)), 204);
    }
  });

  test('volume create with bind options (a fresh empty directory)', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `${P}-bind-`));
    try {
      const name = nextName('admvol');
      const res = await server.api('POST', envPath('volumes'), {
        body: { Name: name, Labels: testLabels(P), DriverOpts: { type: 'none', o: 'bind', device: dir } },
      });
      expectStatus(assert, res, 201);
      expectStatus(assert, await server.api('DELETE', envPath(`volumes/${name}`)), 204);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exec', { timeout: 60_000 }, () => {
  const status = ['cat', '/proc/self/status'];

  test('privileged exec is refused, plain exec works unprivileged', async () => {
    const refused = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { body: { Cmd: status, Privileged: true } }));
    expectProblem(assert, refused, 403, 'policy_denied');
    assert.match(refused.json.detail, /Privileged exec/);
    const plain = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { body: { Cmd: status } }));
    expectStatus(assert, plain, 200);
    assert.equal(plain.json.ExitCode, 0);
    assert.ok(capEff(plain.json.stdout), plain.json.stdout);
    assert.doesNotMatch(plain.json.stdout, FULL_CAPS);
  });

  test('privileged exec over WebSocket is refused', async () => {
    for (const flag of ['privileged=1', 'privileged=true']) {
      await assert.rejects(server.ws(envPath(`containers/${aName}/exec?cmd=id&${flag}`), { token: A.token }), (err) => {
        assert.equal(err.status, 403, err.message);
        assert.equal(err.json?.code, 'policy_denied');
        return true;
      });
    }
  });

  test('other spellings of Privileged never yield a privileged exec', async () => {
    for (const raw of [
      JSON.stringify({ Cmd: status, privileged: true }),
      `{"Cmd":${JSON.stringify(status)},"Privileged":true,"Privileged":false}`,
      `{"Cmd":${JSON.stringify(status)},"Privileged":false,"Privileged":true}`,
    ]) {
      const res = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { raw, headers: { 'Content-Type': 'application/json' } }));
      if (res.status === 200) {
        assert.doesNotMatch(res.json.stdout, FULL_CAPS, `${raw} ran privileged`);
      } else {
        assert.ok([400, 403].includes(res.status), `${raw}: ${res.status} ${res.text}`);
      }
    }
  });
});

describe('exec as root in a container that is not root', { timeout: 60_000 }, () => {
  let asNobody;

  before(async () => {
    const res = await createContainer(A, `${P}-nobody`, { ...base(), User: 'nobody' });
    expectStatus(assert, res, 201);
    asNobody = res.json.Id;
    expectStatus(assert, await server.api('POST', envPath(`containers/${asNobody}/start`), as(A)), 204);
  });

  test('refused in every spelling of root, and the refusal is in the audit log', async () => {
    for (const user of ['root', '0', '0:0', 'root:root', '00']) {
      const res = await server.api('POST', envPath(`containers/${asNobody}/exec`), as(A, { body: { Cmd: ['id', '-u'], User: user } }));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.match(res.json.detail, /root/);
      const audit = (await server.api('GET', '/api/v1/audit?action=containers.exec&result=denied&limit=1000')).json.items;
      const entry = audit.find((e) => e.request_id === res.headers['x-request-id']);
      assert.ok(entry, `the denial of User ${user} is audited`);
      assert.equal(entry.detail.code, 'policy_denied');
    }
    await assert.rejects(server.ws(envPath(`containers/${asNobody}/exec?cmd=id&user=root`), { token: A.token }), (err) => {
      assert.equal(err.status, 403, err.message);
      return true;
    });
  });

  test("the container's own user, another user, and root where the container is root all work", async () => {
    for (const [id, user, uid] of [[asNobody, undefined, '65534'], [asNobody, 'nobody', '65534'], [aId, 'root', '0'], [aId, '0', '0']]) {
      const res = await server.api('POST', envPath(`containers/${id}/exec`), as(A, { body: { Cmd: ['id', '-u'], ...(user ? { User: user } : {}) } }));
      expectStatus(assert, res, 200);
      assert.equal(res.json.stdout.trim(), uid, `${user}: ${res.text}`);
    }
  });

  test('the platform admin may, and so may a team whose policy allows it', async () => {
    const admin = await server.api('POST', envPath(`containers/${asNobody}/exec`), { body: { Cmd: ['id', '-u'], User: 'root' } });
    expectStatus(assert, admin, 200);
    assert.equal(admin.json.stdout.trim(), '0');
    const policyPath = `/api/v1/teams/${A.teamId}/policy`;
    const current = (await server.api('GET', policyPath)).json.policy;
    expectStatus(assert, await server.api('PUT', policyPath, { body: { ...current, allow_root_exec: true } }), 200);
    try {
      const res = await server.api('POST', envPath(`containers/${asNobody}/exec`), as(A, { body: { Cmd: ['id', '-u'], User: 'root' } }));
      expectStatus(assert, res, 200);
      assert.equal(res.json.stdout.trim(), '0');
    } finally {
      expectStatus(assert, await server.api('PUT', policyPath, { body: current }), 200);
    }
  });
});

describe('team quotas and defaults', { timeout: 120_000 }, () => {
  test('max_containers: one more than the team has is 403 quota_exceeded naming the limit; default_memory_bytes fills an unset limit', async () => {
    const Q = await createTenant(server, { name: `${P}-quota` });
    const policyPath = `/api/v1/teams/${Q.teamId}/policy`;
    const current = (await server.api('GET', policyPath)).json.policy;
    expectStatus(assert, await server.api('PUT', policyPath, { body: { ...current, max_containers: 2, default_memory_bytes: 64 * 1024 * 1024 } }), 200);
    const first = await createContainer(Q, `${P}-q1`, base());
    expectStatus(assert, first, 201);
    const inspected = await engine.inspectContainer(first.json.Id);
    assert.equal(inspected.HostConfig.Memory, 64 * 1024 * 1024, 'the default memory limit');
    const own = await createContainer(Q, `${P}-q2`, base({ HostConfig: { Memory: 128 * 1024 * 1024 } }));
    expectStatus(assert, own, 201);
    assert.equal((await engine.inspectContainer(own.json.Id)).HostConfig.Memory, 128 * 1024 * 1024, 'its own limit stays');

    const over = await createContainer(Q, `${P}-q3`, base());
    expectProblem(assert, over, 403, 'quota_exceeded');
    assert.match(over.json.detail, /max_containers/);
    assert.equal(await engine.inspectContainer(`${P}-q3`), null, 'nothing created over the quota');
    // Another team is not counted against this one, and the admin is not held to it.
    expectStatus(assert, await createContainer(A, nextName('a-quota'), base()), 201);
    const byAdmin = await server.api('POST', envPath(`containers?name=${P}-q-admin&team=${Q.teamId}`), { body: base() });
    expectStatus(assert, byAdmin, 201);

    // The admin's container counts against the team too: two must go for one to fit.
    for (const id of [first.json.Id, byAdmin.json.Id]) {
      expectStatus(assert, await server.api('DELETE', envPath(`containers/${id}`), as(Q)), 204);
    }
    await waitFor(async () => (await createContainer(Q, `${P}-q4`, base())).status === 201, 10_000, { what: 'room under the quota again' });
  });
});

describe('team memory and CPU quotas', { timeout: 120_000 }, () => {
  test('max_total_memory_bytes / max_total_nano_cpus bound the sum of limits on create and update, and need a limit', async () => {
    const MiB = 1024 * 1024;
    const R = await createTenant(server, { name: `${P}-res` });
    const policyPath = `/api/v1/teams/${R.teamId}/policy`;
    const current = (await server.api('GET', policyPath)).json.policy;
    expectStatus(assert, await server.api('PUT', policyPath, { body: { ...current, max_total_memory_bytes: 96 * MiB, max_total_nano_cpus: 1_500_000_000 } }), 200);
    const host = (HostConfig) => base({ HostConfig });

    const unlimited = await createContainer(R, `${P}-r0`, host({ NanoCpus: 100_000_000 }));
    expectProblem(assert, unlimited, 403, 'quota_exceeded');
    assert.match(unlimited.json.detail, /max_total_memory_bytes/);
    const noCpu = await createContainer(R, `${P}-r0`, host({ Memory: 16 * MiB }));
    expectProblem(assert, noCpu, 403, 'quota_exceeded');
    assert.match(noCpu.json.detail, /max_total_nano_cpus/);

    const first = await createContainer(R, `${P}-r1`, host({ Memory: 64 * MiB, NanoCpus: 1_000_000_000 }));
    expectStatus(assert, first, 201);
    const overMemory = await createContainer(R, `${P}-r2`, host({ Memory: 64 * MiB, NanoCpus: 100_000_000 }));
    expectProblem(assert, overMemory, 403, 'quota_exceeded');
    assert.match(overMemory.json.detail, /max_total_memory_bytes/);
    // CpuQuota/CpuPeriod counts as CPUs as well: one more CPU passes 1.5.
    const overCpu = await createContainer(R, `${P}-r2`, host({ Memory: 16 * MiB, CpuQuota: 100_000, CpuPeriod: 100_000 }));
    expectProblem(assert, overCpu, 403, 'quota_exceeded');
    assert.match(overCpu.json.detail, /max_total_nano_cpus/);
    assert.equal(await engine.inspectContainer(`${P}-r2`), null, 'nothing created over the quota');
    const second = await createContainer(R, `${P}-r2`, host({ Memory: 32 * MiB, NanoCpus: 500_000_000 }));
    expectStatus(assert, second, 201, 'exactly at both limits');

    // An update is held to the same sum, counting the container's new limit instead of its old.
    const update = (body) => server.api('POST', envPath(`containers/${first.json.Id}/update`), as(R, { body }));
    expectProblem(assert, await update({ Memory: 80 * MiB, MemorySwap: 160 * MiB }), 403, 'quota_exceeded');
    assert.equal((await engine.inspectContainer(first.json.Id)).HostConfig.Memory, 64 * MiB, 'the refused update changed nothing');
    expectStatus(assert, await update({ Memory: 48 * MiB, MemorySwap: 96 * MiB }), 200);
    assert.equal((await engine.inspectContainer(first.json.Id)).HostConfig.Memory, 48 * MiB);
    // Other teams and the admin are not held to it.
    expectStatus(assert, await createContainer(A, nextName('a-res'), base()), 201);
  });
});

describe('an organization admin relaxes one team', { timeout: 120_000 }, () => {
  const policyPath = (tenant) => `/api/v1/teams/${tenant.teamId}/policy`;

  test('developers cannot change their policy (403)', async () => {
    for (const tenant of [A, B]) {
      const res = await server.api('PUT', policyPath(tenant), as(tenant, { body: { allow_privileged: true } }));
      expectProblem(assert, res, 403, 'permission_denied');
    }
    // Nor can the team's own admin: relaxing a policy is the organization's call.
    const teamAdmin = await createTenant(server, { name: `${P}-ta`, orgId: A.orgId, teamId: A.teamId, role: 'admin' });
    expectProblem(assert, await server.api('PUT', policyPath(A), as(teamAdmin, { body: { allow_privileged: true } })), 403, 'permission_denied');
    expectProblem(assert, await createContainer(teamAdmin, nextName('ta-priv'), base({ HostConfig: { Privileged: true } })), 403, 'policy_denied');
    const res = await server.api('GET', policyPath(A), as(A));
    expectStatus(assert, res, 200);
    assert.equal(res.json.team_id, A.teamId);
    assert.equal(res.json.policy.allow_privileged, false, res.text);
    assert.deepEqual(res.json.policy.allowed_runtimes, ['runc']);
  });

  test('an org admin cannot touch the policy of a team of another organization', async () => {
    const res = await server.api('PUT', policyPath(B), as(orgAdmin, { body: { allow_privileged: true } }));
    assert.ok([403, 404].includes(res.status), `${res.status} ${res.text}`);
    const still = await createContainer(B, nextName('b-priv'), base({ HostConfig: { Privileged: true } }));
    expectProblem(assert, still, 403, 'policy_denied');
  });

  test('malformed policies are 400 invalid_policy', async () => {
    for (const body of [{ allow_privileged: 'yes' }, { bogus: true }, { extra_capabilities: ['ALL'] }, { extra_capabilities: 'NET_ADMIN' }]) {
      expectProblem(assert, await server.api('PUT', policyPath(A), as(orgAdmin, { body })), 400, 'invalid_policy');
    }
  });

  test("after allow_privileged for team A, A's developer creates a privileged container; B still cannot", async () => {
    const put = await server.api('PUT', policyPath(A), as(orgAdmin, {
      body: { allow_privileged: true, extra_capabilities: ['NET_ADMIN'], allow_privileged_exec: true },
    }));
    expectStatus(assert, put, 200);
    assert.equal(put.json.policy.allow_privileged, true);
    assert.deepEqual(put.json.policy.extra_capabilities, ['NET_ADMIN']);
    assert.equal(put.json.policy.allow_host_binds, false);
    const shown = await server.api('GET', policyPath(A), as(A));
    expectStatus(assert, shown, 200);
    assert.match(shown.text, /"allow_privileged":true/);

    // Created, never started.
    const priv = await createContainer(A, nextName('a-priv'), base({ HostConfig: { Privileged: true } }));
    expectStatus(assert, priv, 201);
    const inspected = await engine.inspectContainer(priv.json.Id);
    assert.equal(inspected.HostConfig.Privileged, true);
    assert.equal(inspected.Config.Labels[TEAM_LABEL], A.teamId);
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${priv.json.Id}?force=1`), as(A)), 204);

    const netAdmin = await createContainer(A, nextName('a-netadmin'), base({ HostConfig: { CapAdd: ['cap_net_admin'] } }));
    expectStatus(assert, netAdmin, 201);
    expectStatus(assert, await server.api('DELETE', envPath(`containers/${netAdmin.json.Id}?force=1`), as(A)), 204);
    // Only what was relaxed.
    for (const extra of [{ HostConfig: { CapAdd: ['SYS_ADMIN'] } }, { HostConfig: { Binds: ['/:/host'] } }, { HostConfig: { PidMode: 'host' } }]) {
      expectProblem(assert, await createContainer(A, nextName('a-still'), base(extra)), 403, 'policy_denied');
    }

    // Privileged exec passes the policy now. Whether the engine can grant every capability
    // depends on its own: where it runs confined, runc says so instead of running the command.
    const exec = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { body: { Cmd: ['cat', '/proc/self/status'], Privileged: true } }));
    expectStatus(assert, exec, 200);
    const plain = await server.api('POST', envPath(`containers/${aName}/exec`), as(A, { body: { Cmd: ['cat', '/proc/self/status'] } }));
    if (exec.json.ExitCode === 0) {
      assert.notEqual(capEff(exec.json.stdout), capEff(plain.json.stdout), 'the privileged exec has more capabilities');
    } else {
      assert.match(`${exec.json.stdout}${exec.json.stderr}`, /caps/, JSON.stringify(exec.json));
    }

    for (const extra of [{ HostConfig: { Privileged: true } }, { HostConfig: { CapAdd: ['NET_ADMIN'] } }]) {
      const name = nextName('b-priv');
      expectProblem(assert, await createContainer(B, name, base(extra)), 403, 'policy_denied');
      assert.equal(await engine.inspectContainer(name), null);
    }
    expectProblem(assert, await server.api('POST', envPath(`containers/${bName}/exec`), as(B, { body: { Cmd: ['id'], Privileged: true } })), 403, 'policy_denied');
  });

  test('allow_host_binds lets host paths through, never the Docker socket', async () => {
    const put = await server.api('PUT', policyPath(A), as(orgAdmin, { body: { allow_host_binds: true } }));
    expectStatus(assert, put, 200);
    assert.match(put.text, /"allow_host_binds":true/);
    assert.match(put.text, /"allow_privileged":false/, 'a PUT replaces the whole policy');
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `${P}-hostbind-`));
    try {
      // Created, never started.
      for (const extra of [
        { HostConfig: { Binds: [`${dir}:/data:ro`] } },
        { HostConfig: { Mounts: [{ Type: 'bind', Source: dir, Target: '/data', ReadOnly: true }] } },
      ]) {
        const res = await createContainer(A, nextName('a-bind'), base(extra));
        expectStatus(assert, res, 201);
        expectStatus(assert, await server.api('DELETE', envPath(`containers/${res.json.Id}?force=1`), as(A)), 204);
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
    for (const [extra, field] of [
      [{ HostConfig: { Binds: ['/var/run/docker.sock:/s'] } }, /HostConfig\.Binds\[0\]/],
      [{ HostConfig: { Binds: ['/run//docker.sock:/s'] } }, /HostConfig\.Binds\[0\]/],
      [{ HostConfig: { Binds: ['/var/lib/../run/./docker.sock:/s:ro'] } }, /HostConfig\.Binds\[0\]/],
      [{ HostConfig: { Binds: ['/var/run:/r'] } }, /HostConfig\.Binds\[0\]/],
      [{ HostConfig: { Binds: ['/:/host'] } }, /HostConfig\.Binds\[0\]/],
      [{ HostConfig: { Mounts: [{ Type: 'bind', Source: '/run/containerd/containerd.sock', Target: '/c' }] } }, /HostConfig\.Mounts\[0\]/],
      [{ HostConfig: { mounts: [{ type: 'BIND', source: '/var/run/', target: '/r' }] } }, /HostConfig\.Mounts\[0\]/],
    ]) {
      const name = nextName('a-sock');
      const res = await createContainer(A, name, base(extra));
      expectProblem(assert, res, 403, 'policy_denied');
      assert.match(res.json.detail, field);
      assert.match(res.json.detail, /socket/);
      assert.equal(await engine.inspectContainer(name), null);
    }
    expectProblem(assert, await createContainer(B, nextName('b-bind'), base({ HostConfig: { Binds: ['/tmp:/t'] } })), 403, 'policy_denied');
  });

  test('resetting the policy restores the defaults', async () => {
    const put = await server.api('PUT', policyPath(A), as(orgAdmin, { body: {} }));
    expectStatus(assert, put, 200);
    assert.match(put.text, /"allow_privileged":false/);
    expectProblem(assert, await createContainer(A, nextName('a-priv2'), base({ HostConfig: { Privileged: true } })), 403, 'policy_denied');
  });
});
