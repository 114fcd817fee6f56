// Platform settings: who must sign in with a second factor.

import { useEffect, useState, type FormEvent } from "react";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { useAction, useLoad } from "../../lib/hooks";
import { MFA_ROLES, type MfaRole } from "../../lib/platform";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import "./PlatformForms.css";

const ROLE_TEXT: Record<MfaRole, { label: string; explanation: string }> = {
  platform_admin: {
    label: "Platform administrators",
    explanation: "Accounts that administer the whole platform.",
  },
  org_admin: {
    label: "Organization owners and admins",
    explanation: "People who manage an organization's teams, members and roles.",
  },
  team_admin: {
    label: "Team admins",
    explanation: "People with the admin role in at least one team.",
  },
  everyone: {
    label: "Everyone",
    explanation: "Every account, whatever its roles.",
  },
};

export default function SettingsSection() {
  const { can, user } = useSession();
  const { platform } = useServices();
  const allowed = can("users:manage");
  const loaded = useLoad((signal) => (allowed ? platform.mfaRequirement(signal) : Promise.resolve({ required_for: [] })), [platform, allowed]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const { busy: saving, error, run } = useAction();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (loaded.data) setChosen(new Set(loaded.data.required_for));
  }, [loaded.data]);

  if (!allowed) return <p className="muted">Platform settings need the users:manage permission.</p>;

  const toggle = (role: string, on: boolean) => {
    setSaved(false);
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(role);
      else next.delete(role);
      return next;
    });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      const stored = await platform.setMfaRequirement(MFA_ROLES.filter((r) => chosen.has(r)));
      setChosen(new Set(stored.required_for));
      setSaved(true);
    });
  };

  // An administrator without a second factor who requires one of themselves is then limited to
  // enrolling: say so before they save.
  const locksSelf = !!user && !user.mfa_enabled && (chosen.has("everyone") || (user.is_admin && chosen.has("platform_admin")));

  return (
    <div>
      <h2>Settings</h2>
      <form onSubmit={submit} className="platform-form" aria-busy={loaded.loading || saving || undefined}>
        <fieldset className="platform-fieldset">
          <legend>Two-factor sign-in is required for</legend>
          <p className="muted small">
            Accounts in a chosen group that have no second factor yet can only set one up (in My account → Security) until they do; every
            other request is refused with mfa_enrollment_required.
          </p>
          {loaded.loading && !loaded.data ? <p role="status">Loading…</p> : null}
          <ErrorNotice error={loaded.error} prefix="Could not load the setting" />
          {MFA_ROLES.map((role) => (
            <div key={role} className="settings-option">
              <label className="inline-label">
                <input
                  type="checkbox"
                  checked={chosen.has(role)}
                  disabled={!loaded.data}
                  aria-describedby={`mfa-role-${role}`}
                  onChange={(e) => toggle(role, e.target.checked)}
                />
                {ROLE_TEXT[role].label}
              </label>
              <p id={`mfa-role-${role}`} className="field-hint">
                {ROLE_TEXT[role].explanation}
              </p>
            </div>
          ))}
        </fieldset>
        {locksSelf ? (
          <p className="notice notice-info">
            Your own account has no second factor: once saved, it can only set one up until it does.
          </p>
        ) : null}
        <ErrorNotice error={error} prefix="Could not save" />
        <InfoNotice>{saved ? "Saved." : null}</InfoNotice>
        <div className="form-actions">
          <button type="submit" disabled={saving || !loaded.data}>
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </div>
  );
}
