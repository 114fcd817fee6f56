// Administration: one section at a time (#/admin/<section>), each shown only to callers who
// hold the permission it needs, each loaded on first visit.

import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { Link } from "../../lib/router";
import { useSession, type Permissions } from "../../lib/session";

interface AdminSection {
  id: string;
  label: string;
  /** Whether the caller sees the section (platform admins see all). */
  visible: (permissions: Permissions, can: (permission: string) => boolean) => boolean;
  page: LazyExoticComponent<ComponentType>;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  { id: "users", label: "Users", visible: (_p, can) => can("users:manage"), page: lazy(() => import("./UsersSection")) },
  // Members read their organization's members and roles, and their team's members and policy.
  {
    id: "organizations",
    label: "Organizations",
    visible: (p, can) => can("organizations:manage") || Object.keys(p.organizations).length > 0 || Object.keys(p.teams).length > 0,
    page: lazy(() => import("./OrganizationsSection")),
  },
  { id: "teams", label: "Teams", visible: (p, can) => can("org:manage") || Object.keys(p.teams).length > 0, page: lazy(() => import("./TeamsSection")) },
  { id: "environments", label: "Environments", visible: (_p, can) => can("environments:manage"), page: lazy(() => import("./EnvironmentsSection")) },
  { id: "audit", label: "Audit log", visible: (_p, can) => can("audit:read"), page: lazy(() => import("./AuditSection")) },
  { id: "oidc", label: "Single sign-on", visible: (_p, can) => can("users:manage"), page: lazy(() => import("./OidcSection")) },
  { id: "settings", label: "Settings", visible: (_p, can) => can("users:manage"), page: lazy(() => import("./SettingsSection")) },
];

export default function AdminPage({ section }: { section: string }) {
  const { can, permissions } = useSession();
  const visible = permissions ? ADMIN_SECTIONS.filter((s) => s.visible(permissions, can)) : [];
  const current = visible.find((s) => s.id === section) ?? null;
  const Section = current?.page;
  return (
    <section aria-labelledby="page-title" className="admin-layout">
      <h1 id="page-title">Administration{current ? `: ${current.label}` : ""}</h1>
      <nav aria-label="Administration" className="sub-nav">
        <ul>
          {visible.map((s) => (
            <li key={s.id}>
              <Link to={`/admin/${s.id}`} aria-current={s.id === current?.id ? "page" : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="admin-content">
        {visible.length === 0 ? <p className="muted">Your account administers nothing here.</p> : null}
        {visible.length > 0 && !Section ? <p className="muted">Choose a section.</p> : null}
        {Section ? (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <Section />
          </Suspense>
        ) : null}
      </div>
    </section>
  );
}
