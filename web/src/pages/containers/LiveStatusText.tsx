// How the Logs and Stats tabs show the state of their live stream.

import type { LiveStatus } from "../../lib/live";

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  open: "Live",
  waiting: "Reconnecting…",
  denied: "Stopped",
  closed: "Closed",
};

export function LiveStatusText({ status, detail }: { status: LiveStatus; detail: string | undefined }) {
  return (
    <span role="status" className={status === "open" ? "live-status live-open" : status === "denied" ? "live-status live-denied" : "live-status"}>
      {STATUS_TEXT[status]}
      {detail && status !== "open" ? ` (${detail})` : ""}
    </span>
  );
}
