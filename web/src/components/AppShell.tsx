import { lazy, Suspense, useEffect, useState, type ReactNode } from "react";
import { EnvironmentsProvider } from "../lib/environments";
import { Link, useRoute, type Route } from "../lib/router";
import { SessionProvider, useSession } from "../lib/session";
import { useDokkerr } from "../lib/services";
import { applyTheme, type Theme } from "../lib/theme";
import type { User } from "../lib/dokkerr";
import { ContainersPage } from "../pages/ContainersPage";
import { DashboardPage } from "../pages/DashboardPage";
import { PlaceholderPage } from "../pages/PlaceholderPage";
import { ErrorNotice } from "./ErrorNotice";

// Pages other than the dashboard and the container list load on first visit, each in its own
// chunk: the first load stays small, and the terminal and chart libraries come only with the
// pages that use them.
const CreateContainerPage = lazy(() => import("../pages/containers/CreateContainerPage"));
const ContainerDetailPage = lazy(() => import("../pages/containers/ContainerDetailPage"));
const ImagesPage = lazy(() => import("../pages/images/ImagesPage"));
const NetworksPage = lazy(() => import("../pages/networks/NetworksPage"));
const VolumesPage = lazy(() => import("../pages/volumes/VolumesPage"));
const StacksPage = lazy(() => import("../pages/stacks/StacksPage"));
const CreateStackPage = lazy(() => import("../pages/stacks/CreateStackPage"));
const StackDetailPage = lazy(() => import("../pages/stacks/StackDetailPage"));
const AdminPage = lazy(() => import("../pages/admin/AdminPage"));
const AccountPage = lazy(() => import("../pages/account/AccountPage"));
const MonitoringPage = lazy(() => import("../pages/monitoring/MonitoringPage"));
const RegistriesPage = lazy(() => import("../pages/registries/RegistriesPage"));
const WebhooksPage = lazy(() => import("../pages/webhooks/WebhooksPage"));
const SwarmPage = lazy(() => import("../pages/swarm/SwarmPage"));

interface NavItem {
  path: string;
  label: string;
  /** Set for sections not in this build: shown, not reachable. */
  disabledNote?: string;
}

export const NAV_ITEMS: NavItem[] = [
  { path: "/", label: "Dashboard" },
  { path: "/containers", label: "Containers" },
  { path: "/stacks", label: "Stacks" },
  { path: "/swarm", label: "Swarm" },
  { path: "/images", label: "Images" },
  { path: "/registries", label: "Registries" },
  { path: "/networks", label: "Networks" },
  { path: "/volumes", label: "Volumes" },
  { path: "/monitoring", label: "Monitoring" },
  { path: "/webhooks", label: "Webhooks" },
  { path: "/admin", label: "Administration" },
  { path: "/account", label: "My account" },
];

/** The first segment of a path: "/admin/users" → "/admin". */
export function sectionOf(path: string): string {
  const second = path.indexOf("/", 1);
  return second < 0 ? path : path.slice(0, second);
}

/** What follows the section: "/admin/users" → "users", "/admin" → "". */
export function subpathOf(path: string): string {
  const second = path.indexOf("/", 1);
  return second < 0 ? "" : path.slice(second + 1);
}

function userLabel(user: User | undefined): string {
  if (!user) return "";
  return user.display_name || user.username;
}

function Page({ route, user }: { route: Route; user: User | undefined }): ReactNode {
  const env = route.query.get("env") ?? "";
  switch (route.path) {
    case "/":
      return <DashboardPage />;
    case "/containers":
      return <ContainersPage />;
    case "/containers/new":
      return <CreateContainerPage env={env} />;
    case "/containers/view":
      return <ContainerDetailPage env={env} id={route.query.get("id") ?? ""} tab={route.query.get("tab") ?? ""} />;
    case "/images":
      return <ImagesPage env={env} />;
    case "/networks":
      return <NetworksPage env={env} />;
    case "/volumes":
      return <VolumesPage env={env} />;
    case "/stacks":
      return <StacksPage env={env} />;
    case "/stacks/new":
      return <CreateStackPage env={env} />;
    case "/stacks/view":
      return <StackDetailPage env={env} name={route.query.get("name") ?? ""} tab={route.query.get("tab") ?? ""} />;
  }
  switch (sectionOf(route.path)) {
    case "/admin":
      return <AdminPage section={subpathOf(route.path)} />;
    case "/account":
      return <AccountPage user={user} section={subpathOf(route.path)} />;
    case "/monitoring":
      return <MonitoringPage section={subpathOf(route.path)} />;
    case "/registries":
      return <RegistriesPage section={subpathOf(route.path)} id={route.query.get("id") ?? ""} />;
    case "/webhooks":
      return <WebhooksPage section={subpathOf(route.path)} id={route.query.get("id") ?? ""} />;
    case "/swarm":
      return <SwarmPage section={subpathOf(route.path)} id={route.query.get("id") ?? ""} tab={route.query.get("tab") ?? ""} />;
  }
  return <PlaceholderPage title="Page not found" message="There is no page at this address." />;
}

export function AppShell() {
  return (
    <SessionProvider>
      <EnvironmentsProvider>
        <Shell />
      </EnvironmentsProvider>
    </SessionProvider>
  );
}

function Shell() {
  const dokkerr = useDokkerr();
  const route = useRoute();
  const session = useSession();
  const me = { data: session.user, error: session.error };
  const [theme, setTheme] = useState<Theme>("system");
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => {
    const wanted = me.data?.preferences?.theme;
    if (wanted === "light" || wanted === "dark" || wanted === "system") setTheme(wanted);
  }, [me.data]);

  useEffect(() => applyTheme(theme), [theme]);

  // The choice follows the account to other browsers: kept in its preferences (best effort; the
  // page shows the theme at once either way).
  const chooseTheme = (next: Theme) => {
    setTheme(next);
    const preferences = { ...(me.data?.preferences ?? {}), theme: next };
    dokkerr.api.patch("/api/v1/me", { preferences }).then(session.reload, () => undefined);
  };

  const logout = async () => {
    setSigningOut(true);
    await dokkerr.logout();
  };

  return (
    <div className="shell">
      {/* A button, not an in-page #anchor: the hash holds the route. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById("main-content")?.focus()}>
        Skip to content
      </button>
      <header className="shell-header">
        <Link to="/" className="brand">
          Dokkerr
        </Link>
        <div className="header-tools">
          <label className="inline-label">
            <span>Theme</span>
            <select value={theme} onChange={(e) => chooseTheme(e.target.value as Theme)}>
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span className="signed-in">
            {me.data ? (
              <>
                Signed in as <strong>{userLabel(me.data)}</strong>
                {me.data.is_admin ? <span className="badge">admin</span> : null}
              </>
            ) : null}
          </span>
          <button type="button" className="button-secondary" onClick={logout} disabled={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </header>
      <nav className="shell-nav" aria-label="Main">
        <ul>
          {NAV_ITEMS.map((item) => (
            <li key={item.path}>
              {item.disabledNote ? (
                <span className="nav-disabled" aria-disabled="true">
                  {item.label}
                  <span className="nav-note">{item.disabledNote}</span>
                </span>
              ) : (
                <Link to={item.path} aria-current={sectionOf(route.path) === sectionOf(item.path) ? "page" : undefined}>
                  {item.label}
                </Link>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <main className="shell-main" id="main-content" tabIndex={-1}>
        {me.error ? <ErrorNotice error={me.error} prefix="Could not load your account" /> : null}
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Page route={route} user={me.data} />
        </Suspense>
      </main>
    </div>
  );
}
