// Event webhooks (#/webhooks): a team's subscriptions to platform events, or platform ones that
// hear every event; they belong to a team, not to an environment. The list shows name, URL, team
// (or Platform), events and whether each is enabled, each linking to its page
// (#/webhooks/view?id=…); #/webhooks/new is the form for a new one.

import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { mayCreateWebhook, scopeText, useWebhooksApi, type Webhook } from "../../lib/webhooks";
import { PlaceholderPage } from "../PlaceholderPage";
import { matches, OutcomeNotice, ResourceToolbar } from "../networks/ResourceParts";
import CreateWebhookPage from "./CreateWebhookPage";
import WebhookDetailPage from "./WebhookDetailPage";
import { EnabledBadge, EventChips, webhookHref } from "./WebhookParts";
import "./webhooks.css";

/** The webhook pages: the list, the form for a new one (`new`) and one subscription (`view`). */
export default function WebhooksPage({ section, id }: { section: string; id: string }) {
  if (section === "") return <WebhookListPage />;
  if (section === "new") return <CreateWebhookPage />;
  if (section === "view") return <WebhookDetailPage id={id} />;
  return <PlaceholderPage title="Page not found" message="There is no page at this address." />;
}

function WebhookListPage() {
  const webhooks = useWebhooksApi();
  const session = useSession();
  const route = useRoute();
  const teams = useTeamNames();
  const list = useLoad((signal) => webhooks.list(signal), [webhooks]);
  const known = useLoad((signal) => webhooks.eventTypes(signal), [webhooks]);
  const [filter, setFilter] = useState("");

  // The subscription's page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/webhooks", undefined, true);

  const canCreate = mayCreateWebhook(session.permissions);
  const scopeOf = (w: Webhook) => scopeText(w, teams.nameOf);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((w) => matches(filter, [w.name, w.url, scopeOf(w), ...w.events, w.enabled ? "enabled" : "disabled"]));

  const columns: Column<Webhook>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (w) => <a href={webhookHref(w.id)}>{w.name}</a>,
    },
    { id: "url", header: "URL", className: "cell-wrap", cell: (w) => <span className="mono">{w.url}</span> },
    { id: "team", header: "Team", cell: scopeOf },
    { id: "events", header: "Events", className: "cell-wrap", cell: (w) => <EventChips events={w.events} known={known.data ?? []} label={`Events of ${w.name}`} /> },
    { id: "state", header: "State", cell: (w) => <EnabledBadge enabled={w.enabled} /> },
  ];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Webhooks</h1>
      <p className="muted">
        Subscriptions to platform events: each event is posted as JSON to the subscription's URL, signed with its secret. A team's subscription hears
        the team's events; a platform one every event.
      </p>
      <ResourceToolbar
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, URL, team, event"
        onRefresh={list.reload}
        actions={
          canCreate ? (
            <Link to="/webhooks/new" className="button-link">
              New webhook
            </Link>
          ) : null
        }
      />
      {removed ? <OutcomeNotice title={`Deleted the webhook ${removed}.`} onDismiss={dismissRemoved} /> : null}
      <ErrorNotice error={list.error} prefix="Could not load the webhooks" />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      {list.loading ? <p role="status">Loading webhooks…</p> : null}
      <DataTable
        caption="Webhooks"
        columns={columns}
        rows={shown}
        rowKey={(w) => w.id}
        busy={list.loading}
        empty={
          list.error
            ? undefined
            : rows.length === 0
              ? canCreate
                ? "No webhooks yet."
                : "No webhooks you manage: managing a team's webhooks takes team:manage in the team."
              : "No webhook matches."
        }
      />
    </section>
  );
}
