// Typed calls of the v1 routes for: platform administration: environments and their grants, the audit log, OpenID Connect providers, settings (see docs/api/v1.md).

import { ApiError, type ApiClient, type Query } from "./api";
import { listTeams, type Environment, type ListPage, type Team } from "./dokkerr";

const enc = encodeURIComponent;

/** The server refuses TLS material above this (src/containers/environment_service.cpp). */
export const MAX_PEM_BYTES = 64 * 1024;

export interface EnvironmentTls {
  ca: string;
  cert: string;
  key: string;
  verify: boolean;
}

/** POST takes name and url; PATCH any of them. A `tls` replaces all the material at once. */
export interface EnvironmentInput {
  name?: string;
  url?: string;
  tls?: EnvironmentTls;
}

export type GranteeType = "team" | "organization";

export interface Grant {
  environment_id: string;
  grantee_type: GranteeType | string;
  grantee_id: string;
  created_at?: string;
}

export type TeamRef = Team;

export interface OrganizationRef {
  id: string;
  name: string;
  display_name?: string;
}

export const AUDIT_RESULTS = ["intent", "success", "failure", "denied"] as const;

export interface AuditFilter {
  actor_id?: string;
  /** Exact, or a prefix followed by `*`. */
  action?: string;
  result?: string;
  team_id?: string;
  org_id?: string;
  /** RFC 3339. */
  since?: string;
  until?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { type: string; id: string; name: string };
  org_id: string;
  team_id: string;
  action: string;
  target: string;
  result: string;
  client_address: string;
  request_id: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  first_bad_seq: number | null;
  problem: string;
  head: string;
}

export interface TeamMapping {
  claim: string;
  value: string;
  team_id: string;
  role: string;
}

export interface OidcProvider {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  team_mapping: TeamMapping[];
  enabled: boolean;
  created_at?: string;
}

export interface OidcProviderInput {
  name: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  scopes?: string[];
  team_mapping: TeamMapping[];
  enabled?: boolean;
}

export const MFA_ROLES = ["platform_admin", "org_admin", "team_admin", "everyone"] as const;
export type MfaRole = (typeof MFA_ROLES)[number];

export interface MfaRequirement {
  required_for: string[];
}

/** The audit filters as query parameters, in a fixed order; empty ones are left out. */
export function auditQuery(filter: AuditFilter, extra: { limit?: number; cursor?: string | null } = {}): Query {
  const text = (value: string | undefined) => value?.trim() || undefined;
  return {
    actor_id: text(filter.actor_id),
    action: text(filter.action),
    result: text(filter.result),
    team_id: text(filter.team_id),
    org_id: text(filter.org_id),
    since: text(filter.since),
    until: text(filter.until),
    limit: extra.limit,
    cursor: extra.cursor ?? undefined,
  };
}

/** The server's cap on an export is 64 MiB; a little more is allowed for the last line. */
const MAX_EXPORT_BYTES = 65 * 1024 * 1024;
const EXPORT_TIMEOUT_MS = 5 * 60_000;

export class PlatformApi {
  constructor(readonly api: ApiClient) {}

  environment(id: string, signal?: AbortSignal): Promise<Environment> {
    return this.api.get(`/api/v1/environments/${enc(id)}`, { signal });
  }

  createEnvironment(input: EnvironmentInput): Promise<Environment> {
    // The server connects to the engine before it answers.
    return this.api.post("/api/v1/environments", input, { timeoutMs: 30_000 });
  }

  updateEnvironment(id: string, input: EnvironmentInput): Promise<Environment> {
    return this.api.patch(`/api/v1/environments/${enc(id)}`, input, { timeoutMs: 30_000 });
  }

  deleteEnvironment(id: string): Promise<void> {
    return this.api.delete(`/api/v1/environments/${enc(id)}`, { timeoutMs: 30_000 });
  }

  async grants(env: string, signal?: AbortSignal): Promise<Grant[]> {
    const page = await this.api.get<ListPage<Grant>>(`/api/v1/environments/${enc(env)}/grants`, { signal });
    return page.items;
  }

  addGrant(env: string, grant: { grantee_type: GranteeType; grantee_id: string }): Promise<void> {
    return this.api.post(`/api/v1/environments/${enc(env)}/grants`, grant);
  }

  removeGrant(env: string, type: string, id: string): Promise<void> {
    return this.api.delete(`/api/v1/environments/${enc(env)}/grants/${enc(type)}/${enc(id)}`);
  }

  teams(signal?: AbortSignal): Promise<TeamRef[]> {
    return listTeams(this.api, signal);
  }

  async organizations(signal?: AbortSignal): Promise<OrganizationRef[]> {
    const page = await this.api.get<ListPage<OrganizationRef>>("/api/v1/organizations", { signal });
    return page.items;
  }

  audit(filter: AuditFilter, page: { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<ListPage<AuditEntry>> {
    return this.api.get("/api/v1/audit", { signal, query: auditQuery(filter, page), timeoutMs: 30_000 });
  }

  /**
   * The filtered log as JSON lines (oldest first), read whole into a Blob. Fetched with the
   * API client so the token travels in Authorization, never in a URL a download link would show.
   */
  async exportAudit(filter: AuditFilter, signal?: AbortSignal): Promise<Blob> {
    // openStream's timeout covers the answer's head; this one bounds reading the whole body.
    const controller = new AbortController();
    const forward = () => controller.abort();
    signal?.addEventListener("abort", forward, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, EXPORT_TIMEOUT_MS);
    try {
      const response = await this.api.openStream("GET", "/api/v1/audit/export", {
        query: auditQuery(filter),
        signal: controller.signal,
        timeoutMs: 60_000,
        headers: { Accept: "application/x-ndjson, application/problem+json" },
      });
      const body = response.body;
      if (!body) return new Blob([await response.text()], { type: "application/x-ndjson" });
      const reader = body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > MAX_EXPORT_BYTES) {
            await reader.cancel();
            throw new ApiError({
              status: 0,
              code: "export_too_large",
              title: "Export too large",
              detail: "The export is larger than 64 MiB; narrow it with since and until.",
            });
          }
          chunks.push(value);
        }
      } finally {
        reader.releaseLock();
      }
      return new Blob(chunks as BlobPart[], { type: "application/x-ndjson" });
    } catch (error) {
      if (timedOut) {
        throw new ApiError({ status: 0, code: "timeout", title: "Export timed out", detail: "The export did not finish in time; narrow it with since and until." });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forward);
    }
  }

  verifyAudit(signal?: AbortSignal): Promise<ChainReport> {
    // The whole chain is hashed again: allow for a long log.
    return this.api.get("/api/v1/audit/verify", { signal, timeoutMs: 120_000 });
  }

  async oidcProviders(signal?: AbortSignal): Promise<OidcProvider[]> {
    const page = await this.api.get<ListPage<OidcProvider>>("/api/v1/auth/oidc/providers", { signal });
    return page.items;
  }

  createOidcProvider(input: OidcProviderInput): Promise<OidcProvider> {
    // The server fetches the issuer's discovery document before it answers.
    return this.api.post("/api/v1/auth/oidc/providers", input, { timeoutMs: 30_000 });
  }

  /** Only the fields given change; without client_secret the sealed one stays. */
  updateOidcProvider(id: string, patch: Partial<OidcProviderInput>): Promise<OidcProvider> {
    return this.api.patch(`/api/v1/auth/oidc/providers/${enc(id)}`, patch, { timeoutMs: 30_000 });
  }

  deleteOidcProvider(id: string): Promise<void> {
    return this.api.delete(`/api/v1/auth/oidc/providers/${enc(id)}`);
  }

  mfaRequirement(signal?: AbortSignal): Promise<MfaRequirement> {
    return this.api.get("/api/v1/settings/mfa", { signal });
  }

  setMfaRequirement(required_for: string[]): Promise<MfaRequirement> {
    return this.api.request("PUT", "/api/v1/settings/mfa", { body: { required_for } });
  }
}

/**
 * Hands `blob` to the browser as a download through an object URL, which is revoked once the
 * click has been handled. Nothing is put in a URL but the blob's own handle.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

/** A datetime-local value (the browser's local time) as RFC 3339 UTC, or undefined. */
export function localTimeToRfc3339(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** A moment as a file-name-safe stamp: 2026-01-31T12-00-00Z. */
export function fileStamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");
}
