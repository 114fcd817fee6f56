// The Compose stacks of one environment: name, status, version, services and team; a link to
// each stack's page, and to the form for a new one.

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { composeServiceNames, type Stack } from "../../lib/stacks";
import { useTeamNames } from "../../lib/teams";
import { matches, ResourceList, ResourceToolbar, TeamCell } from "../networks/ResourceParts";
import { stackHref } from "./StackParts";
import "./stacks.css";

/** "2 services: db, web", from the file as written (the list carries no containers). */
function ServicesCell({ compose }: { compose: string }) {
  const names = useMemo(() => composeServiceNames(compose), [compose]);
  if (!names) return <span className="muted">—</span>;
  return (
    <>
      {names.length}
      {names.length > 0 ? <span className="muted small">{`: ${names.join(", ")}`}</span> : null}
    </>
  );
}

export default function StacksPage(_props: { env: string }) {
  const { stacks } = useServices();
  const session = useSession();
  const route = useRoute();
  const choice = useEnvironmentChoice();
  const env = choice.env;
  const teams = useTeamNames();
  const list = useLoad((signal) => (env ? stacks.list(env, signal) : Promise.resolve<Stack[]>([])), [stacks, env]);
  const [filter, setFilter] = useState("");

  // The stack page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/stacks", { env }, true);

  const canCreate = !!env && session.canIn("containers:create", env);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((s) => matches(filter, [s.name, s.status, s.team_id ? teams.nameOf(s.team_id) : ""]));

  const columns: Column<Stack>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name mono",
      cell: (s) => <a href={stackHref(env, s.name)}>{s.name}</a>,
    },
    { id: "status", header: "Status", cell: (s) => <StateBadge state={s.status} /> },
    { id: "version", header: "Version", className: "cell-number", cell: (s) => s.version },
    { id: "services", header: "Services", cell: (s) => <ServicesCell compose={s.compose} /> },
    { id: "team", header: "Team", cell: (s) => <TeamCell id={s.team_id} teams={teams} /> },
    {
      id: "updated",
      header: "Updated",
      cell: (s) => <time dateTime={s.updated_at} title={formatTime(s.updated_at)}>{formatRelative(s.updated_at)}</time>,
    },
  ];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Stacks</h1>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, status, team"
        onRefresh={list.reload}
        actions={
          canCreate ? (
            <Link to="/stacks/new" query={{ env }} className="button-link">
              New stack
            </Link>
          ) : null
        }
      />
      <ResourceList
        kind={{ one: "stack", many: "stacks" }}
        choice={choice}
        list={list}
        total={rows.length}
        outcome={removed ? { title: `Removed the stack ${removed}.` } : null}
        onDismissOutcome={dismissRemoved}
        columns={columns}
        rows={shown}
        rowKey={(s) => s.id || s.name}
      />
    </section>
  );
}
