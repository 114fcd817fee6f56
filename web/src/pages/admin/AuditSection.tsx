// The audit log: filtered on the server, newest first, a page at a time; an entry's whole record,
// an export of the filtered log as JSON lines, and a check of the hash chain.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import {
  AUDIT_RESULTS,
  fileStamp,
  localTimeToRfc3339,
  saveBlob,
  type AuditEntry,
  type AuditFilter,
  type ChainReport,
  type OrganizationRef,
  type TeamRef,
} from "../../lib/platform";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import "./AuditSection.css";

const PAGE_SIZE = 100;
/** Rows kept on screen; beyond this, narrow the filters or export. */
export const MAX_AUDIT_ROWS = 5000;

interface Draft {
  actor_id: string;
  action: string;
  result: string;
  team_id: string;
  org_id: string;
  since: string;
  until: string;
}

const EMPTY_DRAFT: Draft = { actor_id: "", action: "", result: "", team_id: "", org_id: "", since: "", until: "" };

/** The form's values as the API's filter: times from the browser's local time to UTC. */
export function filterFromDraft(draft: Draft): AuditFilter {
  return {
    actor_id: draft.actor_id.trim() || undefined,
    action: draft.action.trim() || undefined,
    result: draft.result || undefined,
    team_id: draft.team_id || undefined,
    org_id: draft.org_id || undefined,
    since: localTimeToRfc3339(draft.since),
    until: localTimeToRfc3339(draft.until),
  };
}

interface Rows {
  items: AuditEntry[];
  next: string | null;
}

function ResultBadge({ result }: { result: string }) {
  const known = (AUDIT_RESULTS as readonly string[]).includes(result) ? result : "other";
  return <span className={`audit-result audit-result-${known}`}>{result}</span>;
}

export default function AuditSection() {
  const { can } = useSession();
  const { platform } = useServices();
  const allowed = can("audit:read");
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [generation, setGeneration] = useState(0);
  const [rows, setRows] = useState<Rows>({ items: [], next: null });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [detail, setDetail] = useState<AuditEntry | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const [report, setReport] = useState<ChainReport | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const pageRequest = useRef<AbortController | null>(null);

  const directory = useLoad(
    async (signal): Promise<{ teams: TeamRef[]; organizations: OrganizationRef[] }> => {
      if (!allowed) return { teams: [], organizations: [] };
      const [teams, organizations] = await Promise.all([platform.teams(signal), platform.organizations(signal)]);
      return { teams, organizations };
    },
    [platform, allowed],
  );

  // The first page, on every new filter (and on Refresh).
  useEffect(() => {
    if (!allowed) return undefined;
    pageRequest.current?.abort();
    const controller = new AbortController();
    pageRequest.current = controller;
    setLoading(true);
    setError(null);
    platform.audit(filter, { limit: PAGE_SIZE }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setRows({ items: page.items, next: page.next_cursor });
        setLoading(false);
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return;
        setRows({ items: [], next: null });
        setError(cause);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [platform, filter, generation, allowed]);

  if (!allowed) return <p className="muted">Reading the audit log needs the audit:read permission.</p>;

  const loadMore = async () => {
    if (!rows.next || loading) return;
    const controller = new AbortController();
    pageRequest.current = controller;
    setLoading(true);
    setError(null);
    try {
      const page = await platform.audit(filter, { limit: PAGE_SIZE, cursor: rows.next }, controller.signal);
      if (controller.signal.aborted) return;
      setRows((current) => ({ items: [...current.items, ...page.items].slice(0, MAX_AUDIT_ROWS), next: page.next_cursor }));
    } catch (cause) {
      if (!controller.signal.aborted) setError(cause);
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(filterFromDraft(draft));
  };

  const reset = () => {
    setDraft(EMPTY_DRAFT);
    setFilter({});
  };

  const exportLog = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const blob = await platform.exportAudit(filter);
      saveBlob(blob, `audit-${fileStamp()}.jsonl`);
    } catch (cause) {
      setExportError(cause);
    } finally {
      setExporting(false);
    }
  };

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    setReport(null);
    try {
      setReport(await platform.verifyAudit());
    } catch (cause) {
      setVerifyError(cause);
    } finally {
      setVerifying(false);
    }
  };

  const set = (key: keyof Draft) => (value: string) => setDraft((current) => ({ ...current, [key]: value }));
  const teams = directory.data?.teams ?? [];
  const organizations = directory.data?.organizations ?? [];
  const full = rows.items.length >= MAX_AUDIT_ROWS;

  const columns: Column<AuditEntry>[] = [
    {
      id: "at",
      header: "Time",
      rowHeader: true,
      className: "cell-name",
      cell: (e) => <time dateTime={e.at}>{formatTime(e.at)}</time>,
    },
    {
      id: "actor",
      header: "Actor",
      cell: (e) => (
        <>
          <span>{e.actor?.name || e.actor?.id || "—"}</span>
          {e.actor?.type && e.actor.type !== "user" ? <span className="badge">{e.actor.type}</span> : null}
        </>
      ),
    },
    { id: "action", header: "Action", cell: (e) => <span className="mono">{e.action}</span> },
    { id: "target", header: "Target", cell: (e) => <span className="mono audit-target">{e.target || "—"}</span> },
    { id: "result", header: "Result", cell: (e) => <ResultBadge result={e.result} /> },
    { id: "client", header: "Client address", cell: (e) => <span className="mono">{e.client_address || "—"}</span> },
    { id: "request", header: "Request id", cell: (e) => <span className="mono small">{e.request_id || "—"}</span> },
    {
      id: "detail",
      header: <span className="visually-hidden">Details</span>,
      cell: (e) => (
        <button type="button" className="button-secondary button-small" aria-label={`Details of entry ${e.seq}`} onClick={() => setDetail(e)}>
          Details
        </button>
      ),
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>Audit log</h2>
        <div className="row-actions">
          <button type="button" className="button-secondary" onClick={() => void exportLog()} disabled={exporting}>
            {exporting ? "Exporting…" : "Export"}
          </button>
          <button type="button" className="button-secondary" onClick={() => void verify()} disabled={verifying}>
            {verifying ? "Verifying…" : "Verify chain"}
          </button>
        </div>
      </div>
      <ErrorNotice error={exportError} prefix="Could not export" />
      <ErrorNotice error={verifyError} prefix="Could not verify the chain" />
      {report ? (
        <div role="status" className={`notice ${report.ok ? "notice-info" : "notice-error"}`}>
          {report.ok ? (
            <p>
              The chain is intact: {report.entries} entries checked. Head <span className="mono">{report.head || "—"}</span>.
            </p>
          ) : (
            <p>
              The chain is broken at entry <strong>{report.first_bad_seq ?? "?"}</strong>: {report.problem || "no detail given"} ({report.entries}{" "}
              entries checked).
            </p>
          )}
        </div>
      ) : null}

      <form className="audit-filters" onSubmit={apply} aria-label="Audit filters">
        <Field label="Actor id" value={draft.actor_id} onChange={(e) => set("actor_id")(e.target.value)} autoComplete="off" spellCheck={false} />
        <Field
          label="Action"
          value={draft.action}
          onChange={(e) => set("action")(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          placeholder="containers.*"
          hint="Exact, or a prefix ending in *."
        />
        <SelectField label="Result" value={draft.result} onChange={(e) => set("result")(e.target.value)}>
          <option value="">Any</option>
          {AUDIT_RESULTS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <SelectField label="Team" value={draft.team_id} onChange={(e) => set("team_id")(e.target.value)}>
          <option value="">Any</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Organization" value={draft.org_id} onChange={(e) => set("org_id")(e.target.value)}>
          <option value="">Any</option>
          {organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.display_name || o.name}
            </option>
          ))}
        </SelectField>
        <Field label="Since" type="datetime-local" step={1} value={draft.since} onChange={(e) => set("since")(e.target.value)} hint="Your local time." />
        <Field label="Until" type="datetime-local" step={1} value={draft.until} onChange={(e) => set("until")(e.target.value)} hint="Inclusive." />
        <div className="form-actions audit-filter-actions">
          <button type="button" className="button-secondary" onClick={reset}>
            Clear
          </button>
          <button type="button" className="button-secondary" onClick={() => setGeneration((g) => g + 1)} disabled={loading}>
            Refresh
          </button>
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ErrorNotice error={directory.error} prefix="Could not load the teams and organizations" />
      <ErrorNotice error={error} prefix="Could not load the audit log" />
      {loading && rows.items.length === 0 ? <p role="status">Loading…</p> : null}
      <DataTable caption="Audit log entries" columns={columns} rows={rows.items} rowKey={(e) => String(e.seq)} busy={loading} empty="No entries match." />
      <div className="pager">
        <span className="muted" role="status">
          {rows.items.length} entries shown{rows.next ? "; more match" : ""}.
        </span>
        {rows.next && !full ? (
          <button type="button" className="button-secondary" onClick={() => void loadMore()} disabled={loading}>
            {loading ? "Loading…" : "Load more"}
          </button>
        ) : null}
        {full && rows.next ? <span className="muted">Showing the newest {MAX_AUDIT_ROWS}; narrow the filters or export for the rest.</span> : null}
      </div>

      <Dialog open={detail !== null} title={detail ? `Audit entry ${detail.seq}` : "Audit entry"} onClose={() => setDetail(null)} wide>
        {detail ? <pre className="audit-json mono">{JSON.stringify(detail, null, 2)}</pre> : null}
      </Dialog>
    </div>
  );
}
