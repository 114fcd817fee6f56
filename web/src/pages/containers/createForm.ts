// The create form's state, its validation (with the team policy's limits for non-admins) and
// the Docker Engine API 1.41 create body it turns into. Pure functions: the page only renders.

import type { ContainerPolicy, CreateBody, MountSpec, PortBinding } from "../../lib/containers";
import { formatBytes } from "../../lib/format";
import { parseCommand } from "./command";

export type Protocol = "tcp" | "udp";
export type RestartName = "no" | "always" | "unless-stopped" | "on-failure";
export type PullMode = "missing" | "always" | "never";
export type MountKind = "volume" | "bind";

export interface KeyValueRow {
  id: number;
  key: string;
  value: string;
}

export interface PortRow {
  id: number;
  containerPort: string;
  protocol: Protocol;
  hostIp: string;
  hostPort: string;
}

export interface MountRow {
  id: number;
  kind: MountKind;
  /** A volume name, or a host path for a bind. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface CreateForm {
  image: string;
  name: string;
  /** "" for no team (platform admins only) or the server's choice of the caller's only team. */
  team: string;
  command: string;
  env: KeyValueRow[];
  ports: PortRow[];
  mounts: MountRow[];
  /** "" for the default network. */
  network: string;
  restart: RestartName;
  maxRetries: string;
  memoryMiB: string;
  cpus: string;
  labels: KeyValueRow[];
  start: boolean;
  pull: PullMode;
}

export function emptyForm(team = ""): CreateForm {
  return {
    image: "",
    name: "",
    team,
    command: "",
    env: [],
    ports: [],
    mounts: [],
    network: "",
    restart: "no",
    maxRetries: "",
    memoryMiB: "",
    cpus: "",
    labels: [],
    start: true,
    pull: "missing",
  };
}

/** Field id → message. Row fields are `<list>-<row id>-<field>`, e.g. `port-3-hostPort`. */
export type FieldErrors = Record<string, string>;

export const errorKey = {
  env: (id: number, field: "key" | "value") => `env-${id}-${field}`,
  port: (id: number, field: "containerPort" | "hostIp" | "hostPort") => `port-${id}-${field}`,
  mount: (id: number, field: "source" | "target") => `mount-${id}-${field}`,
  label: (id: number, field: "key" | "value") => `label-${id}-${field}`,
};

export const RESERVED_LABEL_PREFIX = "io.dokkerr.";
/** Networks the engine always has; they are namespace modes, not endpoints. */
export const BUILTIN_NETWORKS = ["bridge", "host", "none"] as const;

const MIB = 1024 * 1024;
/** The engine refuses memory limits below 6 MiB. */
export const MIN_MEMORY_MIB = 6;
/** Docker's smallest CPU limit: 0.01 of a core. */
export const MIN_CPUS = 0.01;
export const MAX_CPUS = 1024;
export const MAX_RETRIES = 1_000_000;

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,254}$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,254}$/;
const HOST_ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/** The policy's values with the server's defaults for keys it left out. */
export interface EffectivePolicy {
  allowHostBinds: boolean;
  allowHostNamespaces: boolean;
  allowedHostIps: string[];
  minHostPort: number;
  maxHostPort: number;
  maxContainers: number;
  defaultMemoryBytes: number;
  maxTotalMemoryBytes: number;
  maxTotalNanoCpus: number;
  maxPids: number;
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function effectivePolicy(policy: ContainerPolicy): EffectivePolicy {
  return {
    allowHostBinds: policy.allow_host_binds === true,
    allowHostNamespaces: policy.allow_host_namespaces === true,
    allowedHostIps: Array.isArray(policy.allowed_host_ips)
      ? policy.allowed_host_ips.filter((ip): ip is string => typeof ip === "string")
      : ["0.0.0.0", "::", "127.0.0.1", "::1"],
    minHostPort: num(policy.min_host_port, 1024),
    maxHostPort: num(policy.max_host_port, 65535),
    maxContainers: num(policy.max_containers, 0),
    defaultMemoryBytes: num(policy.default_memory_bytes, 0),
    maxTotalMemoryBytes: num(policy.max_total_memory_bytes, 0),
    maxTotalNanoCpus: num(policy.max_total_nano_cpus, 0),
    maxPids: num(policy.max_pids, 4096),
  };
}

export interface ValidationContext {
  isAdmin: boolean;
  /** The chosen team's policy; null while unknown (no team, not loaded) or for admins. */
  policy: ContainerPolicy | null;
  /** The caller must name a team (a non-admin with several teams that may create). */
  teamRequired?: boolean;
}

/** The limits that apply: none for admins, the team's for everyone else. */
function limitsFor(ctx: ValidationContext): EffectivePolicy | null {
  return !ctx.isAdmin && ctx.policy ? effectivePolicy(ctx.policy) : null;
}

/** An integer written with digits only, within [min, max]; else the message. */
export function parseInteger(text: string, min: number, max: number): number | string {
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t)) return "Enter a whole number.";
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `Enter a number from ${min} to ${max}.`;
  return n;
}

/** A decimal number (12, 0.5, .25) that is finite; else the message. */
export function parseDecimal(text: string): number | string {
  const t = text.trim();
  if (!/^(\d{1,16}(\.\d{0,9})?|\.\d{1,9})$/.test(t)) return "Enter a number, such as 512 or 0.5.";
  const n = Number(t);
  return Number.isFinite(n) ? n : "Enter a number, such as 512 or 0.5.";
}

function isBlankRow(row: { key: string; value: string }): boolean {
  return row.key.trim() === "" && row.value === "";
}

export function isReservedLabel(key: string): boolean {
  return key.trim().toLowerCase().startsWith(RESERVED_LABEL_PREFIX);
}

export function memoryBytes(mib: string): number | string {
  const value = parseDecimal(mib);
  if (typeof value === "string") return value;
  if (value < MIN_MEMORY_MIB) return `The engine needs at least ${MIN_MEMORY_MIB} MiB.`;
  const bytes = Math.round(value * MIB);
  if (!Number.isSafeInteger(bytes)) return "That is more memory than any host has.";
  return bytes;
}

export function nanoCpus(cores: string): number | string {
  const value = parseDecimal(cores);
  if (typeof value === "string") return value;
  if (value < MIN_CPUS || value > MAX_CPUS) return `Enter from ${MIN_CPUS} to ${MAX_CPUS} cores.`;
  return Math.round(value * 1e9);
}

const formatCpus = (nano: number) => `${+(nano / 1e9).toFixed(3)} cores`;

export function validateForm(form: CreateForm, ctx: ValidationContext): FieldErrors {
  const errors: FieldErrors = {};
  const limits = limitsFor(ctx);

  const image = form.image.trim();
  if (!image) errors.image = "Enter the image to run, such as nginx:1.27.";
  else if (/\s/.test(image) || image.length > 512) errors.image = "An image reference has no spaces (and at most 512 characters).";

  const name = form.name.trim();
  if (name && !CONTAINER_NAME.test(name)) {
    errors.name = "Use 2–255 letters, digits, '_', '.' or '-', starting with a letter or digit.";
  }

  if (ctx.teamRequired && !form.team) errors.team = "Choose the team that will own the container.";

  if (form.command.trim()) {
    const parsed = parseCommand(form.command);
    if (!parsed.ok) errors.command = parsed.error;
  }

  const envKeys = new Map<string, number>();
  for (const row of form.env) {
    if (isBlankRow(row)) continue;
    const key = row.key.trim();
    if (!key) errors[errorKey.env(row.id, "key")] = "Enter the variable's name.";
    else if (key.includes("=") || /[\s\0]/.test(key)) errors[errorKey.env(row.id, "key")] = "A name has no '=', spaces or control characters.";
    else if (envKeys.has(key)) errors[errorKey.env(row.id, "key")] = `${key} is already set above.`;
    else envKeys.set(key, row.id);
    if (row.value.includes("\0")) errors[errorKey.env(row.id, "value")] = "A value cannot hold a NUL character.";
  }

  const bindings = new Set<string>();
  for (const row of form.ports) {
    const port = parseInteger(row.containerPort, 1, 65535);
    if (typeof port === "string") errors[errorKey.port(row.id, "containerPort")] = `Container port: ${port}`;
    const ip = row.hostIp.trim();
    if (ip && !HOST_ADDRESS.test(ip)) {
      errors[errorKey.port(row.id, "hostIp")] = "Enter an IPv4 or IPv6 address, or leave it empty for every address.";
    } else if (limits && !limits.allowedHostIps.includes(ip || "0.0.0.0")) {
      errors[errorKey.port(row.id, "hostIp")] =
        `The team policy allows publishing on ${limits.allowedHostIps.join(", ") || "no address"} only (allowed_host_ips)` +
        (ip ? "." : "; an empty address means 0.0.0.0.");
    }
    if (row.hostPort.trim()) {
      const hostPort = parseInteger(row.hostPort, 1, 65535);
      if (typeof hostPort === "string") errors[errorKey.port(row.id, "hostPort")] = `Host port: ${hostPort}`;
      else if (limits && (hostPort < limits.minHostPort || hostPort > limits.maxHostPort)) {
        errors[errorKey.port(row.id, "hostPort")] =
          `The team policy allows host ports ${limits.minHostPort}–${limits.maxHostPort} (min_host_port, max_host_port).`;
      } else {
        const key = `${ip || "0.0.0.0"}:${hostPort}/${row.protocol}`;
        if (bindings.has(key)) errors[errorKey.port(row.id, "hostPort")] = `Host port ${hostPort}/${row.protocol} is already used above.`;
        bindings.add(key);
      }
    }
  }

  const targets = new Set<string>();
  for (const row of form.mounts) {
    const source = row.source.trim();
    if (row.kind === "bind") {
      if (limits && !limits.allowHostBinds) errors[errorKey.mount(row.id, "source")] = HOST_BINDS_DENIED;
      else if (!source.startsWith("/")) errors[errorKey.mount(row.id, "source")] = "Enter an absolute host path, starting with '/'.";
    } else if (!source) {
      errors[errorKey.mount(row.id, "source")] = "Choose a volume or enter a name for a new one.";
    } else if (!VOLUME_NAME.test(source)) {
      errors[errorKey.mount(row.id, "source")] = "A volume name has 2–255 letters, digits, '_', '.' or '-', starting with a letter or digit.";
    }
    const target = row.target.trim();
    if (!target.startsWith("/")) errors[errorKey.mount(row.id, "target")] = "Enter an absolute path in the container, starting with '/'.";
    else if (targets.has(target)) errors[errorKey.mount(row.id, "target")] = `${target} is already mounted above.`;
    targets.add(target);
  }

  if (limits && form.network === "host" && !limits.allowHostNamespaces) errors.network = HOST_NETWORK_DENIED;

  if (form.restart === "on-failure" && form.maxRetries.trim()) {
    const retries = parseInteger(form.maxRetries, 0, MAX_RETRIES);
    if (typeof retries === "string") errors.maxRetries = retries;
  }

  if (form.memoryMiB.trim()) {
    const bytes = memoryBytes(form.memoryMiB);
    if (typeof bytes === "string") errors.memory = bytes;
    else if (limits && limits.maxTotalMemoryBytes > 0 && bytes > limits.maxTotalMemoryBytes) {
      errors.memory = `The team's containers may use ${formatBytes(limits.maxTotalMemoryBytes)} in all (max_total_memory_bytes).`;
    }
  } else if (limits && limits.maxTotalMemoryBytes > 0) {
    errors.memory = `The team policy caps its total memory (max_total_memory_bytes, ${formatBytes(limits.maxTotalMemoryBytes)}): set a limit.`;
  }

  if (form.cpus.trim()) {
    const nano = nanoCpus(form.cpus);
    if (typeof nano === "string") errors.cpus = nano;
    else if (limits && limits.maxTotalNanoCpus > 0 && nano > limits.maxTotalNanoCpus) {
      errors.cpus = `The team's containers may use ${formatCpus(limits.maxTotalNanoCpus)} in all (max_total_nano_cpus).`;
    }
  } else if (limits && limits.maxTotalNanoCpus > 0) {
    errors.cpus = `The team policy caps its total CPU (max_total_nano_cpus, ${formatCpus(limits.maxTotalNanoCpus)}): set a limit.`;
  }

  const labelKeys = new Set<string>();
  for (const row of form.labels) {
    if (isBlankRow(row)) continue;
    const key = row.key.trim();
    if (!key) errors[errorKey.label(row.id, "key")] = "Enter the label's key.";
    else if (isReservedLabel(key)) errors[errorKey.label(row.id, "key")] = `Labels starting with ${RESERVED_LABEL_PREFIX} are reserved for Dokkerr.`;
    else if (labelKeys.has(key)) errors[errorKey.label(row.id, "key")] = `${key} is already set above.`;
    labelKeys.add(key);
  }

  return errors;
}

export const HOST_BINDS_DENIED = "The team policy does not allow host paths (allow_host_binds).";
export const HOST_NETWORK_DENIED = "The team policy does not allow the host's network (allow_host_namespaces).";

/** What the team's policy sets for a create, as sentences for the form. */
export function policyNotes(policy: ContainerPolicy): string[] {
  const p = effectivePolicy(policy);
  const notes: string[] = [];
  if (p.maxContainers > 0) notes.push(`The team may have at most ${p.maxContainers} containers in an environment (max_containers).`);
  if (p.maxTotalMemoryBytes > 0) notes.push(`All the team's containers together may use ${formatBytes(p.maxTotalMemoryBytes)} of memory (max_total_memory_bytes): a memory limit is required.`);
  if (p.maxTotalNanoCpus > 0) notes.push(`All the team's containers together may use ${formatCpus(p.maxTotalNanoCpus)} (max_total_nano_cpus): a CPU limit is required.`);
  if (p.defaultMemoryBytes > 0) notes.push(`Without a memory limit the container gets ${formatBytes(p.defaultMemoryBytes)} (default_memory_bytes).`);
  notes.push(`Host ports ${p.minHostPort}–${p.maxHostPort} (min_host_port, max_host_port) on ${p.allowedHostIps.join(", ") || "no address"} (allowed_host_ips).`);
  if (!p.allowHostBinds) notes.push(HOST_BINDS_DENIED);
  notes.push(`At most ${p.maxPids} processes per container (max_pids).`);
  return notes;
}

function keyValues(rows: KeyValueRow[]): KeyValueRow[] {
  return rows.filter((row) => !isBlankRow(row)).map((row) => ({ ...row, key: row.key.trim() }));
}

/**
 * The engine create body for a valid form (run validateForm first: an invalid command or
 * number throws here rather than being sent half-read).
 */
export function buildCreateBody(form: CreateForm): CreateBody {
  const body: CreateBody = { Image: form.image.trim(), HostConfig: {} };
  const host = body.HostConfig;

  if (form.command.trim()) {
    const parsed = parseCommand(form.command);
    if (!parsed.ok) throw new Error(parsed.error);
    if (parsed.argv.length > 0) body.Cmd = parsed.argv;
  }

  const env = keyValues(form.env);
  if (env.length > 0) body.Env = env.map((row) => `${row.key}=${row.value}`);

  const labels = keyValues(form.labels);
  if (labels.length > 0) {
    body.Labels = {};
    for (const row of labels) {
      if (isReservedLabel(row.key)) throw new Error(`Labels starting with ${RESERVED_LABEL_PREFIX} are reserved for Dokkerr.`);
      body.Labels[row.key] = row.value;
    }
  }

  if (form.ports.length > 0) {
    const exposed: Record<string, Record<string, never>> = {};
    const published: Record<string, PortBinding[]> = {};
    for (const row of form.ports) {
      const port = parseInteger(row.containerPort, 1, 65535);
      if (typeof port === "string") throw new Error(port);
      let hostPort = "";
      if (row.hostPort.trim()) {
        const parsed = parseInteger(row.hostPort, 1, 65535);
        if (typeof parsed === "string") throw new Error(parsed);
        hostPort = String(parsed);
      }
      const key = `${port}/${row.protocol}`;
      exposed[key] = {};
      // An empty HostPort publishes on a free port the engine picks.
      (published[key] ??= []).push({ HostIp: row.hostIp.trim(), HostPort: hostPort });
    }
    body.ExposedPorts = exposed;
    host.PortBindings = published;
  }

  if (form.mounts.length > 0) {
    host.Mounts = form.mounts.map((row): MountSpec => {
      const mount: MountSpec = { Type: row.kind, Source: row.source.trim(), Target: row.target.trim() };
      if (row.readOnly) mount.ReadOnly = true;
      return mount;
    });
  }

  const network = form.network.trim();
  if (network) {
    host.NetworkMode = network;
    // The built-in networks are modes; any other is an endpoint of its own (one: API 1.41
    // connects a new container to a single network).
    if (!(BUILTIN_NETWORKS as ReadonlyArray<string>).includes(network)) {
      body.NetworkingConfig = { EndpointsConfig: { [network]: {} } };
    }
  }

  if (form.restart !== "no") {
    host.RestartPolicy = { Name: form.restart };
    if (form.restart === "on-failure" && form.maxRetries.trim()) {
      const retries = parseInteger(form.maxRetries, 0, MAX_RETRIES);
      if (typeof retries === "string") throw new Error(retries);
      host.RestartPolicy.MaximumRetryCount = retries;
    }
  }

  if (form.memoryMiB.trim()) {
    const bytes = memoryBytes(form.memoryMiB);
    if (typeof bytes === "string") throw new Error(bytes);
    host.Memory = bytes;
  }
  if (form.cpus.trim()) {
    const nano = nanoCpus(form.cpus);
    if (typeof nano === "string") throw new Error(nano);
    host.NanoCpus = nano;
  }

  return body;
}
