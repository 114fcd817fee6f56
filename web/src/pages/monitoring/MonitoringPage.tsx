// Monitoring: metric history of a container, team or environment, and — for callers who see
// alerts — the alerts, their rules and silences, one section at a time (#/monitoring/<section>).

import { lazy, Suspense } from "react";
import { canReadAlerts } from "../../lib/monitoring";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import "./monitoring.css";

const MetricsSection = lazy(() => import("./MetricsSection"));
const AlertsSection = lazy(() => import("./AlertsSection"));
const RulesSection = lazy(() => import("./RulesSection"));
const SilencesSection = lazy(() => import("./SilencesSection"));

export const MONITORING_SECTIONS = [
  { id: "metrics", label: "Metric history", alerts: false },
  { id: "alerts", label: "Alerts", alerts: true },
  { id: "rules", label: "Alert rules", alerts: true },
  { id: "silences", label: "Silences", alerts: true },
] as const;

type SectionId = (typeof MONITORING_SECTIONS)[number]["id"];

function Section({ id }: { id: SectionId }) {
  switch (id) {
    case "metrics":
      return <MetricsSection />;
    case "alerts":
      return <AlertsSection />;
    case "rules":
      return <RulesSection />;
    case "silences":
      return <SilencesSection />;
  }
}

export default function MonitoringPage({ section }: { section: string }) {
  const { permissions } = useSession();
  const alerts = canReadAlerts(permissions);
  const visible = MONITORING_SECTIONS.filter((s) => !s.alerts || alerts);
  const current = visible.find((s) => s.id === section) ?? visible[0]!;
  return (
    <section aria-labelledby="page-title" className="admin-layout">
      <h1 id="page-title">Monitoring: {current.label}</h1>
      <nav aria-label="Monitoring" className="sub-nav">
        <ul>
          {visible.map((s) => (
            <li key={s.id}>
              <Link to={`/monitoring/${s.id}`} aria-current={s.id === current.id ? "page" : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="admin-content">
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Section id={current.id} />
        </Suspense>
      </div>
    </section>
  );
}
