import type { User } from "../../lib/dokkerr";

export default function AccountPage({ user }: { user: User | undefined; section: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">My account</h1>
      {user ? (
        <dl className="facts">
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Display name</dt>
          <dd>{user.display_name || "—"}</dd>
          <dt>E-mail</dt>
          <dd>{user.email || "—"}</dd>
          <dt>Role</dt>
          <dd>{user.is_admin ? "Platform administrator" : "Member"}</dd>
          <dt>Two-factor authentication</dt>
          <dd>{user.mfa_enabled ? "On" : "Off"}</dd>
          <dt>Sign-in</dt>
          <dd>{user.auth_source === "oidc" ? "Single sign-on" : "Local password"}</dd>
        </dl>
      ) : (
        <p role="status">Loading…</p>
      )}
      <p className="muted">Password, two-factor, sessions and API key management are not available in the web UI yet.</p>
    </section>
  );
}
