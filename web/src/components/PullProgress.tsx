// The live progress of an image pull: overall bar, per-layer lines, the final outcome.

import { formatBytes } from "../lib/format";
import { overallProgress, type PullState } from "../lib/pull";

export function PullProgress({ state }: { state: PullState }) {
  const overall = overallProgress(state);
  const label = `Pulling ${state.image}`;
  return (
    <div className="pull-progress">
      <div className="pull-head">
        <span>{label}</span>
        {state.phase === "done" ? <span className="status-pill status-up">Pulled</span> : null}
        {state.phase === "failed" ? <span className="status-pill status-down">Failed</span> : null}
      </div>
      <progress aria-label={label} max={1} value={overall ?? undefined}>
        {overall === null ? "" : `${Math.round(overall * 100)} %`}
      </progress>
      {state.message ? (
        <p className="muted small" role="status">
          {state.message}
        </p>
      ) : null}
      {state.layers.length > 0 ? (
        <ul className="layer-list">
          {state.layers.map((layer) => (
            <li key={layer.id}>
              <span className="mono">{layer.id}</span> {layer.status}
              {layer.total ? ` ${formatBytes(layer.current ?? 0)} / ${formatBytes(layer.total)}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      {state.error ? <p className="error-text" role="alert">{state.error}</p> : null}
    </div>
  );
}
