import { useEffect, useMemo, useState } from "react";
import { DataTable, type Column } from "../components/DataTable";
import { ConfirmDialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { StateBadge } from "../components/StateBadge";
import { CONTAINER_STATES, containerName, formatPorts, type ContainerAction, type ContainerSummary, type ListPage } from "../lib/dokkerr";
import { chooseEnvironment, useEnvironments } from "../lib/environments";
import { useLiveReload } from "../lib/events";
import { formatBytes, formatPercent, shortId } from "../lib/format";
import { useDebounced, useLoad } from "../lib/hooks";
import { Link, navigate, useRoute } from "../lib/router";
import { useDokkerr } from "../lib/services";
import { useSession } from "../lib/session";
import { MAX_BOARD_CONTAINERS } from "../lib/statsBoard";
import { useTeamNames } from "../lib/teams";
import { boardKey, useStatsBoards } from "../lib/useStatsBoard";

const PAGE_SIZES = [25, 50, 100, 250, 1000] as const;
/** The environment choice that lists every environment the caller may use. */
export const ALL_ENVIRONMENTS = "*";
/** Live event streams are opened for at most this many environments at once. */
const MAX_LIVE_ENVIRONMENTS = 5;
/** Bulk actions run this many requests at a time. */
const BULK_CONCURRENCY = 4;

type Verb = ContainerAction | "remove";

/** A container of the list, with the environment it was listed from. */
export interface ListedContainer {
  env: string;
  key: string;
  container: ContainerSummary;
}

interface Failure {
  what: string;
  error: unknown;
}

function isActive(state: string | undefined): boolean {
  return state === "running" || state === "paused" || state === "restarting";
}

function allowed(verb: Verb, state: string | undefined): boolean {
  if (verb === "start") return !isActive(state);
  if (verb === "stop") return isActive(state);
  return true;
}

/** Runs `work` over `items`, `limit` at a time; the failures, in order. */
async function runBounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

const VERB_LABEL: Record<Verb, string> = { start: "Start", stop: "Stop", restart: "Restart", remove: "Remove" };

/** Reloads the list on the environment's container events (one per environment listed). */
function LiveReload({ env, reload }: { env: string; reload: () => void }) {
  useLiveReload(env, "container", reload);
  return null;
}

export function ContainersPage() {
  const dokkerr = useDokkerr();
  const route = useRoute();
  const session = useSession();
  const envs = useEnvironments();
  const teams = useTeamNames();

  const [search, setSearch] = useState("");
  const [stateFilter, setStateFilter] = useState("");
  const [limit, setLimit] = useState<number>(50);
  // pages[i]: the cursor of each environment that page i continues (page 0 starts every one).
  const [pages, setPages] = useState<Record<string, string>[]>([{}]);
  const [page, setPage] = useState(0);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<{ verb: Verb; rows: ListedContainer[] } | null>(null);
  const [failures, setFailures] = useState<Failure[]>([]);
  const name = useDebounced(search, 300);

  const environments = envs.data ?? [];
  const requested = route.query.get("env");
  const all = requested === ALL_ENVIRONMENTS && environments.length > 1;
  const env = all ? ALL_ENVIRONMENTS : chooseEnvironment(environments, requested, session.user?.preferences?.default_environment);
  const listed = useMemo(
    () => (all ? environments.filter((e) => e.status === "up").map((e) => e.id) : env ? [env] : []),
    [all, env, environments],
  );
  const listedKey = listed.join(",");
  const names = useMemo(() => new Map((envs.data ?? []).map((e) => [e.id, e.name])), [envs.data]);

  // A new environment, search, filter or page size starts from the first page.
  useEffect(() => {
    setPages([{}]);
    setPage(0);
    setSelected(new Set());
  }, [listedKey, name, stateFilter, limit]);

  const cursors = pages[page] ?? {};
  const cursorsKey = JSON.stringify(cursors);
  const containers = useLoad(
    async (signal) => {
      const wanted = page === 0 ? listed : Object.keys(cursors);
      const answers = await Promise.all(
        wanted.map(async (id) => {
          try {
            const answer = await dokkerr.containers(id, { name, status: stateFilter, limit, cursor: cursors[id] ?? null }, signal);
            return { env: id, answer, error: null as unknown };
          } catch (error) {
            return { env: id, answer: null as ListPage<ContainerSummary> | null, error };
          }
        }),
      );
      return answers;
    },
    [dokkerr, listedKey, name, stateFilter, limit, page, cursorsKey],
  );
  const answers = containers.data ?? [];
  const rows: ListedContainer[] = answers.flatMap(({ env: id, answer }) =>
    (answer?.items ?? []).map((container) => ({ env: id, key: `${id}/${container.Id}`, container })),
  );
  const loadErrors = answers.filter((a) => a.error);
  const nextCursors: Record<string, string> = {};
  for (const { env: id, answer } of answers) if (answer?.next_cursor) nextCursors[id] = answer.next_cursor;
  const hasNext = Object.keys(nextCursors).length > 0;

  const goNext = () => {
    if (!hasNext) return;
    setPages((list) => [...list.slice(0, page + 1), nextCursors]);
    setPage((p) => p + 1);
    setSelected(new Set());
  };
  const goPrevious = () => {
    setPage((p) => Math.max(0, p - 1));
    setSelected(new Set());
  };

  // Live CPU and memory of the running containers on this page.
  const running = useMemo(() => {
    const groups: Record<string, string[]> = {};
    for (const row of rows) {
      if (row.container.State !== "running") continue;
      const ids = (groups[row.env] ??= []);
      if (ids.length < MAX_BOARD_CONTAINERS) ids.push(row.container.Id);
    }
    return groups;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rows are derived from containers.data
  }, [containers.data]);
  const samples = useStatsBoards(running);

  const may = (permission: string, id: string) => session.canIn(permission, id);
  const verbPermission: Record<Verb, string> = {
    start: "containers:operate",
    stop: "containers:operate",
    restart: "containers:operate",
    remove: "containers:delete",
  };
  const creatable = environments.filter((e) => may("containers:create", e.id));
  const createIn = !all && may("containers:create", env) ? env : creatable[0]?.id;

  const act = async (verb: Verb, targets: ListedContainer[]) => {
    setFailures([]);
    setBusy((set) => new Set([...set, ...targets.map((t) => t.key)]));
    const failed = await runBounded(targets, BULK_CONCURRENCY, async ({ env: id, container }) => {
      if (verb === "remove") await dokkerr.removeContainer(id, container.Id, isActive(container.State));
      else await dokkerr.containerAction(id, container.Id, verb);
    });
    setFailures(failed.map(({ item, error }) => ({ what: `${VERB_LABEL[verb].toLowerCase()} ${containerName(item.container)}`, error })));
    setBusy((set) => {
      const next = new Set(set);
      for (const t of targets) next.delete(t.key);
      return next;
    });
    setSelected(new Set());
    setPending(null);
    containers.reload();
  };

  const ask = (verb: Verb, targets: ListedContainer[]) => {
    if (verb === "remove") setPending({ verb, rows: targets });
    else void act(verb, targets);
  };

  const columns: Column<ListedContainer>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: ({ env: id, container }) => (
        <>
          <Link to="/containers/view" query={{ env: id, id: container.Id }} className="mono">
            {containerName(container)}
          </Link>
          <span className="muted small mono">{shortId(container.Id)}</span>
        </>
      ),
    },
    ...(all ? [{ id: "env", header: "Environment", cell: (r: ListedContainer) => names.get(r.env) ?? r.env }] : []),
    { id: "image", header: "Image", className: "mono cell-wrap", cell: ({ container }) => container.Image ?? "" },
    { id: "state", header: "State", cell: ({ container }) => <StateBadge state={container.State} /> },
    { id: "status", header: "Status", cell: ({ container }) => container.Status ?? "" },
    { id: "ports", header: "Ports", className: "mono small cell-wrap", cell: ({ container }) => formatPorts(container.Ports) },
    {
      id: "team",
      header: "Team",
      cell: ({ container }) => {
        const team = container.Dokkerr?.team;
        return team ? teams.nameOf(team) : <span className="muted">—</span>;
      },
    },
    {
      id: "cpu",
      header: "CPU",
      className: "cell-number",
      cell: ({ env: id, container }) => formatPercent(samples.get(boardKey(id, container.Id))?.cpuPercent),
    },
    {
      id: "memory",
      header: "Memory",
      className: "cell-number",
      cell: ({ env: id, container }) => formatBytes(samples.get(boardKey(id, container.Id))?.memoryBytes),
    },
    {
      id: "actions",
      header: "Actions",
      cell: (row) => {
        const label = containerName(row.container);
        const verbs = (["start", "stop", "restart", "remove"] as Verb[]).filter((v) => may(verbPermission[v], row.env));
        if (verbs.length === 0) return <span className="muted">—</span>;
        return (
          <div className="row-actions" role="group" aria-label={`Actions for ${label}`}>
            {verbs.map((verb) => (
              <button
                key={verb}
                type="button"
                className={verb === "remove" ? "button-danger" : undefined}
                disabled={busy.has(row.key) || !allowed(verb, row.container.State)}
                onClick={() => ask(verb, [row])}
              >
                {VERB_LABEL[verb]}
              </button>
            ))}
          </div>
        );
      },
    },
  ];

  const selectedRows = rows.filter((r) => selected.has(r.key));
  const bulkVerbs = (["start", "stop", "restart", "remove"] as Verb[]).filter((verb) =>
    selectedRows.some((r) => may(verbPermission[verb], r.env) && allowed(verb, r.container.State)),
  );
  const bulkTargets = (verb: Verb) => selectedRows.filter((r) => may(verbPermission[verb], r.env) && allowed(verb, r.container.State));
  const anyAction = rows.some((r) => may("containers:operate", r.env) || may("containers:delete", r.env));

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Containers</h1>
        {createIn ? (
          <Link to="/containers/new" query={{ env: createIn }} className="button-link">
            New container
          </Link>
        ) : null}
      </div>
      <ErrorNotice error={envs.error} prefix="Could not load the environments" />
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="inline-label">
          <span>Environment</span>
          <select value={env} onChange={(e) => navigate("/containers", { env: e.target.value })} disabled={environments.length === 0}>
            {environments.length > 1 ? <option value={ALL_ENVIRONMENTS}>All environments</option> : null}
            {environments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
                {e.status !== "up" ? " (down)" : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-label">
          <span>Name</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Filter by name" />
        </label>
        <label className="inline-label">
          <span>State</span>
          <select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)}>
            <option value="">Any state</option>
            {CONTAINER_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-label">
          <span>Per page</span>
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button-secondary" onClick={containers.reload}>
          Refresh
        </button>
      </form>

      {selectedRows.length > 0 ? (
        <div className="bulk-bar" role="group" aria-label="Selected containers">
          <span>{selectedRows.length} selected</span>
          {bulkVerbs.map((verb) => (
            <button key={verb} type="button" className={verb === "remove" ? "button-danger" : "button-secondary"} onClick={() => ask(verb, bulkTargets(verb))}>
              {VERB_LABEL[verb]} {bulkTargets(verb).length}
            </button>
          ))}
          <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      ) : null}

      {failures.map((f, i) => (
        <ErrorNotice key={i} error={f.error} prefix={`Could not ${f.what}`} />
      ))}
      {loadErrors.map((a) => (
        <ErrorNotice key={a.env} error={a.error} prefix={`Could not load the containers of ${names.get(a.env) ?? a.env}`} />
      ))}
      <ErrorNotice error={containers.error} prefix="Could not load the containers" />

      {listed.slice(0, MAX_LIVE_ENVIRONMENTS).map((id) => (
        <LiveReload key={id} env={id} reload={containers.reload} />
      ))}
      <DataTable
        caption={`Containers${all ? " in every environment" : env ? ` in ${names.get(env) ?? env}` : ""}`}
        columns={columns}
        rows={rows}
        rowKey={(r) => r.key}
        busy={containers.loading}
        empty="No containers match."
        selection={anyAction ? { selected, onChange: setSelected, rowLabel: (key) => `Select ${containerName(rows.find((r) => r.key === key)!.container)}` } : undefined}
      />
      {containers.loading ? <p role="status">Loading…</p> : null}

      <nav className="pager" aria-label="Pages">
        <button type="button" className="button-secondary" onClick={goPrevious} disabled={page === 0}>
          Previous page
        </button>
        <span>Page {page + 1}</span>
        <button type="button" className="button-secondary" onClick={goNext} disabled={!hasNext}>
          Next page
        </button>
      </nav>

      <ConfirmDialog
        open={pending !== null}
        title={pending && pending.rows.length === 1 ? `Remove ${containerName(pending.rows[0]!.container)}?` : `Remove ${pending?.rows.length ?? 0} containers?`}
        confirmLabel="Remove"
        danger
        busy={pending ? pending.rows.some((r) => busy.has(r.key)) : false}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && void act(pending.verb, pending.rows)}
      >
        <p>Running containers are stopped first. Their volumes are kept.</p>
        <ul className="plain-list">
          {pending?.rows.map((r) => (
            <li key={r.key} className="mono">
              {containerName(r.container)}
              {isActive(r.container.State) ? " (running)" : ""}
            </li>
          ))}
        </ul>
      </ConfirmDialog>
    </section>
  );
}
