// The Compose stacks of one environment: name, status, version, services and team; a link to
// each stack's page, and to the form for a new one. A stack one of whose images has a newer digest
// in its registry (as the environment's last image update check found) is marked, and so is one
// that is redeployed automatically when that happens, and one whose file is read from Git.

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { imagesWithUpdates, updatesByImage, useImageUpdatesApi, type ImageUpdate } from "../../lib/imageUpdates";
import { Link, navigate, useRoute } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { composeServiceNames, type Stack } from "../../lib/stacks";
import { useTeamNames } from "../../lib/teams";
import { matches, ResourceList, ResourceToolbar, TeamCell } from "../networks/ResourceParts";
import { UpdateStatusBadge } from "../images/UpdateParts";
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

/** The status; whether an update is available for the stack's images or it takes them itself; whether its file is from Git. */
function StatusCell({ stack, updated }: { stack: Stack; updated: string[] }) {
  return (
    <>
      <StateBadge state={stack.status} />
      {updated.length > 0 ? <UpdateStatusBadge status="update_available" title={`Newer in the registry: ${updated.join(", ")}`} /> : null}
      {stack.auto_update ? (
        <span className="badge" title="Redeployed automatically when an image update is found">
          auto-update
        </span>
      ) : null}
      {stack.git ? (
        <span className="badge" title={`The file is read from ${stack.git.url} (${stack.git.ref}, ${stack.git.path})`}>
          Git
        </span>
      ) : null}
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
  // The last update check's results, read with each load of the list; without them (no
  // images:read, or a failure) the list is shown without the marks.
  const updatesApi = useImageUpdatesApi();
  const readUpdates = !!env && session.canIn("images:read", env);
  const updates = useLoad(
    (signal) => (readUpdates ? updatesApi.list(env, signal).catch(() => [] as ImageUpdate[]) : Promise.resolve<ImageUpdate[]>([])),
    [updatesApi, env, readUpdates],
  );
  const byImage = useMemo(() => updatesByImage(updates.data ?? []), [updates.data]);
  const reload = () => {
    list.reload();
    updates.reload();
  };
  const [filter, setFilter] = useState("");

  // The stack page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/stacks", { env }, true);

  const canCreate = !!env && session.canIn("containers:create", env);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((s) =>
    matches(filter, [
      s.name,
      s.status,
      s.team_id ? teams.nameOf(s.team_id) : "",
      imagesWithUpdates(s.images, byImage).length > 0 ? "update available" : "",
      s.auto_update ? "auto-update" : "",
      s.git ? "git" : "",
    ]),
  );

  const columns: Column<Stack>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name mono",
      cell: (s) => <a href={stackHref(env, s.name)}>{s.name}</a>,
    },
    { id: "status", header: "Status", cell: (s) => <StatusCell stack={s} updated={imagesWithUpdates(s.images, byImage)} /> },
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
        onRefresh={reload}
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
