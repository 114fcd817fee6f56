import { useEffect, useState } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { CONTAINER_STATES, containerName, type ContainerAction, type ContainerSummary } from "../lib/dokkerr";
import { useDebounced, useLoad } from "../lib/hooks";
import { navigate, useRoute } from "../lib/router";
import { useDokkerr } from "../lib/services";

const PAGE_SIZES = [25, 50, 100, 250] as const;

interface ActionFailure {
  name: string;
  verb: string;
  error: unknown;
}

const VERBS: Record<ContainerAction | "remove", string> = {
  start: "start",
  stop: "stop",
  restart: "restart",
  remove: "remove",
};

function isActive(state: string | undefined): boolean {
  return state === "running" || state === "paused" || state === "restarting";
}

function ContainerRow({
  container,
  busy,
  confirming,
  onAction,
  onAskRemove,
  onCancelRemove,
}: {
  container: ContainerSummary;
  busy: boolean;
  confirming: boolean;
  onAction: (container: ContainerSummary, action: ContainerAction | "remove") => void;
  onAskRemove: (container: ContainerSummary) => void;
  onCancelRemove: () => void;
}) {
  const name = containerName(container);
  const state = container.State ?? "unknown";
  const active = isActive(container.State);
  return (
    <tr>
      <th scope="row" className="cell-name">
        <span className="mono">{name}</span>
        <span className="muted small mono">{container.Id.slice(0, 12)}</span>
      </th>
      <td className="mono">{container.Image ?? ""}</td>
      <td>
        <span className={`state state-${state.replace(/[^a-z]/g, "")}`}>{state}</span>
      </td>
      <td>{container.Status ?? ""}</td>
      <td>
        {confirming ? (
          <div className="row-actions" role="group" aria-label={`Confirm removal of ${name}`}>
            <button type="button" className="button-danger" disabled={busy} onClick={() => onAction(container, "remove")} autoFocus>
              {active ? `Force remove ${name}` : `Remove ${name}`}
            </button>
            <button type="button" className="button-secondary" disabled={busy} onClick={onCancelRemove}>
              Cancel
            </button>
          </div>
        ) : (
          <div className="row-actions" role="group" aria-label={`Actions for ${name}`}>
            <button type="button" disabled={busy || active} onClick={() => onAction(container, "start")}>
              Start
            </button>
            <button type="button" disabled={busy || !active} onClick={() => onAction(container, "stop")}>
              Stop
            </button>
            <button type="button" disabled={busy} onClick={() => onAction(container, "restart")}>
              Restart
            </button>
            <button type="button" className="button-danger" disabled={busy} onClick={() => onAskRemove(container)}>
              Remove
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

export function ContainersPage({ defaultEnvironment }: { defaultEnvironment?: string | undefined }) {
  const dokkerr = useDokkerr();
  const route = useRoute();
  const envs = useLoad((signal) => dokkerr.environments(signal), [dokkerr]);

  const [search, setSearch] = useState("");
  const [stateFilter, setStateFilter] = useState("");
  const [limit, setLimit] = useState<number>(50);
  // cursors[i] is the cursor that opens page i (page 0 has none).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState(0);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [confirmId, setConfirmId] = useState<string | null>(null);
  const [failure, setFailure] = useState<ActionFailure | null>(null);
  const name = useDebounced(search, 300);

  const requested = route.query.get("env");
  const list = envs.data ?? [];
  const env =
    (requested && list.some((e) => e.id === requested) ? requested : undefined) ??
    (defaultEnvironment && list.some((e) => e.id === defaultEnvironment) ? defaultEnvironment : undefined) ??
    list[0]?.id ??
    "";

  // A new environment, search or filter starts from the first page.
  useEffect(() => {
    setCursors([null]);
    setPage(0);
    setConfirmId(null);
  }, [env, name, stateFilter, limit]);

  const cursor = cursors[page] ?? null;
  const containers = useLoad(
    (signal) =>
      env ? dokkerr.containers(env, { name, status: stateFilter, limit, cursor }, signal) : Promise.resolve({ items: [], next_cursor: null }),
    [dokkerr, env, name, stateFilter, limit, cursor],
  );
  const nextCursor = containers.data?.next_cursor ?? null;

  const goNext = () => {
    if (!nextCursor) return;
    setCursors((list) => [...list.slice(0, page + 1), nextCursor]);
    setPage((p) => p + 1);
  };
  const goPrevious = () => setPage((p) => Math.max(0, p - 1));

  const act = async (container: ContainerSummary, action: ContainerAction | "remove") => {
    const id = container.Id;
    setBusy((set) => new Set(set).add(id));
    setFailure(null);
    try {
      if (action === "remove") await dokkerr.removeContainer(env, id, isActive(container.State));
      else await dokkerr.containerAction(env, id, action);
      setConfirmId(null);
    } catch (error) {
      setFailure({ name: containerName(container), verb: VERBS[action], error });
    } finally {
      setBusy((set) => {
        const next = new Set(set);
        next.delete(id);
        return next;
      });
      containers.reload();
    }
  };

  const items = containers.data?.items ?? [];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Containers</h1>
      <ErrorNotice error={envs.error} prefix="Could not load the environments" />
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="inline-label">
          <span>Environment</span>
          <select value={env} onChange={(e) => navigate("/containers", { env: e.target.value })} disabled={list.length === 0}>
            {list.map((e) => (
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

      {failure ? <ErrorNotice error={failure.error} prefix={`Could not ${failure.verb} ${failure.name}`} /> : null}
      <ErrorNotice error={containers.error} prefix="Could not load the containers" />

      <div className="table-wrap">
        <table className="data-table" aria-busy={containers.loading}>
          <caption className="visually-hidden">Containers{env ? ` in ${env}` : ""}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Image</th>
              <th scope="col">State</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <ContainerRow
                key={c.Id}
                container={c}
                busy={busy.has(c.Id)}
                confirming={confirmId === c.Id}
                onAction={act}
                onAskRemove={(x) => setConfirmId(x.Id)}
                onCancelRemove={() => setConfirmId(null)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {!containers.loading && items.length === 0 && !containers.error ? <p className="muted">No containers match.</p> : null}
      {containers.loading ? <p role="status">Loading…</p> : null}

      <nav className="pager" aria-label="Pages">
        <button type="button" className="button-secondary" onClick={goPrevious} disabled={page === 0}>
          Previous page
        </button>
        <span>Page {page + 1}</span>
        <button type="button" className="button-secondary" onClick={goNext} disabled={!nextCursor}>
          Next page
        </button>
      </nav>
    </section>
  );
}
