// Typed calls of the v1 routes for: The caller's own account: profile, preferences, password, two-factor enrolment, sessions, API keys (see docs/api/v1.md).

import type { ApiClient } from "./api";
import { listTeams, type ListPage, type Team, type User } from "./dokkerr";
import { ALL_PERMISSIONS, type Permissions } from "./permissions";

/** PATCH /api/v1/me accepts these fields only. */
export interface ProfileChanges {
  email?: string;
  display_name?: string;
  avatar_url?: string;
  preferences?: Record<string, unknown>;
}

export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
}

export interface AccountSession {
  id: string;
  auth_method?: string;
  client_address?: string;
  user_agent?: string;
  created_at?: string;
  last_used_at?: string;
  expires_at?: string;
  current: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix?: string;
  scopes: string[];
  team_id: string | null;
  created_at?: string;
  expires_at: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The key itself: in this answer only. */
  key: string;
}

export interface NewApiKey {
  name: string;
  scopes: string[];
  team_id?: string;
  expires_at?: string;
}

export type TeamSummary = Team;



/**
 * The scopes an API key of the caller may carry: what the caller holds (in `team` when the key
 * is bound to one), as the server checks it; anything else is 403 scope_exceeds_permissions.
 */
export function grantableScopes(permissions: Permissions | undefined, team?: string): string[] {
  if (!permissions) return [];
  let held: Set<string>;
  if (permissions.is_admin) {
    held = new Set(ALL_PERMISSIONS);
  } else if (team) {
    held = new Set(permissions.teams[team] ?? []);
  } else {
    held = new Set([
      ...permissions.platform,
      ...Object.values(permissions.teams).flat(),
      ...Object.values(permissions.organizations).flat(),
    ]);
  }
  const scoped = permissions.scopes ? new Set(permissions.scopes) : null;
  return ALL_PERMISSIONS.filter((p) => held.has(p) && (!scoped || scoped.has(p)));
}

export class AccountApi {
  constructor(readonly api: ApiClient) {}

  me(signal?: AbortSignal): Promise<User> {
    return this.api.get("/api/v1/me", { signal });
  }

  updateMe(changes: ProfileChanges): Promise<User> {
    return this.api.patch("/api/v1/me", changes);
  }

  changePassword(current_password: string, new_password: string): Promise<void> {
    // The server hashes with a deliberately slow function.
    return this.api.post("/api/v1/me/password", { current_password, new_password }, { timeoutMs: 30_000 });
  }

  enrolTotp(): Promise<TotpEnrolment> {
    return this.api.post("/api/v1/me/mfa/totp");
  }

  /**
   * A wrong code is 401 invalid_mfa_code. The client's usual 401 handling would take that for an
   * expired token, refresh, retry and then end the session; here only a token problem refreshes.
   */
  async confirmTotp(code: string): Promise<{ recovery_codes: string[] }> {
    // A wrong code is 401 invalid_mfa_code: the client knows it is not about the session.
    return this.api.post("/api/v1/me/mfa/totp/confirm", { code });
  }

  disableTotp(password: string, code: string): Promise<void> {
    // A wrong password or code is 403 invalid_credentials, not a 401.
    return this.api.post("/api/v1/me/mfa/totp/disable", { password, code }, { timeoutMs: 30_000 });
  }

  async sessions(signal?: AbortSignal): Promise<AccountSession[]> {
    const page = await this.api.get<ListPage<AccountSession>>("/api/v1/me/sessions", { signal });
    return page.items;
  }

  revokeSession(id: string): Promise<void> {
    return this.api.delete(`/api/v1/me/sessions/${encodeURIComponent(id)}`);
  }

  async apiKeys(signal?: AbortSignal): Promise<ApiKey[]> {
    const page = await this.api.get<ListPage<ApiKey>>("/api/v1/api-keys", { signal });
    return page.items;
  }

  createApiKey(body: NewApiKey): Promise<CreatedApiKey> {
    return this.api.post("/api/v1/api-keys", body);
  }

  revokeApiKey(id: string): Promise<void> {
    return this.api.delete(`/api/v1/api-keys/${encodeURIComponent(id)}`);
  }

  teams(signal?: AbortSignal): Promise<TeamSummary[]> {
    return listTeams(this.api, signal);
  }
}

