// Pieces the registry pages share: where a registry's page is, the "plain HTTP" badge, the scope
// select of the create form and a labelled checkbox with its hint.

import { CheckField as SharedCheckField, SelectField, type CheckFieldProps } from "../../components/Field";
import { hrefFor } from "../../lib/router";
import type { ScopeOption } from "../../lib/registries";
import "../networks/resources.css";
import "./registries.css";

export function registryHref(id: string): string {
  return hrefFor("/registries/view", { id });
}

/** Said in words, never by colour alone: the registry is reached without TLS. */
export function InsecureBadge() {
  return <span className="badge badge-insecure">plain HTTP</span>;
}

/** The scope of a new registry: every team of an organization, or one team. */
export function ScopeSelect({
  options,
  value,
  onChange,
  error,
}: {
  options: ScopeOption[];
  value: string;
  onChange: (value: string) => void;
  error?: unknown;
}) {
  const organizations = options.filter((o) => o.kind === "organization");
  const teams = options.filter((o) => o.kind === "team");
  return (
    <SelectField
      label="Scope"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      hint="Who may pull with the stored login: every team of an organization, or one team."
    >
      {value === "" ? <option value="">Choose…</option> : null}
      {organizations.length > 0 ? (
        <optgroup label="Organization-wide">
          {organizations.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ) : null}
      {teams.length > 0 ? (
        <optgroup label="One team">
          {teams.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ) : null}
    </SelectField>
  );
}

/** A checkbox with its label and a hint tied to it. */
export function CheckField(props: Omit<CheckFieldProps, "className">) {
  return <SharedCheckField {...props} className="registry-check" />;
}
