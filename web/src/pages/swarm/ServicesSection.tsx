// The services of a Swarm: name (with the stack it was deployed with), image, mode, tasks running
// of those wanted, published ports, where the last rolling update is, and team; each links to its
// page, and New service to the form for one.

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { portText, servicePermissions, stackOf, updateStateText, useSwarmApi, type Service } from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { matches, ResourceList, ResourceToolbar, TeamCell } from "../networks/ResourceParts";
import { PortList, ReplicasText, RolloutBadge, serviceHref, StackBadge, SwarmSummary, type SectionProps } from "./SwarmParts";

export default function ServicesSection({ choice, env, status }: SectionProps) {
  const swarm = useSwarmApi();
  const session = useSession();
  const route = useRoute();
  const teams = useTeamNames();
  const list = useLoad((signal) => swarm.services(env, signal), [swarm, env]);
  const [filter, setFilter] = useState("");
  const may = servicePermissions(session.canIn, env);

  // The service page sends a person here after a removal, naming what it removed.
  const removed = route.query.get("removed");
  const dismissRemoved = () => navigate("/swarm/services", { env }, true);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((s) =>
    matches(filter, [
      s.name,
      stackOf(s),
      s.image,
      s.mode,
      s.team ? teams.nameOf(s.team) : "",
      s.update_status ? updateStateText(s.update_status.state) : "",
      ...s.ports.map(portText),
    ]),
  );

  const columns: Column<Service>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name mono",
      cell: (s) => (
        <>
          <a href={serviceHref(env, s.id)}>{s.name}</a>
          <StackBadge env={env} name={stackOf(s)} />
        </>
      ),
    },
    { id: "image", header: "Image", className: "cell-wrap mono small", cell: (s) => s.image },
    { id: "mode", header: "Mode", cell: (s) => s.mode },
    { id: "replicas", header: "Running / desired", className: "cell-number", cell: (s) => <ReplicasText replicas={s.replicas} /> },
    { id: "ports", header: "Published ports", cell: (s) => <PortList ports={s.ports} /> },
    { id: "update", header: "Update", cell: (s) => <RolloutBadge status={s.update_status} /> },
    { id: "team", header: "Team", cell: (s) => <TeamCell id={s.team ?? ""} teams={teams} /> },
  ];

  return (
    <>
      <h1 id="page-title">Services</h1>
      <SwarmSummary status={status} />
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, image, team, port"
        onRefresh={list.reload}
        actions={
          may.create ? (
            <Link to="/swarm/services/new" query={{ env }} className="button-link">
              New service
            </Link>
          ) : null
        }
      />
      <ResourceList
        kind={{ one: "service", many: "services" }}
        choice={choice}
        list={list}
        total={rows.length}
        outcome={removed ? { title: `Removed the service ${removed}.` } : null}
        onDismissOutcome={dismissRemoved}
        columns={columns}
        rows={shown}
        rowKey={(s) => s.id}
      />
    </>
  );
}
