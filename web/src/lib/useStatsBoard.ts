import { useEffect, useMemo, useState } from "react";
import { useDokkerr } from "./services";
import { openStatsBoard, type BoardSample } from "./statsBoard";

/** The key of a sample in the map useStatsBoards returns. */
export function boardKey(env: string, id: string): string {
  return `${env}\u0000${id}`;
}

/**
 * The newest sample of each container in `groups` (environment → container ids), live: one
 * board per environment, reopened when that set changes (in any order).
 */
export function useStatsBoards(groups: Record<string, readonly string[]>): ReadonlyMap<string, BoardSample> {
  const dokkerr = useDokkerr();
  const key = useMemo(
    () =>
      JSON.stringify(
        Object.entries(groups)
          .filter(([, ids]) => ids.length > 0)
          .map(([env, ids]) => [env, [...new Set(ids)].sort()])
          .sort(([a], [b]) => String(a).localeCompare(String(b))),
      ),
    [groups],
  );
  const [samples, setSamples] = useState<ReadonlyMap<string, BoardSample>>(new Map());

  useEffect(() => {
    setSamples(new Map());
    const wanted = JSON.parse(key) as [string, string[]][];
    const boards = wanted.map(([env, ids]) =>
      openStatsBoard({
        env,
        ids,
        getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
        onSamples: (incoming) =>
          setSamples((current) => {
            const next = new Map(current);
            for (const sample of incoming) next.set(boardKey(env, sample.id), sample);
            return next;
          }),
      }),
    );
    return () => boards.forEach((board) => board.close());
  }, [dokkerr, key]);

  return samples;
}
