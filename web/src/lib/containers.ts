// Typed calls of the v1 routes for: Container creation, inspect, logs, stats and the exec console (the create form and the detail view) (see docs/api/v1.md).

import { isApiError, type ApiClient } from "./api";
import { listTeams, type ListPage, type Team } from "./dokkerr";

const enc = encodeURIComponent;

/** Long engine operations (create, stop, restart, remove) wait for the engine: more than the default bound. */
export const ENGINE_TIMEOUT_MS = 60_000;

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface MountSpec {
  Type: "volume" | "bind";
  Source: string;
  Target: string;
  ReadOnly?: boolean;
}

/** The part of Docker Engine API 1.41's container create body that the form fills in. */
export interface CreateBody {
  Image: string;
  Cmd?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: {
    PortBindings?: Record<string, PortBinding[]>;
    Mounts?: MountSpec[];
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
    Memory?: number;
    NanoCpus?: number;
    NetworkMode?: string;
  };
  NetworkingConfig?: { EndpointsConfig: Record<string, Record<string, never>> };
}

export interface Created {
  Id: string;
  Warnings?: string[] | null;
}

/** `docker inspect` of a container, with Dokkerr's own key. Only the fields the UI reads are typed. */
export interface ContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    Dead?: boolean;
    ExitCode?: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string };
  };
  Config?: {
    Image?: string;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
    User?: string;
    Tty?: boolean;
  };
  HostConfig?: {
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    Memory?: number;
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    PidsLimit?: number | null;
    NetworkMode?: string;
  };
  NetworkSettings?: {
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string; Gateway?: string; MacAddress?: string } | null> | null;
  };
  Mounts?: Array<{ Type?: string; Name?: string; Source?: string; Destination?: string; RW?: boolean; Mode?: string }>;
  Dokkerr?: { team?: string | null; environment?: string; [key: string]: unknown };
}

export type TeamListing = Team;

/** A team's container security policy (docs/api/v1.md, src/policy/policy.hpp); absent keys keep their safe defaults. */
export interface ContainerPolicy {
  allow_privileged?: boolean;
  allow_host_binds?: boolean;
  allow_host_namespaces?: boolean;
  allowed_host_ips?: string[];
  min_host_port?: number;
  max_host_port?: number;
  max_pids?: number;
  max_containers?: number;
  default_memory_bytes?: number;
  max_total_memory_bytes?: number;
  max_total_nano_cpus?: number;
  allowed_volume_drivers?: string[];
  allowed_network_drivers?: string[];
  [key: string]: unknown;
}

export interface VolumeSummary {
  Name: string;
  Driver?: string;
  Dokkerr?: { team?: string | null; [key: string]: unknown };
}

export interface NetworkSummary {
  Id: string;
  Name: string;
  Driver?: string;
  Dokkerr?: { team?: string | null; [key: string]: unknown };
}

export type LifecycleAction = "start" | "stop" | "restart" | "pause" | "unpause" | "kill";

export function containerPath(env: string, id: string): string {
  return `/api/v1/environments/${enc(env)}/containers/${enc(id)}`;
}

export function logsPath(env: string, id: string): string {
  return `${containerPath(env, id)}/logs`;
}

export function statsPath(env: string, id: string): string {
  return `${containerPath(env, id)}/stats`;
}

export function execPath(env: string, id: string): string {
  return `${containerPath(env, id)}/exec`;
}

/** The name inspect gives ("/web-1") without its slash; the short id when there is none. */
export function inspectName(container: Pick<ContainerInspect, "Id" | "Name">): string {
  const name = container.Name ?? "";
  const bare = name.startsWith("/") ? name.slice(1) : name;
  return bare || container.Id.slice(0, 12);
}

export class ContainersApi {
  constructor(readonly api: ApiClient) {}

  inspect(env: string, id: string, signal?: AbortSignal): Promise<ContainerInspect> {
    return this.api.get(containerPath(env, id), { signal });
  }

  /**
   * Creates a container. `idempotencyKey` makes a retry of the same request get the first answer
   * again instead of a second container.
   */
  create(env: string, body: CreateBody, options: { name?: string; team?: string; idempotencyKey: string; signal?: AbortSignal }): Promise<Created> {
    return this.api.post(`/api/v1/environments/${enc(env)}/containers`, body, {
      query: { name: options.name || undefined, team: options.team || undefined },
      headers: { "Idempotency-Key": options.idempotencyKey },
      timeoutMs: ENGINE_TIMEOUT_MS,
      signal: options.signal,
    });
  }

  act(env: string, id: string, action: LifecycleAction): Promise<void> {
    return this.api.post(`${containerPath(env, id)}/${action}`, undefined, { timeoutMs: ENGINE_TIMEOUT_MS });
  }

  remove(env: string, id: string, options: { force: boolean; volumes: boolean }): Promise<void> {
    return this.api.delete(containerPath(env, id), { query: { force: options.force, volumes: options.volumes }, timeoutMs: ENGINE_TIMEOUT_MS });
  }

  /** Whether the environment has the image; a 404 is "no", other failures throw. */
  async hasImage(env: string, reference: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.api.get(`/api/v1/environments/${enc(env)}/images/${enc(reference)}`, { signal });
      return true;
    } catch (error) {
      if (isApiError(error) && error.status === 404) return false;
      throw error;
    }
  }

  teams(signal?: AbortSignal): Promise<TeamListing[]> {
    return listTeams(this.api, signal);
  }

  async teamPolicy(team: string, signal?: AbortSignal): Promise<ContainerPolicy> {
    const answer = await this.api.get<{ team_id: string; policy: ContainerPolicy }>(`/api/v1/teams/${enc(team)}/policy`, { signal });
    return answer.policy ?? {};
  }

  async volumes(env: string, signal?: AbortSignal): Promise<VolumeSummary[]> {
    const page = await this.api.get<ListPage<VolumeSummary>>(`/api/v1/environments/${enc(env)}/volumes`, { signal });
    return page.items ?? [];
  }

  async networks(env: string, signal?: AbortSignal): Promise<NetworkSummary[]> {
    const page = await this.api.get<ListPage<NetworkSummary>>(`/api/v1/environments/${enc(env)}/networks`, { signal });
    return page.items ?? [];
  }
}
