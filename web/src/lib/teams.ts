// The teams the caller sees, for showing names rather than ids.

import { useMemo } from "react";
import type { Team } from "./dokkerr";
import { useLoad } from "./hooks";
import { useDokkerr } from "./services";

export interface TeamNames {
  teams: Team[];
  /** A team's name, or its id when the caller cannot see the team. */
  nameOf: (id: string) => string;
  error: unknown;
}

/** The teams the caller sees, loaded once per page, so that tables show names, not ids. */
export function useTeamNames(): TeamNames {
  const dokkerr = useDokkerr();
  const loaded = useLoad((signal) => dokkerr.teams(signal), [dokkerr]);
  const data = loaded.data;
  return useMemo(() => {
    const teams = [...(data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const byId = new Map(teams.map((team) => [team.id, team.name]));
    return { teams, nameOf: (id: string) => byId.get(id) ?? id, error: loaded.error };
  }, [data, loaded.error]);
}
