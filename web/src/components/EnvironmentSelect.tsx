import type { EnvironmentChoice } from "../lib/environments";

/** The environment picker of a page's toolbar. */
export function EnvironmentSelect({ choice }: { choice: EnvironmentChoice }) {
  return (
    <label className="inline-label">
      <span>Environment</span>
      <select value={choice.env} onChange={(e) => choice.setEnv(e.target.value)} disabled={choice.environments.length === 0}>
        {choice.environments.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name}
            {e.status !== "up" ? " (down)" : ""}
          </option>
        ))}
      </select>
    </label>
  );
}
