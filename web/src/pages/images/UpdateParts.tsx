// Pieces the Images and Stacks pages share for image updates: a result's status as a badge whose
// word always shows (the colour only adds to it), and a digest in its short form.

import { shortDigest, updateStatusText } from "../../lib/imageUpdates";
import "./updates.css";

const KIND: Record<string, string> = { update_available: "available", up_to_date: "current" };

/** "Update available", "Up to date" or "Unknown", as a badge. */
export function UpdateStatusBadge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge update-badge update-${KIND[status] ?? "unknown"}`} title={title}>
      {updateStatusText(status)}
    </span>
  );
}

/** The first 12 hex digits of a digest (the whole one as its title), or a dash for none. */
export function ShortDigest({ digest }: { digest: string | null | undefined }) {
  if (!digest) return <span className="muted">—</span>;
  return (
    <span className="mono" title={digest}>
      {shortDigest(digest)}
    </span>
  );
}
