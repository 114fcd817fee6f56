// The dashboard's alert tile: how many alerts fire now and the newest few, kept fresh by the
// alert stream; loaded in its own chunk so the first page stays small.

import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative } from "../../lib/format";
import { Link } from "../../lib/router";
import { useFiringAlerts } from "../../lib/useFiringAlerts";
import "./monitoring.css";

const NEWEST_SHOWN = 3;

export default function FiringAlertsTile() {
  const firing = useFiringAlerts();
  const items = [...(firing.items ?? [])].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
  const count = firing.items?.length;
  return (
    <section aria-labelledby="alerts-tile-title" className="panel">
      <div className="panel-head">
        <h2 id="alerts-tile-title">Alerts</h2>
        <Link to="/monitoring/alerts">All alerts</Link>
      </div>
      <ErrorNotice error={firing.error} prefix="Could not load the alerts" />
      {count === undefined ? (
        firing.error ? null : <p role="status">Loading…</p>
      ) : (
        <p className={count > 0 ? "alert-count alert-firing" : "alert-count alert-resolved"}>
          <strong>{count}</strong> firing
        </p>
      )}
      {items.length > 0 ? (
        <ul className="tile-alerts" aria-label="Newest firing alerts">
          {items.slice(0, NEWEST_SHOWN).map((a) => (
            <li key={a.id}>
              <strong>{a.rule.name}</strong> on <span className="mono">{a.container.name || a.container.id.slice(0, 12)}</span>{" "}
              <span className="muted small">{formatRelative(a.started_at)}</span>
              {a.silenced ? <span className="badge">silenced</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
