// Pieces the Swarm pages share: where a service's and a stack's page are, the badges of a
// rollout and of a stack, the replica count, published ports, a labelled multi-line editor and the word on an
// environment whose engine does not manage a Swarm.

import type { EnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime } from "../../lib/format";
import { hrefFor } from "../../lib/router";
import { portText, updateStateText, type Service, type ServicePort, type SwarmStatus, type UpdateStatus } from "../../lib/swarm";
import "../networks/resources.css";
import "./swarm.css";

/** What the Swarm page hands each of its sections. */
export interface SectionProps {
  choice: EnvironmentChoice;
  env: string;
  status: SwarmStatus;
}

export function serviceHref(env: string, id: string, tab?: string): string {
  return hrefFor("/swarm/services/view", { env, id, tab });
}

/** A stack's page: its name is its id. */
export function stackHref(env: string, name: string): string {
  return hrefFor("/swarm/stacks/view", { env, id: name });
}

/** The stack a service belongs to, as a small badge linking to the stack's page. */
export function StackBadge({ env, name }: { env: string; name: string | null }) {
  if (!name) return null;
  return (
    <a className="badge stack-badge mono" href={stackHref(env, name)} title={`Deployed with the stack ${name}`}>
      <span className="visually-hidden">stack </span>
      {name}
    </a>
  );
}

const ROLLOUT_KIND: Record<string, string> = {
  updating: "busy",
  rollback_started: "busy",
  completed: "done",
  rollback_completed: "done",
  paused: "stuck",
  rollback_paused: "stuck",
};

/** Where the last update or rollback is: the words always show, the colour only adds to them. */
export function RolloutBadge({ status }: { status: UpdateStatus | null | undefined }) {
  if (!status || !status.state) return null;
  return (
    <span className={`badge rollout rollout-${ROLLOUT_KIND[status.state] ?? "other"}`} title={status.message || undefined}>
      {updateStateText(status.state)}
    </span>
  );
}

/** "2/3": tasks running of those wanted, marked while they differ. */
export function ReplicasText({ replicas }: { replicas: Service["replicas"] }) {
  const short = replicas.running !== replicas.desired;
  return (
    <span className={short ? "replicas replicas-short" : "replicas"} title={`${replicas.running} running of ${replicas.desired} wanted`}>
      {replicas.running}/{replicas.desired}
    </span>
  );
}

export function PortList({ ports }: { ports: readonly ServicePort[] | null | undefined }) {
  if (!ports || ports.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="value-list mono small swarm-ports">
      {ports.map((port, i) => (
        <li key={i}>{portText(port)}</li>
      ))}
    </ul>
  );
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={formatTime(at)}>
      {formatRelative(at)}
    </time>
  );
}

/** Why the Swarm pages show nothing for an environment, and what would change that. */
export function NotManagerNotice({ status }: { status: SwarmStatus }) {
  let why: string;
  if (status.state === "locked") {
    why = "Its Swarm is locked: the managers' keys are sealed until someone unlocks it on the engine (docker swarm unlock).";
  } else if (status.state === "active") {
    why = "Its engine is a worker node of a Swarm. Services, stacks, nodes, secrets and configs are managed through a manager: add a manager's engine as an environment to manage them here.";
  } else if (status.state === "pending") {
    why = "Its engine is still joining a Swarm.";
  } else if (status.state === "error") {
    why = "Its engine reports a Swarm error.";
  } else {
    why = "Its engine is not part of a Swarm. Services, stacks, nodes, secrets and configs exist only in Swarm mode: run docker swarm init on the engine, or pick an environment whose engine is a manager.";
  }
  return (
    <div className="notice notice-info swarm-empty">
      <h2>This environment is not a Swarm manager</h2>
      <p>{why}</p>
      <p className="muted small">Swarm state: {status.state || "unknown"}</p>
    </div>
  );
}

/** "Swarm active · 3 nodes, 1 manager". */
export function SwarmSummary({ status }: { status: SwarmStatus }) {
  return (
    <p className="muted swarm-summary">
      Swarm {status.state} · {status.nodes} node{status.nodes === 1 ? "" : "s"}, {status.managers} manager{status.managers === 1 ? "" : "s"}
      {status.cluster_id ? (
        <>
          {" · cluster "}
          <span className="mono" title={status.cluster_id}>
            {status.cluster_id.slice(0, 12)}
          </span>
        </>
      ) : null}
    </p>
  );
}
