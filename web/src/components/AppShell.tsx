import { useEffect, useState } from "react";
import { useLoad } from "../lib/hooks";
import { Link, useRoute } from "../lib/router";
import { useDokkerr } from "../lib/services";
import { applyTheme, type Theme } from "../lib/theme";
import type { User } from "../lib/dokkerr";
import { AccountPage } from "../pages/AccountPage";
import { ContainersPage } from "../pages/ContainersPage";
import { DashboardPage } from "../pages/DashboardPage";
import { PlaceholderPage } from "../pages/PlaceholderPage";
import { ErrorNotice } from "./ErrorNotice";

interface NavItem {
  path: string;
  label: string;
  /** Set for sections not in this build: shown, not reachable. */
  disabledNote?: string;
}

export const NAV_ITEMS: NavItem[] = [
  { path: "/", label: "Dashboard" },
  { path: "/containers", label: "Containers" },
  { path: "/images", label: "Images" },
  { path: "/networks", label: "Networks" },
  { path: "/volumes", label: "Volumes" },
  { path: "/monitoring", label: "Monitoring", disabledNote: "coming with monitoring" },
  { path: "/admin", label: "Administration" },
  { path: "/account", label: "My account" },
];

function userLabel(user: User | undefined): string {
  if (!user) return "";
  return user.display_name || user.username;
}

function Page({ path, user }: { path: string; user: User | undefined }) {
  switch (path) {
    case "/":
      return <DashboardPage />;
    case "/containers":
      return <ContainersPage defaultEnvironment={user?.preferences?.default_environment} />;
    case "/images":
      return <PlaceholderPage title="Images" />;
    case "/networks":
      return <PlaceholderPage title="Networks" />;
    case "/volumes":
      return <PlaceholderPage title="Volumes" />;
    case "/admin":
      return <PlaceholderPage title="Administration" />;
    case "/account":
      return <AccountPage user={user} />;
    default:
      return <PlaceholderPage title="Page not found" message="There is no page at this address." />;
  }
}

export function AppShell() {
  const dokkerr = useDokkerr();
  const route = useRoute();
  const me = useLoad((signal) => dokkerr.me(signal), [dokkerr]);
  const [theme, setTheme] = useState<Theme>("system");
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => {
    const wanted = me.data?.preferences?.theme;
    if (wanted === "light" || wanted === "dark" || wanted === "system") setTheme(wanted);
  }, [me.data]);

  useEffect(() => applyTheme(theme), [theme]);

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
            <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
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
                <Link to={item.path} aria-current={route.path === item.path ? "page" : undefined}>
                  {item.label}
                </Link>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <main className="shell-main" id="main-content" tabIndex={-1}>
        {me.error ? <ErrorNotice error={me.error} prefix="Could not load your account" /> : null}
        <Page path={route.path} user={me.data} />
      </main>
    </div>
  );
}
