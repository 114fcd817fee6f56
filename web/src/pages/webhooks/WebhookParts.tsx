// Pieces the webhook pages share: where a subscription's page is, the enabled and delivery-state
// badges, the event chips, the scope select and the event checkboxes of the forms, and the panel
// that shows a secret once with Copy and how a receiver checks the signature.

import { useId, type ReactNode } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { CheckField as SharedCheckField, FieldError, SelectField, type CheckFieldProps } from "../../components/Field";
import { OneTimeSecret } from "../../components/OneTimeSecret";
import { hrefFor } from "../../lib/router";
import { deliveryStateClass, eventHint, orderedEvents, toggleEvent, verificationExample, type ScopeOption } from "../../lib/webhooks";
import "../networks/resources.css";
import "./webhooks.css";

export function webhookHref(id: string): string {
  return hrefFor("/webhooks/view", { id });
}

/** Said in words, never by colour alone. */
export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span className={`badge webhook-enabled ${enabled ? "webhook-on" : "webhook-off"}`}>{enabled ? "enabled" : "disabled"}</span>;
}

/** A delivery's state: the word, with a colour that only adds to it. */
export function DeliveryStateBadge({ state }: { state: string }) {
  return <span className={deliveryStateClass(state)}>{state || "unknown"}</span>;
}

/** The events a subscription hears, as a compact list of chips. */
export function EventChips({ events, known = [], label }: { events: readonly string[]; known?: readonly string[]; label?: string }) {
  const ordered = orderedEvents(events, known);
  if (ordered.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="webhook-events" aria-label={label}>
      {ordered.map((type) => (
        <li key={type} className="webhook-event mono">
          {type}
        </li>
      ))}
    </ul>
  );
}

/** The scope of a new subscription: the platform (administrators) or one team. */
export function ScopeSelect({ options, value, onChange, error }: { options: ScopeOption[]; value: string; onChange: (value: string) => void; error?: unknown }) {
  const platform = options.filter((o) => o.kind === "platform");
  const teams = options.filter((o) => o.kind === "team");
  return (
    <SelectField
      label="Scope"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      hint="Whose events it hears: one team's, or every event of the platform (administrators only)."
    >
      {value === "" ? <option value="">Choose…</option> : null}
      {platform.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
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

/**
 * The events to hear, one checkbox each, in the order the server lists them (`known`); an event
 * chosen that the server no longer lists stays, so that it can be taken away.
 */
export function EventsField({
  known,
  value,
  onChange,
  error,
  loading,
  loadError,
}: {
  known: readonly string[];
  value: readonly string[];
  onChange: (events: string[]) => void;
  error?: unknown;
  loading?: boolean;
  loadError?: unknown;
}) {
  const id = useId();
  const types = orderedEvents([...known, ...value], known);
  const chosen = new Set(value);
  return (
    <fieldset className="webhook-events-field" aria-describedby={error ? `${id}-problem` : undefined}>
      <legend>Events</legend>
      {loading && types.length === 0 ? <p role="status">Loading the event types…</p> : null}
      <ErrorNotice error={loadError} prefix="Could not load the event types" />
      {types.length > 0 ? (
        <>
          <div className="webhook-events-tools">
            <button type="button" className="button-secondary button-small" onClick={() => onChange([...types])}>
              Select all
            </button>
            <button type="button" className="button-secondary button-small" onClick={() => onChange([])}>
              Clear
            </button>
          </div>
          <ul className="webhook-check-grid">
            {types.map((type) => {
              const hint = eventHint(type);
              return (
                <li key={type}>
                  <input
                    type="checkbox"
                    id={`${id}-${type}`}
                    checked={chosen.has(type)}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={[error ? `${id}-problem` : "", hint ? `${id}-${type}-hint` : ""].filter(Boolean).join(" ") || undefined}
                    onChange={(e) => onChange(toggleEvent(value, type, e.target.checked))}
                  />
                  <label htmlFor={`${id}-${type}`} className="mono">
                    {type}
                  </label>
                  {hint ? (
                    <span id={`${id}-${type}-hint`} className="muted small">
                      {hint}
                    </span>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
      <FieldError id={`${id}-problem`} error={error} />
    </fieldset>
  );
}

/** A checkbox with its label and a hint tied to it. */
export function CheckField(props: Omit<CheckFieldProps, "className" | "disabled">) {
  return <SharedCheckField {...props} className="webhook-check" />;
}

/**
 * A signing secret just made (by a create or a rotation), in a read-only field with Copy, and how
 * a receiver checks a delivery with it. The secret lives only in the page's state: it is never
 * shown again once the panel goes.
 */
export function SecretPanel({ name, secret, children }: { name: string; secret: string; children?: ReactNode }) {
  return (
    <OneTimeSecret
      className="webhook-secret-panel"
      notice={
        <>
          <strong>Copy the secret now: it will not be shown again.</strong> Deliveries of <strong>{name}</strong> are signed with it; keep it where
          only the receiver can read it.
        </>
      }
      label="Signing secret"
      value={secret}
      fieldClassName="mono webhook-secret"
      noun="secret"
    >
      <h3>Checking a delivery</h3>
      <p>
        Each delivery is a <span className="mono">POST</span> of JSON with two headers: <span className="mono">X-Dokkerr-Timestamp</span> (unix
        seconds) and <span className="mono">X-Dokkerr-Signature: sha256=…</span>, the hex HMAC-SHA256 with this secret of the timestamp, a dot and the
        body as received: <span className="mono">sha256=hex(HMAC-SHA256(secret, timestamp + &quot;.&quot; + body))</span>. Compute it, compare it in
        constant time and refuse old timestamps (more than a few minutes), so that a recorded delivery cannot be replayed.
      </p>
      <pre className="webhook-example">{verificationExample()}</pre>
      {children ? <div className="form-actions">{children}</div> : null}
    </OneTimeSecret>
  );
}
