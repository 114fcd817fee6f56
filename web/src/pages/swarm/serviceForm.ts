// The service form's state, its checks and the ServiceSpec it turns into. Pure functions: the
// form only renders. An edit starts from the service's spec and changes only what the form
// shows, so that what the form does not show (mounts, networks, limits, labels…) survives the
// PUT, which replaces the whole spec.

import type { FailureAction, FileReference, PortProtocol, PublishMode, ServiceMode, ServicePort, ServiceSpec, UpdateOrder } from "../../lib/swarm";
import { formatCommand, parseCommand } from "../containers/command";

export interface ServiceForm {
  name: string;
  image: string;
  /** A command line, split into argv as a shell would. */
  command: string;
  mode: ServiceMode;
  replicas: string;
  /** KEY=value a line. */
  env: string;
  /** One published port a line (see parsePorts). */
  ports: string;
  /** One placement constraint a line. */
  constraints: string;
  parallelism: string;
  delay: string;
  order: UpdateOrder;
  failureAction: FailureAction;
  secrets: FileReference[];
  configs: FileReference[];
}

export type FormField = "name" | "image" | "command" | "replicas" | "env" | "ports" | "constraints" | "parallelism" | "delay";
export type Problems = Partial<Record<FormField, string>>;

export const MAX_REPLICAS = 100;
export const MAX_PARALLELISM = 100;
export const MAX_DELAY_SECONDS = 86_400;
const MAX_LINES = 1000;

/** Swarm's own defaults for a rolling update, shown so that a person sees what applies. */
export const UPDATE_DEFAULTS = { parallelism: 1, delay_seconds: 0, order: "stop-first", failure_action: "pause" } as const;

export function emptyServiceForm(): ServiceForm {
  return {
    name: "",
    image: "",
    command: "",
    mode: "replicated",
    replicas: "1",
    env: "",
    ports: "",
    constraints: "",
    parallelism: String(UPDATE_DEFAULTS.parallelism),
    delay: String(UPDATE_DEFAULTS.delay_seconds),
    order: UPDATE_DEFAULTS.order,
    failureAction: UPDATE_DEFAULTS.failure_action,
    secrets: [],
    configs: [],
  };
}

/**
 * The form for editing a service, filled from its spec. `publishMode` is the mode the server
 * gives a port that names none (for the caller): such ports are written in the short form.
 */
export function formOf(spec: ServiceSpec, publishMode: PublishMode): ServiceForm {
  const update = spec.update ?? {};
  return {
    name: spec.name,
    image: spec.image,
    command: formatCommand(spec.command ?? []),
    mode: spec.mode ?? "replicated",
    replicas: String(spec.replicas ?? 1),
    env: formatEnv(spec.env ?? {}),
    ports: formatPorts(spec.ports ?? [], publishMode),
    constraints: (spec.constraints ?? []).join("\n"),
    parallelism: String(update.parallelism ?? UPDATE_DEFAULTS.parallelism),
    delay: String(update.delay_seconds ?? UPDATE_DEFAULTS.delay_seconds),
    order: update.order ?? UPDATE_DEFAULTS.order,
    failureAction: update.failure_action ?? UPDATE_DEFAULTS.failure_action,
    secrets: (spec.secrets ?? []).map((s) => ({ ...s })),
    configs: (spec.configs ?? []).map((c) => ({ ...c })),
  };
}

// Names

// A DNS label: the service's name is also its name on the Swarm's networks.
const SERVICE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function serviceNameProblem(name: string): string | null {
  if (!name) return "Give the service a name.";
  if (!SERVICE_NAME.test(name)) return "A service name is 1 to 63 letters, digits and '-', starting and ending with a letter or digit.";
  return null;
}

// Numbers

/** A whole number from `min` to `max` typed as text; else the problem. */
export function parseWhole(text: string, min: number, max: number, what: string): number | string {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return `${what} is a whole number from ${min} to ${max}.`;
  const n = Number(trimmed);
  if (n < min || n > max) return `${what} is a whole number from ${min} to ${max}.`;
  return n;
}

// Environment variables

export function parseEnv(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) return { error: `At most ${MAX_LINES} variables.` };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at < 0) return { error: `Line ${i + 1}: write KEY=value.` };
    const key = line.slice(0, at).trim();
    if (!key || /\s/.test(key)) return { error: `Line ${i + 1}: a variable's name is not empty and has no blanks.` };
    if (Object.prototype.hasOwnProperty.call(env, key)) return { error: `Line ${i + 1}: the variable ${key} is given twice.` };
    env[key] = line.slice(at + 1);
  }
  return { env };
}

export function formatEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
}

// Published ports

const PROTOCOLS: readonly PortProtocol[] = ["tcp", "udp", "sctp"];
const PUBLISH_MODES: readonly PublishMode[] = ["ingress", "host"];
const PORT_KEYS = new Set(["published", "target", "protocol", "mode"]);

function portNumber(text: string | undefined, what: string, line: number): number | string {
  if (text === undefined || !/^\d{1,5}$/.test(text.trim()) || Number(text) < 1 || Number(text) > 65535) {
    return `Line ${line}: the ${what} port is a number from 1 to 65535.`;
  }
  return Number(text);
}

/**
 * Parses published ports, one a line, in the Docker CLI's two ways of writing them:
 * `[PUBLISHED:]TARGET[/PROTOCOL]` ("8080:80", "53:53/udp", "80"), which names no mode (the
 * server's default for the caller applies), or `published=8080,target=80,protocol=udp,mode=host`.
 */
export function parsePorts(text: string): { ports: ServicePort[] } | { error: string } {
  const ports: ServicePort[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) return { error: `At most ${MAX_LINES} ports.` };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const n = i + 1;
    let port: ServicePort;
    if (line.includes("=")) {
      const fields: Record<string, string> = {};
      for (const part of line.split(",")) {
        const at = part.indexOf("=");
        const key = (at < 0 ? part : part.slice(0, at)).trim();
        if (!PORT_KEYS.has(key) || at < 0) return { error: `Line ${n}: write published=…,target=…,protocol=…,mode=… (unknown "${key}").` };
        fields[key] = part.slice(at + 1).trim();
      }
      const target = portNumber(fields.target, "target", n);
      if (typeof target === "string") return { error: target };
      port = { target };
      if (fields.published !== undefined && fields.published !== "") {
        const published = portNumber(fields.published, "published", n);
        if (typeof published === "string") return { error: published };
        port.published = published;
      }
      const protocol = fields.protocol || "tcp";
      if (!PROTOCOLS.includes(protocol as PortProtocol)) return { error: `Line ${n}: the protocol is tcp, udp or sctp.` };
      port.protocol = protocol as PortProtocol;
      if (fields.mode !== undefined && fields.mode !== "") {
        if (!PUBLISH_MODES.includes(fields.mode as PublishMode)) return { error: `Line ${n}: the mode is ingress or host.` };
        port.mode = fields.mode as PublishMode;
      }
    } else {
      const match = /^(?:(\d+):)?(\d+)(?:\/([a-z]+))?$/.exec(line);
      if (!match) return { error: `Line ${n}: write PUBLISHED:TARGET/PROTOCOL, such as 8080:80/tcp.` };
      const target = portNumber(match[2], "target", n);
      if (typeof target === "string") return { error: target };
      port = { target, protocol: "tcp" };
      if (match[1] !== undefined) {
        const published = portNumber(match[1], "published", n);
        if (typeof published === "string") return { error: published };
        port = { target, published, protocol: "tcp" };
      }
      if (match[3] !== undefined) {
        if (!PROTOCOLS.includes(match[3] as PortProtocol)) return { error: `Line ${n}: the protocol is tcp, udp or sctp.` };
        port.protocol = match[3] as PortProtocol;
      }
    }
    if (port.published !== undefined) {
      const key = `${port.published}/${port.protocol}`;
      if (seen.has(key)) return { error: `Line ${n}: port ${key} is published twice.` };
      seen.add(key);
    }
    ports.push(port);
  }
  return { ports };
}

/** Ports as the form writes them back: the short form for those in `publishMode` (or none), else the long one. */
export function formatPorts(ports: readonly ServicePort[], publishMode: PublishMode): string {
  return ports
    .map((p) => {
      const protocol = p.protocol ?? "tcp";
      if (p.mode && p.mode !== publishMode) {
        return [p.published ? `published=${p.published}` : "", `target=${p.target}`, `protocol=${protocol}`, `mode=${p.mode}`].filter(Boolean).join(",");
      }
      return `${p.published ? `${p.published}:` : ""}${p.target}/${protocol}`;
    })
    .join("\n");
}

// Constraints

export function parseConstraints(text: string): { constraints: string[] } | { error: string } {
  const constraints: string[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) return { error: `At most ${MAX_LINES} constraints.` };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const match = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(line);
    if (!match || /[=!]$/.test(match[1]!)) return { error: `Line ${i + 1}: write ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, such as node.role==manager.` };
    constraints.push(line);
  }
  return { constraints };
}

// Secrets and configs

/** Adds the secret or config `name` to those chosen, or takes it away; one chosen keeps its target. */
export function toggleReference(chosen: readonly FileReference[], name: string, on: boolean): FileReference[] {
  const rest = chosen.filter((r) => r.name !== name);
  return on ? [...rest, { name }] : rest;
}

// The spec

type Check = { spec: ServiceSpec } | { problems: Problems };

/**
 * The spec to send, or the problems found. Without `base` a new service's spec holding only what
 * was given; with it, `base` with the form's fields put in (a field emptied in the form and set
 * in `base` is sent empty, so that the update clears it).
 */
export function checkServiceForm(form: ServiceForm, base?: ServiceSpec): Check {
  const problems: Problems = {};
  const name = form.name.trim();
  const image = form.image.trim();
  const badName = base ? null : serviceNameProblem(name);
  if (badName) problems.name = badName;
  if (!image) problems.image = "Give the image the tasks run, such as nginx:1.27.";
  else if (/\s/.test(image)) problems.image = "An image reference has no blanks.";
  const command = parseCommand(form.command.trim());
  if (!command.ok) problems.command = command.error;
  const mode = base ? (base.mode ?? "replicated") : form.mode;
  const replicas = mode === "replicated" ? parseWhole(form.replicas, 0, MAX_REPLICAS, "Replicas") : 0;
  if (typeof replicas === "string") problems.replicas = replicas;
  const env = parseEnv(form.env);
  if ("error" in env) problems.env = env.error;
  const ports = parsePorts(form.ports);
  if ("error" in ports) problems.ports = ports.error;
  const constraints = parseConstraints(form.constraints);
  if ("error" in constraints) problems.constraints = constraints.error;
  const parallelism = parseWhole(form.parallelism, 0, MAX_PARALLELISM, "Parallelism");
  if (typeof parallelism === "string") problems.parallelism = parallelism;
  const delay = parseWhole(form.delay, 0, MAX_DELAY_SECONDS, "The delay");
  if (typeof delay === "string") problems.delay = delay;
  if (
    Object.keys(problems).length > 0 ||
    !command.ok ||
    typeof replicas === "string" ||
    "error" in env ||
    "error" in ports ||
    "error" in constraints ||
    typeof parallelism === "string" ||
    typeof delay === "string"
  ) {
    return { problems };
  }

  const spec: ServiceSpec = base ? { ...base, name: base.name, image } : { name, image };
  /** Puts a list or map in: left out when empty, unless `base` has it (then sent empty to clear it). */
  const put = <K extends keyof ServiceSpec>(key: K, value: NonNullable<ServiceSpec[K]>, empty: boolean) => {
    if (!empty || (base && base[key] !== undefined)) spec[key] = value;
    else delete spec[key];
  };
  put("command", command.argv, command.argv.length === 0);
  spec.mode = mode;
  if (mode === "replicated") spec.replicas = replicas;
  else delete spec.replicas;
  put("env", env.env, Object.keys(env.env).length === 0);
  put("ports", ports.ports, ports.ports.length === 0);
  put("constraints", constraints.constraints, constraints.constraints.length === 0);
  put("secrets", form.secrets.map((s) => ({ ...s })), form.secrets.length === 0);
  put("configs", form.configs.map((c) => ({ ...c })), form.configs.length === 0);
  spec.update = { ...(base?.update ?? {}), parallelism, delay_seconds: delay, order: form.order, failure_action: form.failureAction };
  return { spec };
}
