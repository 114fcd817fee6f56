// The permission strings of the server (src/core/permissions.cpp), in its catalog order.

/** What a team role or custom role may hold. */
export const TEAM_PERMISSIONS = [
  "containers:read",
  "containers:logs",
  "containers:operate",
  "containers:exec",
  "containers:create",
  "containers:update",
  "containers:delete",
  "images:read",
  "images:pull",
  "networks:read",
  "networks:create",
  "networks:delete",
  "volumes:read",
  "volumes:create",
  "volumes:delete",
  "environments:read",
  "system:read",
  "events:read",
  "alerts:read",
  "alerts:manage",
  "team:manage",
] as const;

export type TeamPermission = (typeof TEAM_PERMISSIONS)[number];

/** Every permission the server knows; an API key scope outside it is 400 invalid_scope. */
export const ALL_PERMISSIONS: readonly string[] = [
  ...TEAM_PERMISSIONS,
  "org:manage",
  "images:manage",
  "system:prune",
  "environments:manage",
  "users:manage",
  "organizations:manage",
  "audit:read",
  "resources:assign",
  "backups:manage",
];

/** What GET /api/v1/me/permissions answers: the caller's permissions, wherever they hold them. */
export interface Permissions {
  is_admin: boolean;
  platform: string[];
  teams: Record<string, string[]>;
  organizations: Record<string, string[]>;
  /** Environment id → the caller's teams granted it. */
  environments: Record<string, string[]>;
  scopes?: string[];
}
