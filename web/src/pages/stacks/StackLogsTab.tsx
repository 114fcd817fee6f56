// The last lines of every service of a stack, merged in time order by the server, each prefixed
// with its service; or one service's. Read on demand (Refresh), not followed.

import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField } from "../../components/Field";
import { useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import type { StackView } from "../../lib/stacks";

const TAILS = [100, 500, 1000] as const;

export function StackLogsTab({ env, stack }: { env: string; stack: StackView }) {
  const { stacks } = useServices();
  const [service, setService] = useState("");
  const [tail, setTail] = useState<number>(TAILS[0]);
  const logs = useLoad((signal) => stacks.logs(env, stack.name, { tail, service, signal }), [stacks, env, stack.name, tail, service]);
  const services = [...new Set(stack.containers.map((c) => c.service))].sort();
  const lines = logs.data ?? [];

  return (
    <div>
      <form className="stack-log-tools" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Service" value={service} onChange={(e) => setService(e.target.value)}>
          <option value="">All services</option>
          {services.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Lines" value={String(tail)} onChange={(e) => setTail(Number(e.target.value))}>
          {TAILS.map((n) => (
            <option key={n} value={n}>
              {`Last ${n}`}
            </option>
          ))}
        </SelectField>
        <button type="button" className="button-secondary" onClick={logs.reload} disabled={logs.loading}>
          Refresh
        </button>
      </form>
      <ErrorNotice error={logs.error} prefix="Could not read the log" />
      <p role="status" className="muted small">
        {logs.loading ? "Reading the log…" : `${lines.length} line${lines.length === 1 ? "" : "s"}${service ? ` of ${service}` : ""}.`}
      </p>
      <div className="log-view stack-log" role="log" aria-live="off" aria-label={`Log of ${stack.name}`} tabIndex={0}>
        {lines.map((line, i) => (
          <div key={i} className={line.stream === "stderr" ? "log-line log-stderr" : "log-line"}>
            <span className="log-service">{line.service}</span>
            {line.stream === "stderr" ? <span className="visually-hidden">stderr: </span> : null}
            <span title={line.time}>{line.line}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
