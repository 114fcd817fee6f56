// The nodes of a Swarm: hostname, role (and which manager leads), state, availability, engine
// version and address. Platform admins (environments:manage) may drain a node (its tasks move to
// other nodes), pause it (it keeps its tasks and gets no new ones) or make it active again; the
// server refuses anyone else, so the buttons show for them only.

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { useAction, useLoad } from "../../lib/hooks";
import { useSession } from "../../lib/session";
import { mayManageNodes, useSwarmApi, type NodeAvailability, type SwarmNode } from "../../lib/swarm";
import { matches, ResourceList, ResourceToolbar, type Outcome } from "../networks/ResourceParts";
import { SwarmSummary, type SectionProps } from "./SwarmParts";

const ACTIONS: { availability: NodeAvailability; label: string; done: string }[] = [
  { availability: "active", label: "Activate", done: "is active: it takes new tasks" },
  { availability: "pause", label: "Pause", done: "is paused: it keeps its tasks and takes no new ones" },
  { availability: "drain", label: "Drain", done: "is draining: its tasks move to other nodes" },
];

export default function NodesSection({ choice, env, status }: SectionProps) {
  const swarm = useSwarmApi();
  const session = useSession();
  const admin = mayManageNodes(session.canIn, env);
  const list = useLoad((signal) => swarm.nodes(env, signal), [swarm, env]);
  const [filter, setFilter] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [draining, setDraining] = useState<SwarmNode | null>(null);
  const change = useAction();

  const rows = useMemo(
    // Managers first, the leader at the top; then by hostname.
    () => [...(list.data ?? [])].sort((a, b) => Number(b.leader) - Number(a.leader) || a.role.localeCompare(b.role) || a.hostname.localeCompare(b.hostname)),
    [list.data],
  );
  const shown = rows.filter((n) => matches(filter, [n.hostname, n.role, n.state, n.availability, n.address, n.engine_version, n.leader ? "leader" : ""]));

  const setAvailability = (node: SwarmNode, availability: NodeAvailability) =>
    change.run(async () => {
      await swarm.setAvailability(env, node.id, availability);
      setDraining(null);
      setOutcome({ title: `${node.hostname} ${ACTIONS.find((a) => a.availability === availability)!.done}.` });
      list.reload();
    });

  const act = (node: SwarmNode, availability: NodeAvailability) => {
    setOutcome(null);
    // Draining stops every task on the node: it is asked first.
    if (availability === "drain") {
      change.setError(null);
      setDraining(node);
    } else {
      void setAvailability(node, availability);
    }
  };

  const columns: Column<SwarmNode>[] = [
    {
      id: "hostname",
      header: "Hostname",
      rowHeader: true,
      className: "cell-name",
      cell: (n) => (
        <>
          <span className="mono">{n.hostname}</span>
          {n.id === status.node_id ? <span className="muted small">this environment's engine</span> : null}
        </>
      ),
    },
    {
      id: "role",
      header: "Role",
      cell: (n) => (
        <>
          {n.role}
          {n.leader ? <span className="badge leader-badge">leader</span> : null}
        </>
      ),
    },
    { id: "state", header: "State", cell: (n) => <StateBadge state={n.state} /> },
    { id: "availability", header: "Availability", cell: (n) => <span className={`badge availability-${n.availability}`}>{n.availability}</span> },
    { id: "engine", header: "Engine", className: "mono small", cell: (n) => n.engine_version || "—" },
    { id: "address", header: "Address", className: "mono small", cell: (n) => n.address || "—" },
  ];
  if (admin) {
    columns.push({
      id: "actions",
      header: "Actions",
      cell: (n) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${n.hostname}`}>
          {ACTIONS.filter((a) => a.availability !== n.availability).map((a) => (
            <button
              key={a.availability}
              type="button"
              className={a.availability === "drain" ? "button-danger" : "button-secondary"}
              disabled={change.busy}
              onClick={() => act(n, a.availability)}
            >
              {a.label}
            </button>
          ))}
        </div>
      ),
    });
  }

  return (
    <>
      <h1 id="page-title">Nodes</h1>
      <SwarmSummary status={status} />
      <ResourceToolbar choice={choice} filter={filter} onFilter={setFilter} placeholder="Hostname, role, state, address" onRefresh={list.reload} />
      {!draining ? <ErrorNotice error={change.error} prefix="Could not change the node's availability" /> : null}
      <ResourceList
        kind={{ one: "node", many: "nodes" }}
        choice={choice}
        list={list}
        total={rows.length}
        outcome={outcome}
        onDismissOutcome={() => setOutcome(null)}
        columns={columns}
        rows={shown}
        rowKey={(n) => n.id}
      />
      {draining ? (
        <ConfirmDialog
          open
          title={`Drain ${draining.hostname}?`}
          confirmLabel="Drain"
          danger
          busy={change.busy}
          onConfirm={() => void setAvailability(draining, "drain")}
          onCancel={() => setDraining(null)}
        >
          <p>
            Every task on <span className="mono">{draining.hostname}</span> is stopped and started again on other nodes, and the node takes no new
            tasks until it is made active again. A service whose constraints only this node meets stops running.
          </p>
          <ErrorNotice error={change.error} prefix="Could not drain the node" />
        </ConfirmDialog>
      ) : null}
    </>
  );
}
