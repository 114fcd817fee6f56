// Typed calls of the v1 routes this UI uses (see docs/api/v1.md).

import type { ApiClient } from "./api";
import type { TokenPair } from "./tokens";

export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  username: string;
  email?: string | null;
  display_name?: string | null;
  avatar_url?: string | null;
  preferences?: { theme?: "light" | "dark" | "system"; default_environment?: string; [key: string]: unknown } | null;
  is_admin: boolean;
  disabled?: boolean;
  mfa_enabled?: boolean;
  auth_source?: string;
  last_login_at?: string | null;
}

export interface EnvironmentCounts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images?: number;
}

export interface Environment {
  id: string;
  name: string;
  url?: string;
  tls?: boolean;
  builtin?: boolean;
  status: "up" | "down" | string;
  error?: string;
  engine?: { version?: string; api_version?: string; os?: string; arch?: string };
  counts?: EnvironmentCounts;
}

export interface PortBinding {
  IP?: string;
  PrivatePort?: number;
  PublicPort?: number;
  Type?: string;
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Status?: string;
  Created?: number;
  Ports?: PortBinding[];
  Labels?: Record<string, string>;
  Dokkerr?: { environment?: string; team?: string; [key: string]: unknown };
}

/** An engine event as the events WebSocket sends it. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export interface Team {
  id: string;
  name: string;
  org_id?: string;
  created_at?: string;
  /** The caller's permissions in the team. */
  my_permissions?: string[];
}

/** The teams the caller belongs to (platform admins: every team); the server answers it whole. */
export async function listTeams(api: ApiClient, signal?: AbortSignal): Promise<Team[]> {
  const page = await api.get<ListPage<Team>>("/api/v1/teams", { signal });
  return page.items;
}

export interface WsTicket {
  ticket: string;
  path: string;
  expires_in: number;
}

export type ContainerAction = "start" | "stop" | "restart";

/** Container states the engine reports, for the state filter. */
export const CONTAINER_STATES = ["running", "created", "paused", "restarting", "exited", "dead", "removing"] as const;

const enc = encodeURIComponent;

export function containerName(container: ContainerSummary): string {
  const first = container.Names?.[0];
  if (first) return first.startsWith("/") ? first.slice(1) : first;
  return container.Id.slice(0, 12);
}

/** Published ports as the docker CLI writes them: "0.0.0.0:8080->80/tcp", unpublished "80/tcp". */
export function formatPorts(ports: PortBinding[] | undefined): string {
  if (!ports || ports.length === 0) return "";
  const seen = new Set<string>();
  for (const p of ports) {
    const inner = `${p.PrivatePort ?? "?"}/${p.Type ?? "tcp"}`;
    seen.add(p.PublicPort ? `${p.IP ? (p.IP.includes(":") ? `[${p.IP}]` : p.IP) + ":" : ""}${p.PublicPort}->${inner}` : inner);
  }
  return [...seen].join(", ");
}

export function eventsPath(env: string): string {
  return `/api/v1/environments/${enc(env)}/events`;
}

export class Dokkerr {
  constructor(readonly api: ApiClient) {}

  setupStatus(signal?: AbortSignal): Promise<{ setup_required: boolean }> {
    return this.api.get("/api/v1/setup", { auth: false, signal });
  }

  setup(body: { setup_token: string; username: string; password: string }): Promise<User> {
    return this.api.post("/api/v1/setup", body, { auth: false });
  }

  /** Signs in and keeps the pair in the token store. Throws ApiError `mfa_required` when a code is needed. */
  async login(body: { username: string; password: string; totp_code?: string; recovery_code?: string }): Promise<void> {
    const pair = await this.api.post<TokenPair>("/api/v1/auth/login", body, { auth: false });
    this.api.tokens.set(pair);
  }

  /** Ends the session on the server (best effort) and forgets the tokens. */
  async logout(): Promise<void> {
    try {
      if (this.api.tokens.signedIn) await this.api.post("/api/v1/auth/logout", undefined, { timeoutMs: 5000 });
    } catch {
      // The tokens are forgotten whatever the server said.
    } finally {
      this.api.tokens.clear();
    }
  }

  me(signal?: AbortSignal): Promise<User> {
    return this.api.get("/api/v1/me", { signal });
  }

  wsTicket(path: string, signal?: AbortSignal): Promise<WsTicket> {
    return this.api.post("/api/v1/auth/ws-ticket", { path }, { signal });
  }

  async environments(signal?: AbortSignal): Promise<Environment[]> {
    const page = await this.api.get<ListPage<Environment>>("/api/v1/environments", { signal });
    return page.items;
  }

  teams(signal?: AbortSignal): Promise<Team[]> {
    return listTeams(this.api, signal);
  }

  containers(
    env: string,
    filter: { name?: string; status?: string; limit?: number; cursor?: string | null },
    signal?: AbortSignal,
  ): Promise<ListPage<ContainerSummary>> {
    return this.api.get(`/api/v1/environments/${enc(env)}/containers`, {
      signal,
      query: {
        all: true,
        name: filter.name?.trim() || undefined,
        status: filter.status || undefined,
        limit: filter.limit,
        cursor: filter.cursor ?? undefined,
      },
    });
  }

  containerAction(env: string, id: string, action: ContainerAction): Promise<void> {
    // stop and restart wait for the engine's grace period: allow more than the default bound.
    return this.api.post(`/api/v1/environments/${enc(env)}/containers/${enc(id)}/${action}`, undefined, { timeoutMs: 60_000 });
  }

  removeContainer(env: string, id: string, force: boolean): Promise<void> {
    return this.api.delete(`/api/v1/environments/${enc(env)}/containers/${enc(id)}`, {
      query: { force },
      timeoutMs: 60_000,
    });
  }
}
