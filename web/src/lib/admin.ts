// Typed calls of the v1 routes for: the directory: users, organizations and their members and custom roles, teams, their members and security policies (see docs/api/v1.md).

import { TEAM_PERMISSIONS } from "./permissions";
import type { ApiClient } from "./api";
import type { ListPage, User } from "./dokkerr";
import type { Permissions } from "./permissions";

const enc = encodeURIComponent;

/** An account as `GET /api/v1/users` answers it (src/users/user_json.cpp). */
export interface DirectoryUser extends User {
  email: string;
  display_name: string;
  disabled: boolean;
  mfa_enabled: boolean;
  auth_source: "local" | "oidc" | string;
  last_login_at: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface NewUser {
  username: string;
  password: string;
  email?: string;
  display_name?: string;
  is_admin?: boolean;
}

/** PATCH /api/v1/users/{id}: only the fields that change. */
export interface UserChanges {
  email?: string;
  display_name?: string;
  disabled?: boolean;
  is_admin?: boolean;
}

export interface Organization {
  id: string;
  name: string;
  display_name: string;
  created_at?: string;
}

/** A member of an organization or a team (src/users/membership_json.cpp). */
export interface Membership {
  user_id: string;
  username: string;
  role: string;
}

export interface CustomRole {
  id: string;
  org_id: string;
  name: string;
  permissions: string[];
  created_at?: string;
}

export interface Team {
  id: string;
  org_id: string;
  name: string;
  created_at?: string;
  /** Present for the caller's own teams; absent for a platform admin who is not in the team. */
  my_permissions?: string[];
}

/** The container security policy: every key the server knows (src/policy/policy.cpp). */
export interface PolicyDocument {
  allow_privileged: boolean;
  allow_host_binds: boolean;
  allow_bind_volume_options: boolean;
  allow_host_namespaces: boolean;
  allow_devices: boolean;
  extra_capabilities: string[];
  allow_unconfined_security: boolean;
  extra_sysctls: string[];
  allow_cgroup_parent: boolean;
  allowed_runtimes: string[];
  allow_privileged_exec: boolean;
  allowed_volume_drivers: string[];
  allowed_network_drivers: string[];
  allowed_log_drivers: string[];
  allowed_host_ips: string[];
  min_host_port: number;
  max_host_port: number;
  max_pids: number;
  max_shm_bytes: number;
  allow_oom_score_protection: boolean;
  allow_root_exec: boolean;
  max_containers: number;
  default_memory_bytes: number;
  max_total_memory_bytes: number;
  max_total_nano_cpus: number;
}

export interface TeamPolicy {
  team_id: string;
  policy: PolicyDocument;
}

export const ORG_ROLES = ["owner", "admin", "member"] as const;
export const TEAM_ROLES = ["admin", "developer", "operator", "viewer"] as const;


/** What each team permission lets a member do, in a few words. */
export const TEAM_PERMISSION_HINTS: Record<(typeof TEAM_PERMISSIONS)[number], string> = {
  "containers:read": "list and inspect containers",
  "containers:logs": "read container logs",
  "containers:operate": "start, stop, restart, pause and kill containers",
  "containers:exec": "run commands inside containers",
  "containers:create": "create containers",
  "containers:update": "change containers' limits and settings",
  "containers:delete": "remove containers",
  "images:read": "list and inspect images",
  "images:pull": "pull images",
  "networks:read": "list and inspect networks",
  "networks:create": "create networks",
  "networks:delete": "remove networks",
  "volumes:read": "list and inspect volumes",
  "volumes:create": "create volumes",
  "volumes:delete": "remove volumes",
  "environments:read": "see the environments granted to the team",
  "system:read": "read engine information",
  "events:read": "follow the engine's events",
  "alerts:read": "see the team's alert rules and alerts",
  "alerts:manage": "change the team's alert rules and silences, acknowledge alerts",
  "team:manage": "add and remove the team's members and change their roles",
};

const VIEWER = ["containers:read", "containers:logs", "images:read", "networks:read", "volumes:read", "environments:read", "system:read", "events:read", "alerts:read"];
const OPERATOR = [...VIEWER, "containers:operate", "containers:exec", "alerts:manage"];
const DEVELOPER = [
  ...OPERATOR,
  "containers:create",
  "containers:update",
  "containers:delete",
  "images:pull",
  "networks:create",
  "networks:delete",
  "volumes:create",
  "volumes:delete",
];

/** The built-in team roles' permissions (src/users/roles.cpp). */
export const TEAM_ROLE_PERMISSIONS: Record<(typeof TEAM_ROLES)[number], readonly string[]> = {
  viewer: VIEWER,
  operator: OPERATOR,
  developer: DEVELOPER,
  admin: [...DEVELOPER, "team:manage"],
};

/** Lists the directory keeps in memory at most (a page is at most 1000 on the server). */
export const MAX_LISTED = 10_000;

/** Whether the caller may manage organization `org` (its teams, members, roles, policies). */
export function managesOrg(permissions: Permissions | undefined, org: string): boolean {
  if (!permissions) return false;
  return permissions.is_admin || (permissions.organizations[org] ?? []).includes("org:manage");
}

/** Whether the caller manages any organization (and so may create teams). */
export function managesAnyOrg(permissions: Permissions | undefined): boolean {
  if (!permissions) return false;
  return permissions.is_admin || Object.values(permissions.organizations).some((list) => list.includes("org:manage"));
}

/** Whether the caller may change team `team`'s members. */
export function managesTeam(permissions: Permissions | undefined, team: string): boolean {
  if (!permissions) return false;
  return permissions.is_admin || (permissions.teams[team] ?? []).includes("team:manage");
}

/** The built-in team role whose permissions are exactly `held`, if one is. */
export function matchingTeamRole(held: readonly string[]): (typeof TEAM_ROLES)[number] | null {
  const set = new Set(held);
  for (const role of TEAM_ROLES) {
    const perms = TEAM_ROLE_PERMISSIONS[role];
    if (perms.length === set.size && perms.every((p) => set.has(p))) return role;
  }
  return null;
}

/** How a member's role reads: built-in roles as they are, `role:<id>` by the custom role's name. */
export function roleLabel(role: string, customRoles: readonly CustomRole[] = []): string {
  if (!role.startsWith("role:")) return role;
  const custom = customRoles.find((r) => `role:${r.id}` === role);
  return custom ? `${custom.name} (custom)` : `${role} (custom role)`;
}

export class AdminApi {
  constructor(readonly api: ApiClient) {}

  // Users (users:manage)

  users(page: { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<ListPage<DirectoryUser>> {
    return this.api.get("/api/v1/users", { signal, query: { limit: page.limit, cursor: page.cursor ?? undefined } });
  }

  user(id: string, signal?: AbortSignal): Promise<DirectoryUser> {
    return this.api.get(`/api/v1/users/${enc(id)}`, { signal });
  }

  createUser(body: NewUser): Promise<DirectoryUser> {
    // Password hashing (Argon2id) takes a moment on a busy server.
    return this.api.post("/api/v1/users", body, { timeoutMs: 30_000 });
  }

  updateUser(id: string, changes: UserChanges): Promise<DirectoryUser> {
    return this.api.patch(`/api/v1/users/${enc(id)}`, changes);
  }

  deleteUser(id: string): Promise<void> {
    return this.api.delete(`/api/v1/users/${enc(id)}`);
  }

  // Organizations

  organizations(signal?: AbortSignal): Promise<ListPage<Organization>> {
    return this.api.get("/api/v1/organizations", { signal });
  }

  organization(id: string, signal?: AbortSignal): Promise<Organization> {
    return this.api.get(`/api/v1/organizations/${enc(id)}`, { signal });
  }

  createOrganization(body: { name: string; display_name?: string }): Promise<Organization> {
    return this.api.post("/api/v1/organizations", body);
  }

  deleteOrganization(id: string): Promise<void> {
    return this.api.delete(`/api/v1/organizations/${enc(id)}`);
  }

  orgMembers(org: string, signal?: AbortSignal): Promise<ListPage<Membership>> {
    return this.api.get(`/api/v1/organizations/${enc(org)}/members`, { signal });
  }

  putOrgMember(org: string, user: string, role: string): Promise<void> {
    return this.api.request("PUT", `/api/v1/organizations/${enc(org)}/members/${enc(user)}`, { body: { role } });
  }

  removeOrgMember(org: string, user: string): Promise<void> {
    return this.api.delete(`/api/v1/organizations/${enc(org)}/members/${enc(user)}`);
  }

  orgRoles(org: string, signal?: AbortSignal): Promise<ListPage<CustomRole>> {
    return this.api.get(`/api/v1/organizations/${enc(org)}/roles`, { signal });
  }

  createOrgRole(org: string, body: { name: string; permissions: string[] }): Promise<CustomRole> {
    return this.api.post(`/api/v1/organizations/${enc(org)}/roles`, body);
  }

  deleteOrgRole(org: string, role: string): Promise<void> {
    return this.api.delete(`/api/v1/organizations/${enc(org)}/roles/${enc(role)}`);
  }

  // Teams

  teams(filter: { org?: string | null }, signal?: AbortSignal): Promise<ListPage<Team>> {
    return this.api.get("/api/v1/teams", { signal, query: { org: filter.org ?? undefined } });
  }

  team(id: string, signal?: AbortSignal): Promise<Team> {
    return this.api.get(`/api/v1/teams/${enc(id)}`, { signal });
  }

  createTeam(body: { org_id: string; name: string }): Promise<Team> {
    return this.api.post("/api/v1/teams", body);
  }

  deleteTeam(id: string): Promise<void> {
    return this.api.delete(`/api/v1/teams/${enc(id)}`);
  }

  teamMembers(team: string, signal?: AbortSignal): Promise<ListPage<Membership>> {
    return this.api.get(`/api/v1/teams/${enc(team)}/members`, { signal });
  }

  putTeamMember(team: string, user: string, role: string): Promise<void> {
    return this.api.request("PUT", `/api/v1/teams/${enc(team)}/members/${enc(user)}`, { body: { role } });
  }

  removeTeamMember(team: string, user: string): Promise<void> {
    return this.api.delete(`/api/v1/teams/${enc(team)}/members/${enc(user)}`);
  }

  teamPolicy(team: string, signal?: AbortSignal): Promise<TeamPolicy> {
    return this.api.get(`/api/v1/teams/${enc(team)}/policy`, { signal });
  }

  /** The body is the policy document itself (every key), not wrapped. */
  putTeamPolicy(team: string, policy: Record<string, unknown>): Promise<TeamPolicy> {
    return this.api.request("PUT", `/api/v1/teams/${enc(team)}/policy`, { body: policy });
  }
}
