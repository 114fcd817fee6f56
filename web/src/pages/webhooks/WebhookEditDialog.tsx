// Changing an event webhook: its name, URL, events and whether it is enabled. The scope stays (a
// subscription of another team is another subscription); the secret changes only by "Rotate
// secret".

import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useAction, useFocusInvalid } from "../../lib/hooks";
import {
  editOf,
  eventsProblem,
  isUrlProblem,
  webhookChanges,
  webhookNameProblem,
  webhookUrlProblem,
  useWebhooksApi,
  MAX_WEBHOOK_NAME,
  MAX_WEBHOOK_URL,
  type Webhook,
  type WebhookEdit,
} from "../../lib/webhooks";
import { CheckField, EventsField } from "./WebhookParts";
import "./webhooks.css";

export function WebhookEditDialog({
  webhook,
  known,
  knownLoading,
  knownError,
  onClose,
  onSaved,
}: {
  webhook: Webhook;
  /** The event types the server lists. */
  known: readonly string[];
  knownLoading?: boolean;
  knownError?: unknown;
  onClose: () => void;
  onSaved: (saved: Webhook | null) => void;
}) {
  const webhooks = useWebhooksApi();
  const [edit, setEdit] = useState<WebhookEdit>(() => editOf(webhook));
  const [problems, setProblems] = useState<Partial<Record<"name" | "url" | "events", string>>>({});
  const { busy, error, run } = useAction();
  const focus = useFocusInvalid();
  const set = (part: Partial<WebhookEdit>) => setEdit((current) => ({ ...current, ...part }));

  const urlRefused = isUrlProblem(error) ? error : null;

  const submit = async () => {
    const next: typeof problems = {};
    const badName = webhookNameProblem(edit.name);
    const badUrl = webhookUrlProblem(edit.url);
    const badEvents = eventsProblem(edit.events);
    if (badName) next.name = badName;
    if (badUrl) next.url = badUrl;
    if (badEvents) next.events = badEvents;
    setProblems(next);
    if (Object.keys(next).length > 0) {
      focus.refused();
      return;
    }
    const changes = webhookChanges(webhook, edit);
    if (!changes) {
      onSaved(null);
      return;
    }
    await run(
      async () => onSaved(await webhooks.update(webhook.id, changes)),
      () => {
        focus.refused();
      },
    );
  };

  return (
    <FormDialog
      title={`Edit ${webhook.name}`}
      submitLabel="Save"
      busyLabel="Saving…"
      busy={busy}
      wide
      onClose={onClose}
      onSubmit={submit}
      formClassName="webhook-form"
      noValidate
      formRef={focus.ref}
    >
      <Field
        label="Name"
        value={edit.name}
        onChange={(e) => set({ name: e.target.value })}
        error={problems.name}
        hint={`1 to ${MAX_WEBHOOK_NAME} characters.`}
        required
        maxLength={MAX_WEBHOOK_NAME}
        autoComplete="off"
      />
      <Field
        label="URL"
        type="url"
        value={edit.url}
        onChange={(e) => set({ url: e.target.value })}
        error={problems.url ?? urlRefused}
        alertError={!!urlRefused}
        hint="An http or https URL whose host has a public address (unless the server allows it)."
        required
        maxLength={MAX_WEBHOOK_URL}
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
      />
      <EventsField known={known} value={edit.events} onChange={(events) => set({ events })} error={problems.events} loading={knownLoading} loadError={knownError} />
      <CheckField label="Enabled" checked={edit.enabled} onChange={(enabled) => set({ enabled })} hint="A disabled webhook keeps its settings and is sent nothing." />
      <ErrorNotice error={urlRefused ? null : error} prefix={`Could not save ${webhook.name}`} />
    </FormDialog>
  );
}
