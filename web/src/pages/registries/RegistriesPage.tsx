// Stored container registries (#/registries): they belong to an organization or one of its teams,
// not to an environment. The list shows name, address, scope, user and whether the registry is
// reached over plain HTTP, each linking to its page (#/registries/view?id=…); #/registries/new is
// the form for a new one.

import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { mayCreateRegistry, scopeText, useOrganizationNames, useRegistriesApi, type Registry } from "../../lib/registries";
import { Link, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { PlaceholderPage } from "../PlaceholderPage";
import { matches, OutcomeNotice, ResourceToolbar } from "../networks/ResourceParts";
import CreateRegistryPage from "./CreateRegistryPage";
import RegistryDetailPage from "./RegistryDetailPage";
import { InsecureBadge, registryHref } from "./RegistryParts";
import "./registries.css";

/** The registry pages: the list, the form for a new one (`new`) and one registry (`view`). */
export default function RegistriesPage({ section, id }: { section: string; id: string }) {
  if (section === "") return <RegistryListPage />;
  if (section === "new") return <CreateRegistryPage />;
  if (section === "view") return <RegistryDetailPage id={id} />;
  return <PlaceholderPage title="Page not found" message="There is no page at this address." />;
}

function RegistryListPage() {
  const registries = useRegistriesApi();
  const session = useSession();
  const route = useRoute();
  const teams = useTeamNames();
  const orgs = useOrganizationNames();
  const list = useLoad((signal) => registries.list(signal), [registries]);
  const [filter, setFilter] = useState("");

  // The registry page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/registries", undefined, true);

  const canCreate = mayCreateRegistry(session.permissions);
  const scopeOf = (r: Registry) => scopeText(r, teams.nameOf, orgs.nameOf);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((r) => matches(filter, [r.name, r.address, scopeOf(r), r.username, r.insecure ? "plain HTTP" : ""]));

  const columns: Column<Registry>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (r) => <a href={registryHref(r.id)}>{r.name}</a>,
    },
    {
      id: "address",
      header: "Address",
      className: "cell-wrap",
      cell: (r) => (
        <>
          <span className="mono">{r.address}</span>
          {r.insecure ? <InsecureBadge /> : null}
        </>
      ),
    },
    { id: "scope", header: "Scope", cell: scopeOf },
    {
      id: "user",
      header: "User",
      className: "cell-wrap",
      cell: (r) => (r.username ? <span className="mono">{r.username}</span> : <span className="muted">—</span>),
    },
    {
      id: "updated",
      header: "Updated",
      cell: (r) => <time dateTime={r.updated_at} title={formatTime(r.updated_at)}>{formatRelative(r.updated_at)}</time>,
    },
  ];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Registries</h1>
      <p className="muted">Container registries and the login the engines present to them when they pull, kept for an organization or one of its teams.</p>
      <ResourceToolbar
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, address, scope, user"
        onRefresh={list.reload}
        actions={
          canCreate ? (
            <Link to="/registries/new" className="button-link">
              New registry
            </Link>
          ) : null
        }
      />
      {removed ? <OutcomeNotice title={`Removed the registry ${removed}.`} onDismiss={dismissRemoved} /> : null}
      <ErrorNotice error={list.error} prefix="Could not load the registries" />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      {list.loading ? <p role="status">Loading registries…</p> : null}
      <DataTable
        caption="Registries"
        columns={columns}
        rows={shown}
        rowKey={(r) => r.id}
        busy={list.loading}
        empty={list.error ? undefined : rows.length === 0 ? "No registries are stored for your teams." : "No registry matches."}
      />
    </section>
  );
}
