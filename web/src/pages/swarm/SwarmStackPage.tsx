// One Swarm stack: its services (those labelled with its name), each linking to the service's own
// page, and for those who may Update (the deploy form again, with a new file) and Remove (its
// services, then its networks). While a service of the stack is rolling or short of tasks, the
// page reads the services again every two seconds, so that a deploy shows as it comes up.

import { useEffect, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useAction, useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { isSettling, servicePermissions, stackOf, useSwarmApi, type Service } from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { Facts, OutcomeNotice } from "../networks/ResourceParts";
import { POLL_MS } from "./ServiceDetailPage";
import { PortList, ReplicasText, RolloutBadge, serviceHref, type SectionProps } from "./SwarmParts";
import "../containers/containers.css";

/** What the deploy form sends a person here with, in the address. */
const DONE: Record<string, (name: string) => string> = {
  deployed: (name) => `Deployed the stack ${name}. Its tasks start as the managers schedule them.`,
  updated: (name) => `Updated the stack ${name}: services whose tasks changed are rolling over, and those the file no longer names are removed.`,
};

function ServicesTable({ env, name, services }: { env: string; name: string; services: Service[] }) {
  const columns: Column<Service>[] = [
    {
      id: "name",
      header: "Service",
      rowHeader: true,
      className: "cell-name mono",
      cell: (s) => <a href={serviceHref(env, s.id)}>{s.name}</a>,
    },
    { id: "image", header: "Image", className: "cell-wrap mono small", cell: (s) => s.image },
    { id: "mode", header: "Mode", cell: (s) => s.mode },
    { id: "replicas", header: "Running / desired", className: "cell-number", cell: (s) => <ReplicasText replicas={s.replicas} /> },
    { id: "ports", header: "Published ports", cell: (s) => <PortList ports={s.ports} /> },
    { id: "update", header: "Update", cell: (s) => <RolloutBadge status={s.update_status} /> },
  ];
  return <DataTable caption={`Services of ${name}`} columns={columns} rows={services} rowKey={(s) => s.id} empty="The stack has no services left." />;
}

export default function SwarmStackPage({ env, name }: SectionProps & { name: string }) {
  const swarm = useSwarmApi();
  const session = useSession();
  const route = useRoute();
  const teams = useTeamNames();
  const may = servicePermissions(session.canIn, env);
  // The stack's own entry holds its team; its services are read in full to list them.
  const stacks = useLoad((signal) => (name ? swarm.stacks(env, signal) : Promise.resolve([])), [swarm, env, name]);
  const services = useLoad((signal) => (name ? swarm.services(env, signal) : Promise.resolve([])), [swarm, env, name]);
  const stack = stacks.data?.find((s) => s.name === name);
  const own = (services.data ?? []).filter((s) => stackOf(s) === name).sort((a, b) => a.name.localeCompare(b.name));
  const loaded = stacks.data !== undefined && services.data !== undefined;
  const missing = loaded && !stack && own.length === 0;
  const removal = useAction();
  const [confirming, setConfirming] = useState(false);

  const done = route.query.get("done");
  const doneText = done && DONE[done] ? DONE[done](name) : null;
  const dismissDone = () => navigate("/swarm/stacks/view", { env, id: name }, true);

  const reload = () => {
    stacks.reload();
    services.reload();
  };

  // As on a service's page: the next read waits for the last answer, so a slow one is never cut short.
  const settling = own.some(isSettling);
  const reading = stacks.loading || services.loading;
  useEffect(() => {
    if (!settling || reading) return undefined;
    const timer = setTimeout(() => {
      stacks.reload();
      services.reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [settling, reading, stacks.data, services.data, stacks.reload, services.reload]);

  const remove = () =>
    removal.run(async () => {
      await swarm.removeStack(env, name);
      setConfirming(false);
      navigate("/swarm/stacks", { env, removed: name });
    });

  const running = own.reduce((sum, s) => sum + s.replicas.running, 0);
  const desired = own.reduce((sum, s) => sum + s.replicas.desired, 0);
  const team = stack?.team ?? own.find((s) => s.team)?.team ?? null;

  return (
    <>
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Stack </span>
          <span className="mono">{name || "Stack"}</span>
        </h1>
      </div>
      <p className="detail-sub muted">
        {env}
        {team ? ` · team ${teams.nameOf(team)}` : ""}
        {" · "}
        <Link to="/swarm/stacks" query={{ env }}>
          All stacks
        </Link>
      </p>

      {!name ? <p className="muted">No stack was named in the address.</p> : null}
      {name && !loaded && !stacks.error && !services.error ? <p role="status">Loading…</p> : null}
      <ErrorNotice error={stacks.error} prefix="Could not load the stacks" />
      <ErrorNotice error={services.error} prefix="Could not load the services" />
      {missing ? (
        <div className="notice notice-error" role="alert">
          <p>There is no such stack in this environment (it may have been removed).</p>
        </div>
      ) : null}
      {doneText && !missing ? <OutcomeNotice title={doneText} onDismiss={dismissDone} /> : null}

      {name && loaded && !missing ? (
        <>
          {settling ? (
            <p role="status" className="muted swarm-follow">
              {`${running} of ${desired} tasks running. Following the stack: its services are read again every ${POLL_MS / 1000} seconds until they settle.`}
            </p>
          ) : null}

          <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
            {may.create ? (
              <Link to="/swarm/stacks/update" query={{ env, id: name }} className="button-link">
                Update
              </Link>
            ) : null}
            <button type="button" className="button-secondary" disabled={removal.busy} onClick={reload}>
              Refresh
            </button>
            {may.remove ? (
              <button
                type="button"
                className="button-danger"
                disabled={removal.busy}
                onClick={() => {
                  removal.setError(null);
                  setConfirming(true);
                }}
              >
                Remove
              </button>
            ) : null}
          </div>

          <h2>Summary</h2>
          <Facts
            rows={[
              ["Services", String(own.length)],
              ["Tasks", <ReplicasText replicas={{ running, desired }} />],
              ["Team", team ? teams.nameOf(team) : "none"],
            ]}
          />

          <h2>Services</h2>
          <ServicesTable env={env} name={name} services={own} />

          <ConfirmDialog
            open={confirming}
            title={`Remove the stack ${name}?`}
            confirmLabel="Remove"
            danger
            busy={removal.busy}
            onConfirm={() => void remove()}
            onCancel={() => setConfirming(false)}
          >
            <p>
              Every service of <span className="mono">{name}</span> ({own.length}) is removed, its tasks stopped and their containers removed, and
              then the stack's networks. Its volumes stay on the nodes. This cannot be undone.
            </p>
            <ErrorNotice error={removal.error} prefix="Could not remove the stack" />
          </ConfirmDialog>
        </>
      ) : null}
    </>
  );
}
