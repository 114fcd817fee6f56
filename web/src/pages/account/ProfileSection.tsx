// The account's profile (display name, e-mail, avatar URL) and its preferences (theme, default
// environment). Preferences are one object on the server: keys this page does not know are
// sent back as they came.

import { useEffect, useState, type FormEvent } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import type { ProfileChanges } from "../../lib/account";
import type { User } from "../../lib/dokkerr";
import { useEnvironments } from "../../lib/environments";
import { formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import "./AccountPage.css";

type Theme = "system" | "light" | "dark";

function themeOf(user: User | undefined): Theme {
  const theme = user?.preferences?.theme;
  return theme === "light" || theme === "dark" ? theme : "system";
}

/** The preferences to send: what the server had, with this page's two keys set (or removed). */
export function mergePreferences(current: User["preferences"], theme: Theme, defaultEnvironment: string): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(current ?? {}) };
  next.theme = theme;
  if (defaultEnvironment) next.default_environment = defaultEnvironment;
  else delete next.default_environment;
  return next;
}

/** The end of a form: why the last save failed, what it did, and the save button. */
function SaveFooter({ error, prefix, done, busy, label }: { error: unknown; prefix: string; done: string; busy: boolean; label: string }) {
  return (
    <>
      <ErrorNotice error={error} prefix={prefix} />
      {done ? (
        <p role="status" className="muted">
          {done}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : label}
        </button>
      </div>
    </>
  );
}

function ProfileForm({ account, onSaved }: { account: User; onSaved: (user: User) => void }) {
  const { account: api } = useServices();
  const [displayName, setDisplayName] = useState(account.display_name ?? "");
  const [email, setEmail] = useState(account.email ?? "");
  const [avatarUrl, setAvatarUrl] = useState(account.avatar_url ?? "");
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const changes: ProfileChanges = {};
    if (displayName !== (account.display_name ?? "")) changes.display_name = displayName;
    if (email.trim() !== (account.email ?? "")) changes.email = email.trim();
    if (avatarUrl.trim() !== (account.avatar_url ?? "")) changes.avatar_url = avatarUrl.trim();
    setError(null);
    if (Object.keys(changes).length === 0) {
      setDone("Nothing changed.");
      return;
    }
    setDone("");
    await run(async () => {
      const saved = await api.updateMe(changes);
      setDone("Profile saved.");
      onSaved(saved);
    });
  };

  return (
    <form className="account-form" onSubmit={submit} aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <Field label="Username" value={account.username} readOnly hint="Usernames cannot be changed." />
      <Field label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={256} autoComplete="name" />
      <Field label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={256} autoComplete="email" />
      <Field
        label="Avatar URL"
        type="url"
        value={avatarUrl}
        onChange={(e) => setAvatarUrl(e.target.value)}
        maxLength={512}
        autoComplete="url"
        spellCheck={false}
        hint="An https:// address of a picture of you."
      />
      <SaveFooter error={error} prefix="Could not save the profile" done={done} busy={busy} label="Save profile" />
    </form>
  );
}

function PreferencesForm({ account, onSaved }: { account: User; onSaved: (user: User) => void }) {
  const { account: api } = useServices();
  const environments = useEnvironments();
  const [theme, setTheme] = useState<Theme>(themeOf(account));
  const [defaultEnvironment, setDefaultEnvironment] = useState(
    typeof account.preferences?.default_environment === "string" ? account.preferences.default_environment : "",
  );
  const { busy, error, run } = useAction();
  const [done, setDone] = useState("");
  const list = environments.data ?? [];
  const unknownDefault = defaultEnvironment !== "" && !list.some((e) => e.id === defaultEnvironment);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone("");
    await run(async () => {
      const saved = await api.updateMe({ preferences: mergePreferences(account.preferences, theme, defaultEnvironment) });
      setDone("Preferences saved.");
      onSaved(saved);
    });
  };

  return (
    <form className="account-form" onSubmit={submit} aria-labelledby="preferences-heading">
      <h2 id="preferences-heading">Preferences</h2>
      <SelectField label="Theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">Follow the system</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </SelectField>
      <SelectField
        label="Default environment"
        value={defaultEnvironment}
        onChange={(e) => setDefaultEnvironment(e.target.value)}
        disabled={environments.loading && !environments.data}
      >
        <option value="">None (the first one up)</option>
        {unknownDefault ? <option value={defaultEnvironment}>{defaultEnvironment} (not available)</option> : null}
        {list.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name}
          </option>
        ))}
      </SelectField>
      <ErrorNotice error={environments.error} prefix="Could not load the environments" />
      <SaveFooter error={error} prefix="Could not save the preferences" done={done} busy={busy} label="Save preferences" />
    </form>
  );
}

export function ProfileSection() {
  const { account: api } = useServices();
  const session = useSession();
  const loaded = useLoad((signal) => api.me(signal), [api]);
  const [latest, setLatest] = useState<User | null>(null);
  const account = latest ?? loaded.data;

  useEffect(() => {
    if (loaded.data) setLatest(null);
  }, [loaded.data]);

  const saved = (user: User) => {
    setLatest(user);
    // The shell reads the account (theme, name) from the session.
    session.reload();
  };

  if (!account) {
    return (
      <>
        <ErrorNotice error={loaded.error} prefix="Could not load your account" />
        {loaded.loading ? <p role="status">Loading…</p> : null}
      </>
    );
  }
  return (
    <div className="account-sections">
      <ProfileForm account={account} onSaved={saved} />
      <PreferencesForm account={account} onSaved={saved} />
      <dl className="facts account-facts">
        <dt>Role</dt>
        <dd>{account.is_admin ? "Platform administrator" : "Member"}</dd>
        <dt>Sign-in</dt>
        <dd>{account.auth_source === "oidc" ? "Single sign-on" : "Local password"}</dd>
        <dt>Last sign-in</dt>
        <dd>{formatTime(account.last_login_at)}</dd>
      </dl>
    </div>
  );
}
