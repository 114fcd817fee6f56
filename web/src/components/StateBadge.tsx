/** A container's state as a coloured word (the colour never the only cue). */
export function StateBadge({ state }: { state: string | undefined }) {
  const text = state || "unknown";
  return <span className={`state state-${text.replace(/[^a-z]/g, "")}`}>{text}</span>;
}
