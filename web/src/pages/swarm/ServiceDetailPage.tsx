// One Swarm service: what it runs and where its last rolling update is, its tasks, its log for
// those who may read it, and for those who may change it Scale, Edit (the service form from its
// spec; saving starts a rolling update), Roll back (to the spec before the last update) and
// Remove. While an update or a rollback rolls, or fewer tasks run than wanted, the page reads the
// service and its tasks again every two seconds so that the rollout shows as it goes. The tab is
// in the address (replaced, not pushed), so a reload or a shared link opens the same tab.

import { useEffect, useId, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { StateBadge } from "../../components/StateBadge";
import { Tabs, type TabItem } from "../../components/Tabs";
import { isApiError } from "../../lib/api";
import { shortId } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import {
  isSettling,
  mayReadServiceLogs,
  servicePermissions,
  stackOf,
  updateStateText,
  useSwarmApi,
  type Service,
  type ServiceSpec,
  type Task,
} from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { Facts, OutcomeNotice } from "../networks/ResourceParts";
import { parseWhole, MAX_REPLICAS } from "./serviceForm";
import { ServiceForm } from "./ServiceForm";
import { ServiceLogsTab } from "./ServiceLogsTab";
import { PortList, ReplicasText, RolloutBadge, stackHref, When, type SectionProps } from "./SwarmParts";
import "../containers/containers.css";

/** How often a service on its way somewhere is read again. */
export const POLL_MS = 2000;

const TABS: (TabItem & { needs?: "logs" | "change" })[] = [
  { id: "tasks", label: "Tasks" },
  { id: "logs", label: "Logs", needs: "logs" },
  { id: "edit", label: "Edit", needs: "change" },
];

type Busy = "scale" | "rollback" | "remove" | null;

function byName(list: { name: string }[] | undefined): string {
  return (list ?? []).map((item) => item.name).join(", ");
}

function TasksTable({ name, tasks }: { name: string; tasks: Task[] }) {
  // Slots in order, the newest task of a slot first: the one running above those it replaced.
  const rows = [...tasks].sort(
    (a, b) => (a.slot ?? Number.MAX_SAFE_INTEGER) - (b.slot ?? Number.MAX_SAFE_INTEGER) || b.created.localeCompare(a.created) || a.node.localeCompare(b.node),
  );
  const columns: Column<Task>[] = [
    { id: "slot", header: "Slot", className: "cell-number", cell: (t) => (t.slot === null ? <span className="muted">—</span> : t.slot) },
    { id: "node", header: "Node", rowHeader: true, className: "cell-name mono", cell: (t) => t.node || shortId(t.node_id) },
    { id: "state", header: "State", cell: (t) => <StateBadge state={t.state} /> },
    { id: "desired", header: "Desired state", cell: (t) => t.desired_state },
    {
      id: "message",
      header: "Error / message",
      className: "cell-wrap swarm-task-note",
      cell: (t) =>
        t.error ? (
          <span className="swarm-task-error">{t.error}</span>
        ) : (
          <>
            {t.message || <span className="muted">—</span>}
            {t.exit_code !== null && t.exit_code !== 0 ? <span className="muted small">{` (exit code ${t.exit_code})`}</span> : null}
          </>
        ),
    },
    { id: "container", header: "Container", className: "mono", cell: (t) => (t.container_id ? <span title={t.container_id}>{shortId(t.container_id)}</span> : <span className="muted">—</span>) },
    { id: "updated", header: "Updated", cell: (t) => <When at={t.updated} /> },
  ];
  return <DataTable caption={`Tasks of ${name}`} columns={columns} rows={rows} rowKey={(t) => t.id} empty="The service has no tasks." />;
}

/** The number of tasks wanted, changed at once (no rolling update: tasks are added or stopped). */
function ScaleForm({ service, busy, onScale }: { service: Service; busy: boolean; onScale: (replicas: number) => void }) {
  const [value, setValue] = useState(String(service.replicas.desired));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const replicas = parseWhole(value, 0, MAX_REPLICAS, "Replicas");
    if (typeof replicas === "string") {
      setProblem(replicas);
      return;
    }
    setProblem(null);
    onScale(replicas);
  };
  return (
    <form className="swarm-scale" onSubmit={submit} noValidate aria-label={`Scale ${service.name}`}>
      <Field
        label="Replicas"
        type="number"
        inputMode="numeric"
        min={0}
        max={MAX_REPLICAS}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        error={problem}
      />
      <button type="submit" disabled={busy}>
        {busy ? "Scaling…" : "Scale"}
      </button>
    </form>
  );
}

function Summary({ env, service, teamName }: { env: string; service: Service; teamName: (id: string) => string }) {
  const spec = service.spec;
  const stack = stackOf(service);
  return (
    <Facts
      rows={[
        ["Stack", stack ? <a className="mono" href={stackHref(env, stack)}>{stack}</a> : null],
        ["Image", <span className="mono">{service.image}</span>],
        ["Mode", service.mode],
        ["Tasks", <ReplicasText replicas={service.replicas} />],
        ["Published ports", <PortList ports={service.ports} />],
        ["Command", spec.command && spec.command.length > 0 ? <span className="mono">{spec.command.join(" ")}</span> : null],
        ["Constraints", spec.constraints && spec.constraints.length > 0 ? <span className="mono">{spec.constraints.join(", ")}</span> : null],
        ["Secrets", byName(spec.secrets) ? <span className="mono">{byName(spec.secrets)}</span> : null],
        ["Configs", byName(spec.configs) ? <span className="mono">{byName(spec.configs)}</span> : null],
        ["Networks", spec.networks && spec.networks.length > 0 ? <span className="mono">{spec.networks.join(", ")}</span> : null],
        [
          "Rolling updates",
          spec.update
            ? `${spec.update.parallelism ?? 1} at a time, ${spec.update.delay_seconds ?? 0} s apart, ${spec.update.order ?? "stop-first"}, on failure ${spec.update.failure_action ?? "pause"}`
            : null,
        ],
        ["Team", service.team ? teamName(service.team) : "none"],
        ["ID", <span className="mono">{service.id}</span>],
        ["Version", String(service.version)],
        ["Created", <When at={service.created} />],
        ["Updated", <When at={service.updated} />],
      ]}
    />
  );
}

/** Where the last update or rollback is, in words, with the engine's message. */
function RolloutNotice({ service }: { service: Service }) {
  const status = service.update_status;
  if (!status || !status.state) return null;
  const stuck = status.state === "paused" || status.state === "rollback_paused";
  return (
    <div className={stuck ? "notice notice-error" : "notice notice-info"}>
      <p>
        {stuck ? "The last rolling update is paused: " : "Rolling update: "}
        {updateStateText(status.state)}
        {status.message ? ` — ${status.message}` : "."}
      </p>
      {stuck ? <p className="muted small">Edit the service to try again, or roll back to the spec it had before.</p> : null}
    </div>
  );
}

export default function ServiceDetailPage({ env, id, tab }: SectionProps & { id: string; tab: string }) {
  const swarm = useSwarmApi();
  const session = useSession();
  const teams = useTeamNames();
  const loaded = useLoad<Service | undefined>((signal) => (id ? swarm.get(env, id, signal) : Promise.resolve(undefined)), [swarm, env, id]);
  const tasks = useLoad<Task[]>((signal) => (id ? swarm.tasks(env, id, signal) : Promise.resolve([])), [swarm, env, id]);
  const notFound = isApiError(loaded.error) && loaded.error.status === 404;
  const service = notFound ? undefined : loaded.data;
  const name = service?.name ?? "";
  const may = servicePermissions(session.canIn, env);
  const rollbackHint = useId();

  const [busy, setBusy] = useState<Busy>(null);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<"rollback" | "remove" | null>(null);
  const edit = useAction();

  const mayReadLogs = mayReadServiceLogs(session.permissions, session.teamsWith, env, service?.team ?? null);
  const tabs = TABS.filter((t) => (t.needs === "change" ? may.change : t.needs === "logs" ? mayReadLogs : true));
  const current = tabs.some((t) => t.id === tab) ? tab : "tasks";
  const selectTab = (next: string) => navigate("/swarm/services/view", { env, id, tab: next }, true);

  const reloadAll = () => {
    loaded.reload();
    tasks.reload();
  };

  // The next read is asked for once the last one has answered, so that a slow answer is never
  // cut short by the next tick.
  const settling = !!service && isSettling(service);
  const reading = loaded.loading || tasks.loading;
  useEffect(() => {
    if (!settling || reading) return undefined;
    const timer = setTimeout(() => {
      loaded.reload();
      tasks.reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [settling, reading, loaded.data, tasks.data, loaded.reload, tasks.reload]);

  /** Runs a change; the page then reads the service again and says what happened. */
  const act = async (what: Busy, failed: string, change: () => Promise<string>) => {
    setBusy(what);
    setFailure(null);
    setOutcome(null);
    try {
      setOutcome(await change());
    } catch (error) {
      setFailure({ what: failed, error });
    } finally {
      setBusy(null);
      setConfirm(null);
      reloadAll();
    }
  };

  const scale = (replicas: number) =>
    void act("scale", `Could not scale ${name}`, async () => {
      await swarm.scale(env, id, replicas);
      return `Scaled ${name} to ${replicas} replica${replicas === 1 ? "" : "s"}.`;
    });

  const rollback = () =>
    void act("rollback", `Could not roll back ${name}`, async () => {
      await swarm.rollback(env, id);
      return `Rolling ${name} back to its previous spec.`;
    });

  const remove = async () => {
    setBusy("remove");
    setFailure(null);
    try {
      await swarm.remove(env, id);
      setConfirm(null);
      navigate("/swarm/services", { env, removed: name });
    } catch (error) {
      setConfirm(null);
      setFailure({ what: `Could not remove ${name}`, error });
      reloadAll();
    } finally {
      setBusy(null);
    }
  };

  const save = (spec: ServiceSpec) =>
    edit.run(async () => {
      await swarm.update(env, id, spec);
      setFailure(null);
      setOutcome(`Started a rolling update of ${name}.`);
      selectTab("tasks");
      reloadAll();
    });

  const previous = service?.previous_spec ?? null;

  return (
    <>
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Service </span>
          <span className="mono">{name || "Service"}</span>
        </h1>
        {service ? (
          <>
            <span className="badge">{service.mode}</span>
            <RolloutBadge status={service.update_status} />
          </>
        ) : null}
      </div>
      <p className="detail-sub muted">
        {service ? (
          <>
            {env}
            {service.team ? ` · team ${teams.nameOf(service.team)}` : ""}
            {" · updated "}
            <When at={service.updated} />
            {" · "}
          </>
        ) : null}
        <Link to="/swarm/services" query={{ env }}>
          All services
        </Link>
      </p>

      {!id ? <p className="muted">No service was named in the address.</p> : null}
      {loaded.loading && !service && !loaded.error ? <p role="status">Loading…</p> : null}
      {notFound ? (
        <div className="notice notice-error" role="alert">
          <p>There is no such service in this environment (it may have been removed).</p>
          <p className="notice-code">Code: {isApiError(loaded.error) ? loaded.error.code : ""}</p>
        </div>
      ) : (
        <ErrorNotice error={loaded.error} prefix="Could not load the service" />
      )}
      {failure ? <ErrorNotice error={failure.error} prefix={failure.what} /> : null}
      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}

      {service ? (
        <>
          <RolloutNotice service={service} />
          {settling ? (
            <p role="status" className="muted swarm-follow">
              {`${service.replicas.running} of ${service.replicas.desired} tasks running. Following the service: it is read again every ${POLL_MS / 1000} seconds until it settles.`}
            </p>
          ) : null}

          <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
            {may.change ? (
              <button
                type="button"
                className="button-secondary"
                disabled={busy !== null || !previous}
                aria-describedby={rollbackHint}
                onClick={() => setConfirm("rollback")}
              >
                {busy === "rollback" ? "Rolling back…" : "Roll back"}
              </button>
            ) : null}
            <button type="button" className="button-secondary" disabled={busy !== null} onClick={reloadAll}>
              Refresh
            </button>
            {may.remove ? (
              <button type="button" className="button-danger" disabled={busy !== null} onClick={() => setConfirm("remove")}>
                Remove
              </button>
            ) : null}
          </div>
          {may.change ? (
            <p className="field-hint swarm-rollback-hint" id={rollbackHint}>
              {previous
                ? `Roll back returns the service to the spec it had before its last update (image ${previous.image}).`
                : "Nothing to roll back to: the service has not been updated since it was created."}
            </p>
          ) : null}

          {/* The edit form has its own replicas: one control for them at a time. */}
          {may.change && service.mode === "replicated" && current !== "edit" ? (
            <ScaleForm key={service.replicas.desired} service={service} busy={busy === "scale"} onScale={scale} />
          ) : null}
          {service.mode === "global" ? <p className="muted">A global service runs one task on every node that meets its constraints.</p> : null}

          <h2>Summary</h2>
          <Summary env={env} service={service} teamName={teams.nameOf} />

          <Tabs label="Service views" tabs={tabs} selected={current} onSelect={selectTab}>
            {current === "tasks" ? (
              <>
                <ErrorNotice error={tasks.error} prefix="Could not load the tasks" />
                <TasksTable name={name} tasks={tasks.data ?? []} />
              </>
            ) : null}
            {current === "logs" ? <ServiceLogsTab env={env} id={service.id} name={name} /> : null}
            {current === "edit" ? (
              <ServiceForm
                key={service.id}
                env={env}
                base={service.spec}
                busy={edit.busy}
                error={edit.error}
                errorPrefix={`Could not update ${name}`}
                submitLabel="Update service"
                busyLabel="Updating…"
                onSubmit={save}
                note={
                  <p className="muted">
                    Saving starts a rolling update: the tasks are replaced as the rolling update settings say, and the previous spec is kept for Roll
                    back.
                  </p>
                }
              />
            ) : null}
          </Tabs>

          <ConfirmDialog
            open={confirm === "rollback"}
            title={`Roll back ${name}?`}
            confirmLabel="Roll back"
            busy={busy === "rollback"}
            onConfirm={rollback}
            onCancel={() => setConfirm(null)}
          >
            <p>
              <span className="mono">{name}</span> returns to the spec it had before its last update
              {previous ? (
                <>
                  {" "}
                  (image <span className="mono">{previous.image}</span>)
                </>
              ) : null}
              ; its tasks are replaced as its rollback settings say.
            </p>
          </ConfirmDialog>
          <ConfirmDialog
            open={confirm === "remove"}
            title={`Remove the service ${name}?`}
            confirmLabel="Remove"
            danger
            busy={busy === "remove"}
            onConfirm={() => void remove()}
            onCancel={() => setConfirm(null)}
          >
            <p>
              Every task of <span className="mono">{name}</span> is stopped and its containers removed. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      ) : null}
    </>
  );
}
