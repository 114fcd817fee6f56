// The Updates tab of the Images page: for every image reference the environment's running
// containers use, whether its registry has a newer image under the tag (by digest), as the last
// check found it; "Check now" (images:pull) checks again at once.

import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { countAvailable, lastChecked, useImageUpdatesApi, type ImageUpdate } from "../../lib/imageUpdates";
import { matches, OutcomeNotice } from "../networks/ResourceParts";
import { ShortDigest, UpdateStatusBadge } from "./UpdateParts";
import "./updates.css";

/** Newer images first, then the ones that could not be checked, then the current ones. */
const ORDER: Record<string, number> = { update_available: 0, unknown: 1, up_to_date: 2 };

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "no update available", "1 update available", "2 updates available". */
function availableText(n: number): string {
  return `${n === 0 ? "no update" : plural(n, "update", "updates")} available`;
}

export interface UpdateChecks {
  /** The results to show: a check's answer when one was made here, else the last stored ones. */
  items: ImageUpdate[] | undefined;
  /** Whether `items` is what a check made here answered. */
  fromCheck: boolean;
  loading: boolean;
  error: unknown;
  checking: boolean;
  checkError: unknown;
  outcome: string | null;
  dismissOutcome: () => void;
  check: () => Promise<void>;
  /** Reads the stored results again. */
  refresh: () => void;
}

/** The results of environment `env`, read while `active` (the tab is shown), and checking now. */
export function useUpdateChecks(env: string, active: boolean): UpdateChecks {
  const updates = useImageUpdatesApi();
  const list = useLoad(
    (signal) => (active && env ? updates.list(env, signal) : Promise.resolve<ImageUpdate[] | undefined>(undefined)),
    [updates, env, active],
  );
  const [fresh, setFresh] = useState<{ env: string; items: ImageUpdate[] } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const current = fresh && fresh.env === env ? fresh : null;

  const check = async () => {
    const target = env;
    setOutcome(null);
    await run(async () => {
      const items = await updates.checkNow(target);
      setFresh({ env: target, items });
      setOutcome(
        items.length === 0
          ? "Checked: no running container uses an image."
          : `Checked ${plural(items.length, "image", "images")}: ${availableText(countAvailable(items))}.`,
      );
    });
  };

  return {
    items: current ? current.items : list.data,
    fromCheck: !!current,
    loading: list.loading && !current,
    error: current ? null : list.error,
    checking: busy,
    checkError: error,
    outcome,
    dismissOutcome: () => setOutcome(null),
    check,
    refresh: () => {
      setFresh(null);
      setOutcome(null);
      setError(null);
      list.reload();
    },
  };
}

const COLUMNS: Column<ImageUpdate>[] = [
  { id: "image", header: "Image", rowHeader: true, className: "cell-name mono", cell: (u) => u.image },
  {
    id: "status",
    header: "Status",
    cell: (u) => (
      <div className="update-status">
        <UpdateStatusBadge status={u.status} />
        {u.error ? <span className="muted small update-error">{u.error}</span> : null}
      </div>
    ),
  },
  { id: "local", header: "Local digest", cell: (u) => <ShortDigest digest={u.local_digest} /> },
  { id: "remote", header: "Registry digest", cell: (u) => <ShortDigest digest={u.remote_digest} /> },
  {
    id: "checked",
    header: "Checked",
    cell: (u) =>
      u.checked_at ? (
        <time dateTime={u.checked_at} title={formatTime(u.checked_at)}>
          {formatRelative(u.checked_at)}
        </time>
      ) : (
        <span className="muted">—</span>
      ),
  },
];

export function ImageUpdatesPanel({ env, checks, filter, canCheck }: { env: string; checks: UpdateChecks; filter: string; canCheck: boolean }) {
  const items = checks.items;
  const rows = useMemo(
    () => [...(items ?? [])].sort((a, b) => (ORDER[a.status] ?? 1) - (ORDER[b.status] ?? 1) || a.image.localeCompare(b.image)),
    [items],
  );
  const shown = rows.filter((u) => matches(filter, [u.image, u.status.replace(/_/g, " "), u.error]));
  const checkedAt = lastChecked(rows);
  const available = countAvailable(rows);

  let empty: string | undefined;
  if (checks.error || !env || checks.loading) empty = undefined;
  else if (rows.length > 0) empty = "No image matches.";
  else if (checks.fromCheck) empty = "No running container uses an image to check.";
  else {
    empty = canCheck
      ? "Nothing has been checked yet. Check now compares the images of the running containers with their registries."
      : "Nothing has been checked yet. The server checks the images of the running containers on a schedule.";
  }

  return (
    <div className="image-updates">
      {checks.checking ? (
        <p role="status" className="muted">
          Checking the images of the running containers against their registries: this can take a while.
        </p>
      ) : null}
      {checks.outcome ? <OutcomeNotice title={checks.outcome} onDismiss={checks.dismissOutcome} /> : null}
      <ErrorNotice error={checks.checkError} prefix="Could not check for updates" />
      <ErrorNotice error={checks.error} prefix="Could not load the image updates" />
      {checks.loading ? <p role="status">Loading image updates…</p> : null}
      {checkedAt ? (
        <p className="update-summary">
          {"Last checked "}
          <time dateTime={checkedAt} title={formatTime(checkedAt)}>
            {formatRelative(checkedAt)}
          </time>
          {`: ${availableText(available)}.`}
        </p>
      ) : null}
      <DataTable
        caption={`Image updates${env ? ` in ${env}` : ""}`}
        columns={COLUMNS}
        rows={shown}
        rowKey={(u) => u.image}
        busy={checks.loading}
        empty={empty}
      />
    </div>
  );
}
