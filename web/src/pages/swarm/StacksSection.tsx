// The stacks of a Swarm: Compose files deployed as `docker stack deploy` deploys them, each a set
// of services named <stack>_<service>. The list counts a stack's services and their tasks (running
// of those wanted) and names its team; each stack links to its page, and Deploy stack to the form.
// The server knows a stack only by its services' label: a stack is its services, and it has no
// file or state of its own to show.

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { servicePermissions, useSwarmApi, type SwarmStack } from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { matches, ResourceList, ResourceToolbar, TeamCell } from "../networks/ResourceParts";
import { ReplicasText, stackHref, SwarmSummary, type SectionProps } from "./SwarmParts";

export default function StacksSection({ choice, env, status }: SectionProps) {
  const swarm = useSwarmApi();
  const session = useSession();
  const route = useRoute();
  const teams = useTeamNames();
  const list = useLoad((signal) => swarm.stacks(env, signal), [swarm, env]);
  const [filter, setFilter] = useState("");
  const may = servicePermissions(session.canIn, env);

  // The stack page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/swarm/stacks", { env }, true);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((s) => matches(filter, [s.name, s.team ? teams.nameOf(s.team) : ""]));

  const columns: Column<SwarmStack>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name mono",
      cell: (s) => <a href={stackHref(env, s.name)}>{s.name}</a>,
    },
    { id: "team", header: "Team", cell: (s) => <TeamCell id={s.team ?? ""} teams={teams} /> },
    { id: "services", header: "Services", className: "cell-number", cell: (s) => s.services },
    {
      id: "tasks",
      header: "Running / desired tasks",
      className: "cell-number",
      cell: (s) => <ReplicasText replicas={{ running: s.running, desired: s.desired }} />,
    },
  ];

  return (
    <>
      <h1 id="page-title">Stacks</h1>
      <SwarmSummary status={status} />
      <p className="muted">
        Compose files deployed to the Swarm, as <span className="mono">docker stack deploy</span> does: the service{" "}
        <span className="mono">web</span> of the stack <span className="mono">shop</span> runs as the Swarm service{" "}
        <span className="mono">shop_web</span>.
      </p>
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, team"
        onRefresh={list.reload}
        actions={
          may.create ? (
            <Link to="/swarm/stacks/new" query={{ env }} className="button-link">
              Deploy stack
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
        rowKey={(s) => s.name}
      />
    </>
  );
}
