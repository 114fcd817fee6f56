// An environment's engine events, live, as the caller may see them. An admin's stream carries
// every event. A member's carries only objects of their teams, and the server wants `?team=`
// from a member of several teams: one stream per team then (at most MAX_TEAM_STREAMS).

import { useEffect, useRef } from "react";
import { eventsPath, type EngineEvent } from "./dokkerr";
import { openLive, type LiveStatus } from "./live";
import { useDokkerr } from "./services";
import { useSession } from "./session";

export const MAX_TEAM_STREAMS = 4;

export interface EngineEventsOptions {
  /** Only events of this type (container, image, network, volume), filtered by the server. */
  type?: string;
  /** False for objects that carry no team (images): members then get no stream at all. */
  teamScoped?: boolean;
  onEvent: (event: EngineEvent) => void;
  onStatus?: (status: LiveStatus, detail?: string) => void;
}

export function useEngineEvents(env: string, options: EngineEventsOptions): void {
  const dokkerr = useDokkerr();
  const session = useSession();
  const latest = useRef(options);
  latest.current = options;
  const type = options.type;
  const admin = session.permissions?.is_admin ?? false;
  const memberTeams = admin || !env ? [] : session.teamsWith("events:read", env).slice(0, MAX_TEAM_STREAMS);
  // A string, so that a new array with the same teams does not reopen the streams.
  const teamsKey = memberTeams.join("\n");
  const enabled = !!env && !!session.permissions && (admin || ((options.teamScoped ?? true) && memberTeams.length > 0));

  useEffect(() => {
    if (!enabled) return undefined;
    const teams: (string | undefined)[] = teamsKey ? teamsKey.split("\n") : [undefined];
    const streams = teams.map((team, index) =>
      openLive({
        path: eventsPath(env),
        query: { type, team: teams.length > 1 ? team : undefined },
        getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
        // The first stream speaks for all: they open and close together.
        onStatus: index === 0 ? (status, detail) => latest.current.onStatus?.(status, detail) : undefined,
        onMessage: (data) => {
          let event: EngineEvent;
          try {
            event = JSON.parse(data) as EngineEvent;
          } catch {
            return;
          }
          if (type && event.Type !== type) return;
          latest.current.onEvent(event);
        },
      }),
    );
    return () => {
      for (const stream of streams) stream.close();
    };
  }, [dokkerr, env, type, enabled, teamsKey]);
}

/** Calls `reload` when an event of `type` arrives, at most once a second however many come. */
export function useLiveReload(env: string, type: string, reload: () => void, teamScoped = true): void {
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
    },
    [env, type],
  );
  useEngineEvents(env, {
    type,
    teamScoped,
    onEvent: () => {
      if (timer.current !== null) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        reloadRef.current();
      }, 1000);
    },
  });
}
