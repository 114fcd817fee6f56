// Typed calls of the v1 routes for a Swarm environment (see docs/api/v1.md): its Swarm state,
// services with their tasks, stacks, nodes, secrets and configs. Every route but GET /swarm answers 409
// not_swarm_manager on an engine that is not a manager, so the pages ask GET /swarm first.

import { useMemo } from "react";
import type { ApiClient } from "./api";
import type { Permissions } from "./permissions";
import { useServices } from "./services";

const enc = encodeURIComponent;

/** Service changes wait on the managers' raft and on resolving the image in its registry. */
const SWARM_TIMEOUT_MS = 60_000;

/** A stack deploy does a service change for each of its services, one after the other. */
const STACK_DEPLOY_TIMEOUT_MS = 600_000;

/** The label `docker stack deploy` (and the server's stack deploy) puts on a stack's services and networks. */
export const STACK_LABEL = "com.docker.stack.namespace";

export type SwarmState = "active" | "inactive" | "pending" | "error" | "locked";

export interface SwarmStatus {
  state: SwarmState | string;
  /** Whether the environment's engine manages the Swarm (only then do the other routes answer). */
  manager: boolean;
  node_id: string;
  cluster_id: string;
  nodes: number;
  managers: number;
}

export type ServiceMode = "replicated" | "global";
export type PortProtocol = "tcp" | "udp" | "sctp";
export type PublishMode = "ingress" | "host";

export interface ServicePort {
  target: number;
  published?: number;
  protocol?: PortProtocol;
  mode?: PublishMode;
}

export interface ServiceMount {
  type: "volume" | "tmpfs" | "bind";
  source?: string;
  target: string;
  read_only?: boolean;
}

/** A secret or config a service reads, by name; `target` is the file it appears as in the tasks. */
export interface FileReference {
  name: string;
  target?: string;
}

export interface Resources {
  nano_cpus?: number;
  memory_bytes?: number;
}

export type FailureAction = "pause" | "continue" | "rollback";
export type UpdateOrder = "stop-first" | "start-first";

/** How an update (or a rollback) replaces the tasks. */
export interface UpdateConfig {
  parallelism?: number;
  delay_seconds?: number;
  failure_action?: FailureAction;
  monitor_seconds?: number;
  max_failure_ratio?: number;
  order?: UpdateOrder;
}

export interface ServiceSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  mode?: ServiceMode;
  replicas?: number;
  ports?: ServicePort[];
  mounts?: ServiceMount[];
  networks?: string[];
  secrets?: FileReference[];
  configs?: FileReference[];
  constraints?: string[];
  limits?: Resources;
  reservations?: Resources;
  restart?: { condition?: "any" | "on-failure" | "none"; delay_seconds?: number; max_attempts?: number };
  update?: UpdateConfig;
  rollback?: UpdateConfig;
  user?: string;
  workdir?: string;
}

export interface UpdateStatus {
  /** "updating", "completed", "paused", "rollback_started", "rollback_completed", "rollback_paused". */
  state: string;
  message: string;
}

export interface Service {
  id: string;
  name: string;
  image: string;
  mode: ServiceMode;
  replicas: { desired: number; running: number };
  ports: ServicePort[];
  update_status: UpdateStatus | null;
  team: string | null;
  created: string;
  updated: string;
  version: number;
  spec: ServiceSpec;
  /** Only in the answer for one service: the spec a rollback returns to, or null. */
  previous_spec?: ServiceSpec | null;
}

export interface Task {
  id: string;
  slot: number | null;
  node_id: string;
  /** The node's hostname. */
  node: string;
  desired_state: string;
  state: string;
  message: string;
  error: string;
  container_id: string;
  image: string;
  created: string;
  updated: string;
  exit_code: number | null;
}

export type NodeAvailability = "active" | "pause" | "drain";

export interface SwarmNode {
  id: string;
  hostname: string;
  role: "manager" | "worker";
  availability: NodeAvailability;
  state: string;
  address: string;
  leader: boolean;
  engine_version: string;
}

/** Secrets and configs share one shape; their data is never returned. */
export interface SwarmFile {
  id: string;
  name: string;
  team: string | null;
  created: string;
  updated: string;
  labels: Record<string, string>;
}

export type FileKind = "secrets" | "configs";

export interface SwarmFileCreateBody {
  name: string;
  data: string;
  labels?: Record<string, string>;
}

/** A stack as listed: its services' tasks added up. */
export interface SwarmStack {
  name: string;
  team: string | null;
  services: number;
  running: number;
  desired: number;
}

export interface SwarmStackBody {
  /** The Compose file's text. */
  compose: string;
  /** For members of several teams; an update names the stack's own. */
  team?: string;
  variables?: Record<string, string>;
  env_files?: Record<string, string>;
}

export interface DeployedStack {
  name: string;
  services: Service[];
}

interface Items<T> {
  items?: T[] | null;
}

/** One piece of a task's output as the engine handed it over: usually a whole line with its newline. */
export interface ServiceLogEntry {
  stream: "stdout" | "stderr";
  data: string;
}

export interface ServiceLogs {
  items: ServiceLogEntry[];
  /** The server stopped reading at its size bound: the newest lines asked for are missing. */
  truncated: boolean;
}

/** The query of a container's logs; `tail` counts the lines of each task. */
export interface ServiceLogOptions {
  tail?: number | "all";
  timestamps?: boolean;
  since?: string;
  until?: string;
  /** Both streams unless one is turned off. */
  stdout?: boolean;
  stderr?: boolean;
  signal?: AbortSignal;
}

export class SwarmApi {
  constructor(readonly api: ApiClient) {}

  private base(env: string): string {
    return `/api/v1/environments/${enc(env)}`;
  }

  private service(env: string, id: string): string {
    return `${this.base(env)}/services/${enc(id)}`;
  }

  status(env: string, signal?: AbortSignal): Promise<SwarmStatus> {
    return this.api.get(`${this.base(env)}/swarm`, { signal });
  }

  // Services

  async services(env: string, signal?: AbortSignal): Promise<Service[]> {
    const page = await this.api.get<Items<Service>>(`${this.base(env)}/services`, { signal });
    return page.items ?? [];
  }

  get(env: string, id: string, signal?: AbortSignal): Promise<Service> {
    return this.api.get(this.service(env, id), { signal });
  }

  create(env: string, spec: ServiceSpec, team?: string): Promise<Service> {
    return this.api.post(`${this.base(env)}/services`, spec, { query: { team }, timeoutMs: SWARM_TIMEOUT_MS });
  }

  /** Replaces the whole spec: the engine rolls the tasks over as `spec.update` says. */
  update(env: string, id: string, spec: ServiceSpec): Promise<Service> {
    return this.api.request("PUT", this.service(env, id), { body: spec, timeoutMs: SWARM_TIMEOUT_MS });
  }

  /** 409 service_not_replicated for a global service. */
  scale(env: string, id: string, replicas: number): Promise<Service> {
    return this.api.post(`${this.service(env, id)}/scale`, { replicas }, { timeoutMs: SWARM_TIMEOUT_MS });
  }

  /** 409 no_previous_spec when there is nothing to return to. */
  rollback(env: string, id: string): Promise<Service> {
    return this.api.post(`${this.service(env, id)}/rollback`, undefined, { timeoutMs: SWARM_TIMEOUT_MS });
  }

  async remove(env: string, id: string): Promise<void> {
    await this.api.delete(this.service(env, id), { timeoutMs: SWARM_TIMEOUT_MS });
  }

  async tasks(env: string, id: string, signal?: AbortSignal): Promise<Task[]> {
    const page = await this.api.get<Items<Task>>(`${this.service(env, id)}/tasks`, { signal });
    return page.items ?? [];
  }

  /** Every task's log so far, merged by the engine. 404 service_not_found without containers:logs in the service's team. */
  async logs(env: string, id: string, options: ServiceLogOptions = {}): Promise<ServiceLogs> {
    const { signal, ...query } = options;
    const page = await this.api.get<Items<ServiceLogEntry> & { truncated?: boolean }>(`${this.service(env, id)}/logs`, {
      query: {
        tail: query.tail,
        timestamps: query.timestamps,
        since: query.since,
        until: query.until,
        // The server reads an absent stream as wanted, so only a turned-off one is sent.
        stdout: query.stdout === false ? "0" : undefined,
        stderr: query.stderr === false ? "0" : undefined,
      },
      signal,
    });
    return { items: page.items ?? [], truncated: page.truncated === true };
  }

  // Stacks

  async stacks(env: string, signal?: AbortSignal): Promise<SwarmStack[]> {
    const page = await this.api.get<Items<SwarmStack>>(`${this.base(env)}/swarm/stacks`, { signal });
    return page.items ?? [];
  }

  /**
   * Creates the stack or brings it to the file: services the file no longer names are removed.
   * 400 invalid_compose (the detail names the line and key), 409 swarm_stack_taken.
   */
  deployStack(env: string, name: string, body: SwarmStackBody): Promise<DeployedStack> {
    return this.api.request("PUT", `${this.base(env)}/swarm/stacks/${enc(name)}`, { body, timeoutMs: STACK_DEPLOY_TIMEOUT_MS });
  }

  /** 404 stack_not_found. The networks go once the tasks have let go of them, which takes a while. */
  async removeStack(env: string, name: string): Promise<void> {
    await this.api.delete(`${this.base(env)}/swarm/stacks/${enc(name)}`, { timeoutMs: SWARM_TIMEOUT_MS });
  }

  // Nodes

  async nodes(env: string, signal?: AbortSignal): Promise<SwarmNode[]> {
    const page = await this.api.get<Items<SwarmNode>>(`${this.base(env)}/swarm/nodes`, { signal });
    return page.items ?? [];
  }

  /** Platform admins only (403 for others). */
  setAvailability(env: string, id: string, availability: NodeAvailability): Promise<SwarmNode> {
    return this.api.request("PUT", `${this.base(env)}/swarm/nodes/${enc(id)}/availability`, { body: { availability }, timeoutMs: SWARM_TIMEOUT_MS });
  }

  // Secrets and configs

  async files(env: string, kind: FileKind, signal?: AbortSignal): Promise<SwarmFile[]> {
    const page = await this.api.get<Items<SwarmFile>>(`${this.base(env)}/${kind}`, { signal });
    return page.items ?? [];
  }

  /** The answer never holds the data: once sent, it cannot be read back. */
  createFile(env: string, kind: FileKind, body: SwarmFileCreateBody, team?: string): Promise<SwarmFile> {
    return this.api.post(`${this.base(env)}/${kind}`, body, { query: { team }, timeoutMs: SWARM_TIMEOUT_MS });
  }

  /** 409 secret_conflict (config_conflict) while a service uses it. */
  async removeFile(env: string, kind: FileKind, id: string): Promise<void> {
    await this.api.delete(`${this.base(env)}/${kind}/${enc(id)}`, { timeoutMs: SWARM_TIMEOUT_MS });
  }
}

/** The Swarm routes on the app's API client (made once per client). */
export function useSwarmApi(): SwarmApi {
  const { api } = useServices();
  return useMemo(() => new SwarmApi(api), [api]);
}

/** Update states during which the tasks are being replaced. */
export const ROLLING_STATES: ReadonlySet<string> = new Set(["updating", "rollback_started"]);

/**
 * Whether a service is still on its way somewhere: an update or a rollback rolling, or fewer (or
 * more) tasks running than wanted. The service page follows it closely while it is.
 */
export function isSettling(service: Pick<Service, "update_status" | "replicas">): boolean {
  if (service.update_status && ROLLING_STATES.has(service.update_status.state)) return true;
  return service.replicas.running !== service.replicas.desired;
}

/** The stack a service was deployed with, or null for one created on its own. */
export function stackOf(service: Pick<Service, "spec">): string | null {
  return service.spec.labels?.[STACK_LABEL] || null;
}

/** "rollback_started" → "rollback started". */
export function updateStateText(state: string): string {
  return state.replace(/_/g, " ");
}

/** A published port as `docker service ls` writes it: "8080->80/tcp", unpublished "80/tcp"; " (host)" for one on the task's node. */
export function portText(port: ServicePort): string {
  const inner = `${port.target}/${port.protocol ?? "tcp"}`;
  const text = port.published ? `${port.published}->${inner}` : inner;
  return port.mode === "host" ? `${text} (host)` : text;
}

/**
 * What the caller may do with services, secrets and configs in `env`: a service's tasks are the
 * team's containers, so the container permissions apply (create; update for scale, edit and
 * rollback; delete).
 */
export interface ServicePermissions {
  create: boolean;
  change: boolean;
  remove: boolean;
}

export function servicePermissions(canIn: (permission: string, env: string) => boolean, env: string): ServicePermissions {
  if (!env) return { create: false, change: false, remove: false };
  return { create: canIn("containers:create", env), change: canIn("containers:update", env), remove: canIn("containers:delete", env) };
}

/**
 * Whether the caller may read the logs of a service of `team`: the server answers 404 to anyone
 * without containers:logs in that very team, so holding it in another team is not enough. A
 * service of no team is for platform admins.
 */
export function mayReadServiceLogs(
  permissions: Permissions | undefined,
  teamsWith: (permission: string, env?: string) => string[],
  env: string,
  team: string | null,
): boolean {
  if (!env || !permissions) return false;
  if (permissions.is_admin || permissions.platform.includes("containers:logs")) return true;
  return !!team && teamsWith("containers:logs", env).includes(team);
}

/** Draining, pausing and activating nodes changes the whole Swarm: platform-wide environments:manage. */
export function mayManageNodes(canIn: (permission: string, env: string) => boolean, env: string): boolean {
  return !!env && canIn("environments:manage", env);
}

/**
 * The publish mode the server gives a port that names none: the routing mesh for platform admins;
 * for teams the task's own node, since the mesh's shared network would join teams' tasks.
 */
export function defaultPublishMode(admin: boolean): PublishMode {
  return admin ? "ingress" : "host";
}
