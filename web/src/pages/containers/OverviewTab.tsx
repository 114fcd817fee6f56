// The container's facts from its inspect document, and the document itself as JSON text.

import { useEffect, useRef, useState, type ReactNode } from "react";
import type { ContainerInspect } from "../../lib/containers";
import { formatBytes, formatDuration, formatTime, shortId } from "../../lib/format";
import { formatCommand } from "./command";
import { useTeamNames } from "../../lib/teams";

/** Docker's "never" time. */
export function isZeroTime(value: string | undefined): boolean {
  return !value || value.startsWith("0001-01-01");
}

export function cpuLimit(host: ContainerInspect["HostConfig"]): string {
  if (host?.NanoCpus) return `${+(host.NanoCpus / 1e9).toFixed(3)} cores`;
  if (host?.CpuQuota && host.CpuQuota > 0 && host.CpuPeriod) return `${+(host.CpuQuota / host.CpuPeriod).toFixed(3)} cores`;
  return "none";
}

export function portLines(ports: NonNullable<ContainerInspect["NetworkSettings"]>["Ports"]): string[] {
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(ports ?? {})) {
    if (!bindings || bindings.length === 0) {
      out.push(`${port} (not published)`);
      continue;
    }
    for (const b of bindings) {
      const ip = b.HostIp || "0.0.0.0";
      const host = ip.includes(":") ? `[${ip}]` : ip;
      out.push(`${host}:${b.HostPort ?? ""} → ${port}`);
    }
  }
  return out;
}

function List({ items, empty = "none" }: { items: ReactNode[]; empty?: string }) {
  if (items.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="fact-list">
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );
}

function useNow(active: boolean, everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}

export function OverviewTab({ container }: { container: ContainerInspect }) {
  const teams = useTeamNames();
  const state = container.State ?? {};
  const config = container.Config ?? {};
  const host = container.HostConfig ?? {};
  const running = state.Running === true;
  const now = useNow(running);
  const started = isZeroTime(state.StartedAt) ? null : Date.parse(state.StartedAt!);
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  const networks = Object.entries(container.NetworkSettings?.Networks ?? {});
  const labels = Object.entries(config.Labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const env = config.Env ?? [];
  const restart = host.RestartPolicy?.Name || "no";

  const [copyNote, setCopyNote] = useState("");
  const json = JSON.stringify(container, null, 2);
  const copyTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (copyTimer.current !== null) clearTimeout(copyTimer.current);
  }, []);
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("the browser offers no clipboard here (it needs HTTPS)");
      await navigator.clipboard.writeText(json);
      setCopyNote("Copied.");
    } catch (error) {
      setCopyNote(`Could not copy: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (copyTimer.current !== null) clearTimeout(copyTimer.current);
    copyTimer.current = setTimeout(() => setCopyNote(""), 5000);
  };

  return (
    <div>
      <h2 className="visually-hidden">Overview</h2>
      <dl className="facts">
        <dt>ID</dt>
        <dd className="mono">{container.Id}</dd>
        <dt>Image</dt>
        <dd>
          <span className="mono">{config.Image ?? ""}</span>
          {container.Image ? <span className="muted small mono"> ({shortId(container.Image)})</span> : null}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(container.Created)}</dd>
        <dt>Started</dt>
        <dd>
          {started !== null && !Number.isNaN(started) ? formatTime(state.StartedAt) : "never"}
          {running && started !== null && !Number.isNaN(started) ? ` (up ${formatDuration((now - started) / 1000)})` : ""}
        </dd>
        {!running && !isZeroTime(state.FinishedAt) ? (
          <>
            <dt>Finished</dt>
            <dd>{formatTime(state.FinishedAt)}</dd>
          </>
        ) : null}
        {!running ? (
          <>
            <dt>Exit code</dt>
            <dd>
              {state.ExitCode ?? "—"}
              {state.OOMKilled ? " (killed: out of memory)" : ""}
              {state.Error ? ` — ${state.Error}` : ""}
            </dd>
          </>
        ) : null}
        <dt>Restart count</dt>
        <dd>{container.RestartCount ?? 0}</dd>
        <dt>Command</dt>
        <dd className="mono">{command.length > 0 ? formatCommand(command) : <span className="muted">the image's default</span>}</dd>
        <dt>Ports</dt>
        <dd>
          <List items={portLines(container.NetworkSettings?.Ports).map((line) => <span className="mono">{line}</span>)} />
        </dd>
        <dt>Networks</dt>
        <dd>
          <List
            items={networks.map(([name, net]) => (
              <>
                <span className="mono">{name}</span>
                {net?.IPAddress ? ` ${net.IPAddress}` : ""}
                {net?.GlobalIPv6Address ? ` ${net.GlobalIPv6Address}` : ""}
                {net?.Gateway ? <span className="muted"> (gateway {net.Gateway})</span> : null}
              </>
            ))}
            empty={host.NetworkMode ? `none (${host.NetworkMode})` : "none"}
          />
        </dd>
        <dt>Mounts</dt>
        <dd>
          <List
            items={(container.Mounts ?? []).map((m) => (
              <>
                <span className="mono">{m.Type === "volume" ? m.Name ?? m.Source : m.Source}</span> → <span className="mono">{m.Destination}</span>{" "}
                <span className="muted small">
                  ({m.Type ?? "mount"}
                  {m.RW === false ? ", read-only" : ""})
                </span>
              </>
            ))}
          />
        </dd>
        <dt>Restart policy</dt>
        <dd>
          {restart}
          {restart === "on-failure" ? ` (at most ${host.RestartPolicy?.MaximumRetryCount || "unlimited"} retries)` : ""}
        </dd>
        <dt>Limits</dt>
        <dd>
          Memory {host.Memory ? formatBytes(host.Memory) : "none"}, CPU {cpuLimit(host)}
          {host.PidsLimit && host.PidsLimit > 0 ? `, ${host.PidsLimit} processes` : ""}
        </dd>
        <dt>Team</dt>
        <dd>{container.Dokkerr?.team ? teams.nameOf(container.Dokkerr.team) : <span className="muted">none (platform admins only)</span>}</dd>
        <dt>Labels</dt>
        <dd>
          <List
            items={labels.map(([key, value]) => (
              <span className="mono">
                {key}={value}
              </span>
            ))}
          />
        </dd>
        <dt>Environment</dt>
        <dd>
          <List items={env.map((entry) => <span className="mono">{entry}</span>)} />
        </dd>
      </dl>

      <div className="panel-head">
        <h2>Inspect document</h2>
        <button type="button" className="button-secondary" onClick={() => void copy()}>
          Copy JSON
        </button>
      </div>
      <p role="status" className="muted small">
        {copyNote}
      </p>
      <pre className="raw-json" tabIndex={0} aria-label="Inspect document as JSON">
        {json}
      </pre>
    </div>
  );
}
