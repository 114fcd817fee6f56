// Administration: one section at a time (#/admin/<section>), each shown only to callers who
// hold the permission it needs, each loaded on first visit.

import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";

interface AdminSection {
  id: string;
  label: string;
  /** Shown when the caller holds any of these (platform admins hold all). */
  needs: string[];
  page: LazyExoticComponent<ComponentType>;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  { id: "users", label: "Users", needs: ["users:manage"], page: lazy(() => import("./UsersSection")) },
  { id: "organizations", label: "Organizations", needs: ["org:manage", "organizations:manage"], page: lazy(() => import("./OrganizationsSection")) },
  { id: "teams", label: "Teams", needs: ["team:manage", "org:manage"], page: lazy(() => import("./TeamsSection")) },
  { id: "environments", label: "Environments", needs: ["environments:manage"], page: lazy(() => import("./EnvironmentsSection")) },
  { id: "audit", label: "Audit log", needs: ["audit:read"], page: lazy(() => import("./AuditSection")) },
  { id: "oidc", label: "Single sign-on", needs: ["users:manage"], page: lazy(() => import("./OidcSection")) },
  { id: "settings", label: "Settings", needs: ["users:manage"], page: lazy(() => import("./SettingsSection")) },
];

export default function AdminPage({ section }: { section: string }) {
  const { can } = useSession();
  const visible = ADMIN_SECTIONS.filter((s) => s.needs.some((p) => can(p)));
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
