// Typed calls of the v1 routes for: stored container registries (see docs/api/v1.md), which
// belong to an organization (every team of it) or to one of its teams, not to an environment;
// and the pure helpers of the registry pages: the name and address checks, the scopes a person
// may store a registry for, what an edit changes, and the pages of a registry's catalog.

import { useMemo } from "react";
import type { ApiClient } from "./api";
import type { Team } from "./dokkerr";
import { useLoad } from "./hooks";
import type { Permissions } from "./permissions";
import type { OrganizationRef } from "./platform";
import { useServices } from "./services";

const enc = encodeURIComponent;

/** A check and a catalog page ask the registry itself: longer than the client's default bound. */
export const REGISTRY_TIMEOUT_MS = 60_000;

/** How many repositories or tags one "Load more" asks for. */
export const REGISTRY_PAGE_SIZE = 100;

/** A stored registry. The password is never returned: `has_password` says whether one is kept. */
export interface Registry {
  id: string;
  name: string;
  /** HOST[:PORT] as image references name it ("registry.example.com", "127.0.0.1:5000"). */
  address: string;
  organization_id: string;
  /** The team the registry is for; null for every team of the organization. */
  team_id: string | null;
  /** "" when none. */
  username: string;
  has_password: boolean;
  /** Plain HTTP rather than HTTPS. */
  insecure: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** POST /api/v1/registries: exactly one of team_id and organization_id. */
export interface RegistryCreateBody {
  name: string;
  address: string;
  team_id?: string;
  organization_id?: string;
  username?: string;
  password?: string;
  insecure?: boolean;
}

/** PATCH /api/v1/registries/{id}: only what changes; a null password removes the stored one. */
export interface RegistryChanges {
  name?: string;
  username?: string;
  password?: string | null;
  insecure?: boolean;
}

/** A repository or a tag of a registry's catalog. */
export interface NamedItem {
  name: string;
}

export interface CatalogPage {
  items: NamedItem[];
  next_cursor: string | null;
}

interface Items<T> {
  items?: T[] | null;
  next_cursor?: string | null;
}

function catalogPage(page: Items<NamedItem> | undefined): CatalogPage {
  return { items: page?.items ?? [], next_cursor: page?.next_cursor ?? null };
}

export class RegistriesApi {
  constructor(readonly api: ApiClient) {}

  private static readonly BASE = "/api/v1/registries";

  private one(id: string): string {
    return `${RegistriesApi.BASE}/${enc(id)}`;
  }

  /** The registries of the caller's teams and organizations (every one for admins). */
  async list(signal?: AbortSignal): Promise<Registry[]> {
    const page = await this.api.get<Items<Registry>>(RegistriesApi.BASE, { signal });
    return page.items ?? [];
  }

  /** One registry, from the list (the caller sees it only through the list); undefined when it is not there. */
  async find(id: string, signal?: AbortSignal): Promise<Registry | undefined> {
    return (await this.list(signal)).find((registry) => registry.id === id);
  }

  create(body: RegistryCreateBody): Promise<Registry> {
    return this.api.post(RegistriesApi.BASE, body);
  }

  update(id: string, changes: RegistryChanges): Promise<Registry> {
    return this.api.patch(this.one(id), changes);
  }

  async remove(id: string): Promise<void> {
    await this.api.delete(this.one(id));
  }

  /**
   * Asks the registry with the stored login. Resolves when it answered and accepted it; else
   * throws the problem (registry_auth_failed, registry_unreachable, registry_not_allowed).
   */
  async check(id: string): Promise<void> {
    await this.api.post(`${this.one(id)}/check`, undefined, { timeoutMs: REGISTRY_TIMEOUT_MS });
  }

  async repositories(id: string, page: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal): Promise<CatalogPage> {
    const answer = await this.api.get<Items<NamedItem>>(`${this.one(id)}/repositories`, {
      query: { limit: page.limit, cursor: page.cursor ?? undefined },
      signal,
      timeoutMs: REGISTRY_TIMEOUT_MS,
    });
    return catalogPage(answer);
  }

  async tags(id: string, repository: string, page: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal): Promise<CatalogPage> {
    const answer = await this.api.get<Items<NamedItem>>(`${this.one(id)}/tags`, {
      query: { repository, limit: page.limit, cursor: page.cursor ?? undefined },
      signal,
      timeoutMs: REGISTRY_TIMEOUT_MS,
    });
    return catalogPage(answer);
  }
}

/** The registry routes on the app's API client (made once per client). */
export function useRegistriesApi(): RegistriesApi {
  const { api } = useServices();
  return useMemo(() => new RegistriesApi(api), [api]);
}

// Names and addresses

export const MAX_REGISTRY_NAME = 64;

/** The server counts bytes (UTF-8), not characters. */
function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Control characters, which the server refuses in names and usernames. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The problem with a registry's name, or null: 1 to 64 bytes, no control characters. */
export function registryNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Give the registry a name.";
  if (byteLength(trimmed) > MAX_REGISTRY_NAME) return `A registry name is at most ${MAX_REGISTRY_NAME} bytes (fewer characters when they are not ASCII).`;
  if (CONTROL.test(trimmed)) return "A registry name has no control characters.";
  return null;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$/;
const ADDRESS_EXAMPLE = "HOST[:PORT], such as registry.example.com or 127.0.0.1:5000";

function portProblem(port: string | undefined): string | null {
  if (port === undefined) return null;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return "The port is a number from 1 to 65535.";
  return null;
}

/**
 * The problem with a registry address, or null. The server takes HOST[:PORT] as image references
 * name a registry: no scheme (plain HTTP is a checkbox) and no path.
 */
export function registryAddressProblem(address: string): string | null {
  const text = address.trim();
  if (!text) return "Give the registry's address.";
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    return `Leave out the scheme (http:// or https://): write ${ADDRESS_EXAMPLE}. Tick “Plain HTTP” for a registry without TLS.`;
  }
  if (text.includes("/")) return `Only the host and the port, without a path: write ${ADDRESS_EXAMPLE}.`;
  const bracketed = BRACKETED_IPV6.exec(text);
  if (bracketed) return bracketed[1]!.includes(":") ? portProblem(bracketed[2]) : `Not a registry address: write ${ADDRESS_EXAMPLE}.`;
  const parts = text.split(":");
  if (parts.length > 2) return "Write an IPv6 address in brackets, such as [fd00::1]:5000.";
  if (!HOST_NAME.test(parts[0]!)) return `Not a registry address: write ${ADDRESS_EXAMPLE}.`;
  return portProblem(parts[1]);
}

// Scopes

export type ScopeKind = "team" | "organization";

/** Where a new registry may go: every team of an organization, or one team. */
export interface ScopeOption {
  /** The select's value: "organization:ID" or "team:ID". */
  value: string;
  kind: ScopeKind;
  id: string;
  label: string;
}

export function scopeValue(kind: ScopeKind, id: string): string {
  return `${kind}:${id}`;
}

/** The part of a create body that names the scope chosen in the select; null for no choice. */
export function scopeBody(value: string): { team_id: string } | { organization_id: string } | null {
  const at = value.indexOf(":");
  if (at < 0) return null;
  const kind = value.slice(0, at);
  const id = value.slice(at + 1);
  if (!id) return null;
  if (kind === "team") return { team_id: id };
  if (kind === "organization") return { organization_id: id };
  return null;
}

function holds(map: Record<string, string[]> | undefined, id: string, permission: string): boolean {
  return (map?.[id] ?? []).includes(permission);
}

/**
 * The scopes the caller may store a registry for: admins every organization and team; others the
 * organizations where they hold org:manage (with their teams) and the teams where they hold
 * team:manage. Organizations first, then teams, each by name; a team's name says its
 * organization's when the caller sees more than one organization.
 */
export function scopeOptions(permissions: Permissions | undefined, teams: readonly Team[], organizations: readonly OrganizationRef[]): ScopeOption[] {
  if (!permissions) return [];
  const admin = permissions.is_admin;
  const orgName = new Map(organizations.map((org) => [org.id, org.display_name || org.name]));
  const orgIds = new Set<string>(admin ? organizations.map((org) => org.id) : []);
  for (const [id, list] of Object.entries(permissions.organizations)) {
    if (list.includes("org:manage")) orgIds.add(id);
  }
  const teamById = new Map(teams.map((team) => [team.id, team]));
  const teamIds = new Set<string>(admin ? teams.map((team) => team.id) : []);
  for (const [id, list] of Object.entries(permissions.teams)) {
    if (list.includes("team:manage")) teamIds.add(id);
  }
  for (const team of teams) {
    if (team.org_id && orgIds.has(team.org_id)) teamIds.add(team.id);
  }
  const offeredOrgs = new Set(orgIds);
  for (const id of teamIds) {
    const org = teamById.get(id)?.org_id;
    if (org) offeredOrgs.add(org);
  }
  const manyOrgs = offeredOrgs.size > 1;

  const byLabel = (a: ScopeOption, b: ScopeOption) => a.label.localeCompare(b.label);
  const orgOptions: ScopeOption[] = [...orgIds]
    .map((id) => ({ value: scopeValue("organization", id), kind: "organization" as const, id, label: `Every team of ${orgName.get(id) ?? id}` }))
    .sort(byLabel);
  const teamOptions: ScopeOption[] = [...teamIds]
    .map((id) => {
      const team = teamById.get(id);
      const org = team?.org_id ? orgName.get(team.org_id) : undefined;
      const name = team?.name ?? id;
      return { value: scopeValue("team", id), kind: "team" as const, id, label: manyOrgs && org ? `${name} (${org})` : name };
    })
    .sort(byLabel);
  return [...orgOptions, ...teamOptions];
}

/** Whether the caller may create a registry anywhere (and so sees New registry). */
export function mayCreateRegistry(permissions: Permissions | undefined): boolean {
  if (!permissions) return false;
  if (permissions.is_admin) return true;
  return (
    Object.values(permissions.organizations).some((list) => list.includes("org:manage")) ||
    Object.values(permissions.teams).some((list) => list.includes("team:manage"))
  );
}

/**
 * Whether the caller may change, delete, check and browse `registry`: admins; org:manage in its
 * organization; for a team's registry, team:manage in the team.
 */
export function mayManageRegistry(permissions: Permissions | undefined, registry: Pick<Registry, "organization_id" | "team_id">): boolean {
  if (!permissions) return false;
  if (permissions.is_admin) return true;
  if (holds(permissions.organizations, registry.organization_id, "org:manage")) return true;
  return !!registry.team_id && holds(permissions.teams, registry.team_id, "team:manage");
}

/** Who a registry is for, in words: "Team web" or "Every team of Acme". */
export function scopeText(registry: Pick<Registry, "organization_id" | "team_id">, teamName: (id: string) => string, orgName: (id: string) => string): string {
  if (registry.team_id) return `Team ${teamName(registry.team_id)}`;
  return `Every team of ${orgName(registry.organization_id)}`;
}

// Edits

/** What the edit form holds. `password` "" keeps the stored one unless `removePassword`. */
export interface RegistryEdit {
  name: string;
  username: string;
  password: string;
  removePassword: boolean;
  insecure: boolean;
}

export function editOf(registry: Registry): RegistryEdit {
  return { name: registry.name, username: registry.username, password: "", removePassword: false, insecure: registry.insecure };
}

/** The PATCH body for an edit: only what differs from `registry`; null when nothing does. */
export function registryChanges(registry: Registry, edit: RegistryEdit): RegistryChanges | null {
  const changes: RegistryChanges = {};
  const name = edit.name.trim();
  const username = edit.username.trim();
  if (name !== registry.name) changes.name = name;
  if (username !== registry.username) changes.username = username;
  if (edit.removePassword) {
    if (registry.has_password) changes.password = null;
  } else if (edit.password !== "") {
    changes.password = edit.password;
  }
  if (edit.insecure !== registry.insecure) changes.insecure = edit.insecure;
  return Object.keys(changes).length > 0 ? changes : null;
}

export const MAX_USERNAME = 255;
export const MAX_PASSWORD_BYTES = 8192;

/**
 * The problem with a login, or null: a username is at most 255 bytes without ":" or control
 * characters; a password (at most 8192 bytes) needs a username to go with it, also one that is
 * kept (`keepsPassword`).
 */
export function credentialsProblem(username: string, password: string, keepsPassword = false): string | null {
  const user = username.trim();
  if (byteLength(user) > MAX_USERNAME || CONTROL.test(user)) return `A username is at most ${MAX_USERNAME} bytes, without control characters.`;
  if (user.includes(":")) return "A username has no “:” (it separates the username from the password).";
  if (byteLength(password) > MAX_PASSWORD_BYTES) return `A password is at most ${MAX_PASSWORD_BYTES} bytes.`;
  if (!user && (password !== "" || keepsPassword)) return "A password goes with a username: give the username too.";
  return null;
}

// Catalog pages

/** The names loaded so far and the cursor of the next page (null: there is no more). */
export interface PagedNames {
  names: string[];
  next: string | null;
}

/** Adds a page to what was loaded (a name already there is not repeated). */
export function appendPage(current: PagedNames | null, page: CatalogPage): PagedNames {
  const names = current ? [...current.names] : [];
  const seen = new Set(names);
  for (const item of page.items) {
    if (!seen.has(item.name)) {
      seen.add(item.name);
      names.push(item.name);
    }
  }
  return { names, next: page.next_cursor || null };
}

// Organization names

export interface OrganizationNames {
  organizations: OrganizationRef[];
  /** An organization's name (its display name when it has one), or its id when the caller cannot see it. */
  nameOf: (id: string) => string;
  error: unknown;
}

/** The organizations the caller sees, loaded once per page, so that registries show names, not ids. */
export function useOrganizationNames(): OrganizationNames {
  const { platform } = useServices();
  const loaded = useLoad((signal) => platform.organizations(signal), [platform]);
  const data = loaded.data;
  return useMemo(() => {
    const organizations = [...(data ?? [])].sort((a, b) => (a.display_name || a.name).localeCompare(b.display_name || b.name));
    const byId = new Map(organizations.map((org) => [org.id, org.display_name || org.name]));
    return { organizations, nameOf: (id: string) => byId.get(id) ?? id, error: loaded.error };
  }, [data, loaded.error]);
}
