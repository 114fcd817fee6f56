// A new event webhook: its name, the URL events are posted to, the scope (a team the caller
// manages, or for administrators the platform, which hears every event), the events and whether
// it is enabled. Once stored, the page shows the signing secret once, with Copy and how a
// receiver checks a delivery, and leads on to the subscription's page.

import { useState, type FormEvent } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction, useFocusInvalid, useLoad } from "../../lib/hooks";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import {
  eventsProblem,
  isUrlProblem,
  mayCreateWebhook,
  scopeBody,
  scopeOptions,
  useWebhooksApi,
  webhookNameProblem,
  webhookUrlProblem,
  MAX_WEBHOOK_NAME,
  MAX_WEBHOOK_URL,
  type CreatedWebhook,
} from "../../lib/webhooks";
import { CheckField, EventsField, ScopeSelect, SecretPanel } from "./WebhookParts";
import "./webhooks.css";

export default function CreateWebhookPage() {
  const session = useSession();
  const mayCreate = mayCreateWebhook(session.permissions);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">New webhook</h1>
      <div className="toolbar">
        <Link to="/webhooks">Back to the webhooks</Link>
      </div>
      {session.loading && !session.permissions ? <p role="status">Loading…</p> : null}
      {session.permissions && !mayCreate ? (
        <div className="notice notice-info">
          <p>
            You may not make webhooks: that takes <span className="mono">team:manage</span> in a team (administrators may also make platform
            webhooks).
          </p>
        </div>
      ) : null}
      {created ? <Created webhook={created} /> : mayCreate ? <CreateWebhookForm onCreated={setCreated} /> : null}
    </section>
  );
}

/** What follows a create: the secret, shown this once, and the way on. */
function Created({ webhook }: { webhook: CreatedWebhook }) {
  return (
    <>
      <p role="status" className="notice notice-info">
        Created the webhook {webhook.name}.
      </p>
      <h2>Its signing secret</h2>
      <SecretPanel name={webhook.name} secret={webhook.secret}>
        <Link to="/webhooks/view" query={{ id: webhook.id }} className="button-link">
          Open the webhook
        </Link>
      </SecretPanel>
    </>
  );
}

type Problems = Partial<Record<"name" | "url" | "scope" | "events", string>>;

function CreateWebhookForm({ onCreated }: { onCreated: (created: CreatedWebhook) => void }) {
  const webhooks = useWebhooksApi();
  const session = useSession();
  const teams = useTeamNames();
  const known = useLoad((signal) => webhooks.eventTypes(signal), [webhooks]);
  const options = scopeOptions(session.permissions, teams.teams);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [chosenScope, setScope] = useState<string | null>(null);
  // The first scope offered unless the person chose another (the teams load after the form shows).
  const scope = chosenScope ?? options[0]?.value ?? "";
  const [events, setEvents] = useState<string[]>([]);
  const [enabled, setEnabled] = useState(true);
  const [problems, setProblems] = useState<Problems>({});
  const { busy, error, run } = useAction();
  const focus = useFocusInvalid();

  // Problems the server names a field for are shown at the field.
  const urlRefused = isUrlProblem(error) ? error : null;
  const pageError = urlRefused ? null : error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = scopeBody(scope);
    const next: Problems = {};
    const badName = webhookNameProblem(name);
    const badUrl = webhookUrlProblem(url);
    const badEvents = eventsProblem(events);
    if (badName) next.name = badName;
    if (badUrl) next.url = badUrl;
    if (!body) next.scope = "Choose whose events it hears.";
    if (badEvents) next.events = badEvents;
    setProblems(next);
    if (Object.keys(next).length > 0 || !body) {
      focus.refused();
      return;
    }
    await run(
      async () => {
        const made = await webhooks.create({ name: name.trim(), url: url.trim(), events: [...events], ...body, enabled });
        onCreated(made);
      },
      () => {
        focus.refused();
      },
    );
  };

  return (
    <form ref={focus.ref} className="webhook-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy || undefined}>
      <Field
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={problems.name}
        hint={`1 to ${MAX_WEBHOOK_NAME} characters.`}
        required
        maxLength={MAX_WEBHOOK_NAME}
        autoComplete="off"
      />
      <Field
        label="URL"
        type="url"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={problems.url ?? urlRefused}
        alertError={!!urlRefused}
        hint="Where the events are posted: an http or https URL whose host has a public address (unless the server allows it)."
        placeholder="https://hooks.example.com/dokkerr"
        required
        maxLength={MAX_WEBHOOK_URL}
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
      />
      <ScopeSelect options={options} value={scope} onChange={setScope} error={problems.scope} />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <EventsField known={known.data ?? []} value={events} onChange={setEvents} error={problems.events} loading={known.loading} loadError={known.error} />
      <CheckField label="Enabled" checked={enabled} onChange={setEnabled} hint="A disabled webhook keeps its settings and is sent nothing." />
      <ErrorNotice error={pageError} prefix="Could not make the webhook" />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Create webhook"}
        </button>
      </div>
    </form>
  );
}
