// A new OpenID Connect provider: where it is, how Dokkerr signs in there, and which teams the
// people it signs in join. The client secret is write-only: it lives in this form's state until
// the dialog closes and is never shown back.

import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useAction } from "../../lib/hooks";
import type { OidcProvider, OidcProviderInput, TeamMapping, TeamRef } from "../../lib/platform";
import { useServices } from "../../lib/services";
import "./OidcSection.css";
import "./PlatformForms.css";

export const TEAM_ROLES = ["viewer", "operator", "developer", "admin"] as const;
export const DEFAULT_SCOPES = "openid, email, profile";
const MAX_MAPPINGS = 100;

export function suggestedRedirectUri(origin = window.location.origin): string {
  return `${origin}/api/v1/auth/oidc/callback`;
}

/** "openid, email profile" → ["openid", "email", "profile"]. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

interface MappingRow extends TeamMapping {
  key: number;
}

/** The fields of `input` that differ from `provider` (an edit sends only those). */
export function changedFields(provider: OidcProvider, input: OidcProviderInput): Partial<OidcProviderInput> {
  const patch: Partial<OidcProviderInput> = {};
  if (input.name !== provider.name) patch.name = input.name;
  if (input.issuer !== provider.issuer) patch.issuer = input.issuer;
  if (input.client_id !== provider.client_id) patch.client_id = input.client_id;
  if (input.client_secret) patch.client_secret = input.client_secret;
  if (input.redirect_uri !== provider.redirect_uri) patch.redirect_uri = input.redirect_uri;
  if (JSON.stringify(input.scopes) !== JSON.stringify(provider.scopes)) patch.scopes = input.scopes;
  if (JSON.stringify(input.team_mapping) !== JSON.stringify(provider.team_mapping)) patch.team_mapping = input.team_mapping;
  if (input.enabled !== provider.enabled) patch.enabled = input.enabled;
  return patch;
}

export function OidcProviderDialog({
  teams,
  editing,
  onClose,
  onSaved,
}: {
  teams: TeamRef[];
  /** The provider to change; a new one is added without it. */
  editing?: OidcProvider;
  onClose: () => void;
  onSaved: (provider: OidcProvider) => void;
}) {
  const { platform } = useServices();
  const [name, setName] = useState(editing?.name ?? "");
  const [issuer, setIssuer] = useState(editing?.issuer ?? "");
  const [clientId, setClientId] = useState(editing?.client_id ?? "");
  // Never filled from the server: it does not send the secret, and an empty field keeps it.
  const [clientSecret, setClientSecret] = useState("");
  const [redirectUri, setRedirectUri] = useState(() => editing?.redirect_uri ?? suggestedRedirectUri());
  const [scopes, setScopes] = useState(editing ? editing.scopes.join(", ") : DEFAULT_SCOPES);
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [mapping, setMapping] = useState<MappingRow[]>(() => (editing?.team_mapping ?? []).map((m, i) => ({ ...m, key: i + 1 })));
  const [nextKey, setNextKey] = useState((editing?.team_mapping.length ?? 0) + 1);
  const { busy, error, setError, run } = useAction();
  const [missing, setMissing] = useState("");

  const update = (key: number, change: Partial<TeamMapping>) =>
    setMapping((rows) => rows.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const submit = async () => {
    setError(null);
    const blank = [
      ["Name", name],
      ["Issuer", issuer],
      ["Client id", clientId],
      ["Client secret", editing ? "kept" : clientSecret],
      ["Redirect URI", redirectUri],
    ].find(([, value]) => !value?.trim());
    const badRow = mapping.find((m) => !m.claim.trim() || !m.value || !m.team_id || !m.role);
    if (blank) {
      setMissing(`${blank[0]} is needed.`);
      return;
    }
    if (badRow) {
      setMissing("Each team mapping needs a claim, a value, a team and a role.");
      return;
    }
    setMissing("");
    const input: OidcProviderInput = {
      name: name.trim(),
      issuer: issuer.trim(),
      client_id: clientId.trim(),
      client_secret: clientSecret,
      redirect_uri: redirectUri.trim(),
      scopes: parseScopes(scopes),
      team_mapping: mapping.map(({ claim, value, team_id, role }) => ({ claim: claim.trim(), value, team_id, role })),
      enabled,
    };
    await run(async () => {
      const provider = editing
        ? await platform.updateOidcProvider(editing.id, changedFields(editing, input))
        : await platform.createOidcProvider(input);
      setClientSecret("");
      onSaved(provider);
    });
  };

  return (
    <FormDialog
      title={editing ? `Edit ${editing.name}` : "Add an OpenID Connect provider"}
      submitLabel={editing ? "Save changes" : "Add provider"}
      busyLabel="Checking the issuer…"
      busy={busy}
      wide
      onClose={onClose}
      onSubmit={submit}
      formClassName="platform-form"
      noValidate
    >
      <ErrorNotice error={error} prefix={editing ? "Could not save the provider" : "Could not add the provider"} />
      {missing ? (
        <p className="error-text" role="alert">
          {missing}
        </p>
      ) : null}
      <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} autoComplete="off" hint="Shown on the sign-in page." />
      <Field
        label="Issuer"
        type="url"
        value={issuer}
        onChange={(e) => setIssuer(e.target.value)}
        required
        maxLength={512}
        placeholder="https://login.example.com/realms/main"
        autoComplete="off"
        spellCheck={false}
        hint="Its discovery document is fetched when the provider is added or its issuer changes."
      />
      <Field label="Client id" value={clientId} onChange={(e) => setClientId(e.target.value)} required maxLength={255} autoComplete="off" spellCheck={false} />
      <Field
        label="Client secret"
        type="password"
        value={clientSecret}
        onChange={(e) => setClientSecret(e.target.value)}
        required={!editing}
        maxLength={1024}
        autoComplete="new-password"
        spellCheck={false}
        hint={editing ? "Stored sealed and never shown; leave it empty to keep the current one." : "Stored sealed; it is never shown again."}
      />
      <Field
        label="Redirect URI"
        type="url"
        value={redirectUri}
        onChange={(e) => setRedirectUri(e.target.value)}
        required
        maxLength={512}
        autoComplete="off"
        spellCheck={false}
        hint={`Register this address with the provider. Suggested: ${suggestedRedirectUri()}`}
      />
      <Field
        label="Scopes"
        value={scopes}
        onChange={(e) => setScopes(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        hint="Comma-separated; openid is always asked for."
      />
      <label className="inline-label">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Offer it on the sign-in page
      </label>
      <fieldset className="platform-fieldset">
        <legend>Team mapping</legend>
        <p className="muted small">
          A person whose ID token has the claim with this value (or a list holding it) joins the team with the role, on every sign-in.
        </p>
        {mapping.length > 0 ? (
          <ol className="oidc-mapping">
            {mapping.map((row, index) => (
              <li key={row.key} className="oidc-mapping-row">
                <Field
                  label={`Claim ${index + 1}`}
                  value={row.claim}
                  onChange={(e) => update(row.key, { claim: e.target.value })}
                  maxLength={64}
                  placeholder="groups"
                  autoComplete="off"
                  spellCheck={false}
                />
                <Field
                  label={`Value ${index + 1}`}
                  value={row.value}
                  onChange={(e) => update(row.key, { value: e.target.value })}
                  maxLength={256}
                  autoComplete="off"
                  spellCheck={false}
                />
                <SelectField label={`Team ${index + 1}`} value={row.team_id} onChange={(e) => update(row.key, { team_id: e.target.value })}>
                  <option value="">Choose…</option>
                  {teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </SelectField>
                <SelectField label={`Role ${index + 1}`} value={row.role} onChange={(e) => update(row.key, { role: e.target.value })}>
                  {TEAM_ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </SelectField>
                <button
                  type="button"
                  className="button-danger button-small oidc-remove"
                  aria-label={`Remove mapping ${index + 1}`}
                  onClick={() => setMapping((rows) => rows.filter((r) => r.key !== row.key))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ol>
        ) : null}
        <div>
          <button
            type="button"
            className="button-secondary"
            disabled={mapping.length >= MAX_MAPPINGS}
            onClick={() => {
              setMapping((rows) => [...rows, { key: nextKey, claim: "groups", value: "", team_id: "", role: "viewer" }]);
              setNextKey((k) => k + 1);
            }}
          >
            Add a mapping
          </button>
        </div>
      </fieldset>
    </FormDialog>
  );
}
