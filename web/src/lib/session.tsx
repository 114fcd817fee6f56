// The signed-in account and what it may do, loaded once per sign-in and shared by every page:
// pages hide what the caller may not do (the API refuses it anyway).

import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";
import type { User } from "./dokkerr";
import type { Permissions } from "./permissions";

export type { Permissions };
import { useLoad } from "./hooks";
import { useDokkerr } from "./services";


export interface Session {
  user: User | undefined;
  permissions: Permissions | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
  /** Whether the caller holds `permission` anywhere (platform, any of their teams or organizations). */
  can: (permission: string) => boolean;
  /** Whether the caller holds `permission` in environment `env` (through a team granted it). */
  canIn: (permission: string, env: string) => boolean;
  /** Teams in which the caller holds `permission` (and, with `env`, that are granted `env`). */
  teamsWith: (permission: string, env?: string) => string[];
}

export function permissionChecks(permissions: Permissions | undefined) {
  const holdsPlatform = (permission: string) => !!permissions && (permissions.is_admin || permissions.platform.includes(permission));
  const teamsWith = (permission: string, env?: string): string[] => {
    if (!permissions) return [];
    const granted = env === undefined ? null : new Set(permissions.environments[env] ?? []);
    return Object.entries(permissions.teams)
      .filter(([team, list]) => list.includes(permission) && (granted === null || granted.has(team)))
      .map(([team]) => team);
  };
  // Organization owners and admins hold org:manage in the organization, not in a team.
  const inOrganizations = (permission: string) =>
    !!permissions && Object.values(permissions.organizations).some((list) => list.includes(permission));
  return {
    can: (permission: string) => holdsPlatform(permission) || teamsWith(permission).length > 0 || inOrganizations(permission),
    canIn: (permission: string, env: string) => holdsPlatform(permission) || teamsWith(permission, env).length > 0,
    teamsWith,
  };
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const dokkerr = useDokkerr();
  const loaded = useLoad(
    async (signal) => {
      const [user, permissions] = await Promise.all([
        dokkerr.me(signal),
        dokkerr.api.get<Permissions>("/api/v1/me/permissions", { signal }),
      ]);
      return { user, permissions };
    },
    [dokkerr],
  );
  const { reload } = loaded;
  const data = loaded.data;
  const checks = useMemo(() => permissionChecks(data?.permissions), [data]);
  const session = useMemo<Session>(
    () => ({
      user: data?.user,
      permissions: data?.permissions,
      loading: loaded.loading,
      error: loaded.error,
      reload,
      ...checks,
    }),
    [data, loaded.loading, loaded.error, reload, checks],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** For tests and stories: a fixed session. */
export function StaticSessionProvider({ user, permissions, children }: { user?: User; permissions: Permissions; children: ReactNode }) {
  const noop = useCallback(() => undefined, []);
  const value = useMemo<Session>(
    () => ({ user, permissions, loading: false, error: null, reload: noop, ...permissionChecks(permissions) }),
    [user, permissions, noop],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
