// What the engine does to a stack's containers while a deploy request is in flight. The server
// answers such a request only once every service is up, so the engine's event stream is the only
// way to see anything before that. The stream is opened just before the request is sent (and the
// request waits, briefly, for it to open: the engine sends no past events, so whatever happens
// before the stream is subscribed would be lost), and closed shortly after the answer.

import { useCallback, useEffect, useRef, useState } from "react";
import type { EngineEvent } from "../../lib/dokkerr";
import { useEngineEvents } from "../../lib/events";
import type { LiveStatus } from "../../lib/live";
import { useSession } from "../../lib/session";

/** How long a request waits for the stream to open before it is sent anyway. */
export const READY_TIMEOUT_MS = 2_000;
/** The stream stays open this long after the answer: events may trail the HTTP response. */
export const LINGER_MS = 750;
/** The list keeps the latest entries only: a crash-looping service must not grow it forever. */
export const MAX_ENTRIES = 500;

export const PROJECT_LABEL = "com.docker.compose.project";
export const SERVICE_LABEL = "com.docker.compose.service";
export const NUMBER_LABEL = "com.docker.compose.container-number";

export type ProgressPhase = "idle" | "running" | "done" | "failed";
/** The stream's status, or "unavailable" when the caller may not read the environment's events. */
export type ProgressStream = LiveStatus | "unavailable";
export type EntryTone = "ok" | "bad" | "neutral";

export interface ProgressEntry {
  id: number;
  /** When the engine reported it, in ms since the epoch. */
  time: number;
  /** "web-1" for a container, the reference for an image. */
  subject: string;
  /** The container's full name or the image's reference, for a tooltip. */
  detail: string;
  service: string | null;
  text: string;
  tone: EntryTone;
}

export interface StackProgressState {
  stack: string;
  /** Which of the page's places shows the panel: the one the request was started from. */
  at: string;
  phase: ProgressPhase;
  stream: ProgressStream;
  /** The services the file names, when they could be read from it. */
  services: string[] | null;
  entries: ProgressEntry[];
  /** Entries that no longer fit in the list. */
  dropped: number;
  /** Services with a container started during this request, in the order they started. */
  started: string[];
  /** The last health each container reported, by its subject. */
  health: Record<string, { service: string | null; status: string }>;
  /** Containers being stopped on purpose: their death is expected, not a failure. */
  stopping: string[];
}

export const IDLE: StackProgressState = {
  stack: "",
  at: "page",
  phase: "idle",
  stream: "closed",
  services: null,
  entries: [],
  dropped: 0,
  started: [],
  health: {},
  stopping: [],
};

export interface TrackOptions {
  /** Where the panel shows (DeployProgress's `at`); "page" unless given. */
  at?: string;
  /** The services of the file deployed, for "3 of 5 services started"; null when unknown. */
  services?: string[] | null;
  /** The images the stack pulls: their pull events are shown too. */
  images?: readonly string[];
}

export interface StackProgress {
  state: StackProgressState;
  running: boolean;
  /** Runs `request` (a deploy of `stack`) with the stream open, and resolves or rejects as it does. */
  track: <T>(stack: string, request: () => Promise<T>, options?: TrackOptions) => Promise<T>;
  /** Hides the panel of a request that has ended. */
  dismiss: () => void;
  /** Keeps the ended request's panel for the stack's own page, which the caller is about to open. */
  handOver: (env: string) => void;
}

// Image references

/** "nginx", "library/nginx:latest" and "docker.io/library/nginx:latest" are one image. */
export function normalizeImage(reference: string): string {
  let ref = reference.trim().toLowerCase();
  if (!ref) return ref;
  for (const prefix of ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]) {
    if (ref.startsWith(prefix)) ref = ref.slice(prefix.length);
  }
  if (ref.startsWith("library/")) ref = ref.slice("library/".length);
  if (ref.includes("@")) return ref;
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  return last.includes(":") ? ref : `${ref}:latest`;
}

/**
 * The images a compose file names in block style (`image: x`), leaving out those with variables
 * (only the server knows their values). Only to pick out pull events: never to decide anything.
 */
export function composeImages(compose: string): string[] {
  const found = new Set<string>();
  for (const line of compose.split(/\r?\n/)) {
    const match = /^\s+image\s*:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(line);
    if (match && !match[1]!.includes("$")) found.add(match[1]!);
  }
  return [...found];
}

// Events

/** When the engine reported the event, in ms; the browser's clock when it does not say. */
function eventTime(event: EngineEvent): number {
  if (typeof event.timeNano === "number" && event.timeNano > 0) return Math.floor(event.timeNano / 1e6);
  if (typeof event.time === "number" && event.time > 0) return event.time * 1000;
  return Date.now();
}

/** "web-1": the service and replica number, as Compose names the container after the project. */
function containerSubject(event: EngineEvent): { subject: string; detail: string; service: string | null } {
  const attributes = event.Actor?.Attributes ?? {};
  const service = attributes[SERVICE_LABEL] || null;
  const number = attributes[NUMBER_LABEL];
  const name = attributes.name || (event.Actor?.ID ?? "").slice(0, 12) || "container";
  return { subject: service ? (number ? `${service}-${number}` : service) : name, detail: name, service };
}

type Described = { text: string; tone: EntryTone; kind: string };

/** What a container event means to someone watching a deploy; null for events that are noise (exec, attach…). */
export function describeContainerEvent(event: EngineEvent, expectedStop = false): Described | null {
  const action = event.Action ?? "";
  const attributes = event.Actor?.Attributes ?? {};
  // The health is part of the action itself: "health_status: healthy".
  if (action.startsWith("health_status")) {
    const health = action.slice(action.indexOf(":") + 1).trim();
    if (health === "healthy") return { text: "healthy", tone: "ok", kind: "health" };
    if (health === "unhealthy") return { text: "unhealthy", tone: "bad", kind: "health" };
    return { text: `health: ${health || "unknown"}`, tone: "neutral", kind: "health" };
  }
  switch (action) {
    case "create":
      return { text: "created", tone: "neutral", kind: action };
    case "start":
      return { text: "started", tone: "ok", kind: action };
    case "restart":
      return { text: "restarted", tone: "neutral", kind: action };
    case "die": {
      const code = attributes.exitCode;
      if (code === undefined || code === "") return { text: "died", tone: expectedStop ? "neutral" : "bad", kind: action };
      if (code === "0") return { text: "exited (exit 0)", tone: "neutral", kind: action };
      return { text: `died (exit ${code})`, tone: expectedStop ? "neutral" : "bad", kind: action };
    }
    case "kill":
      return { text: attributes.signal ? `killed (signal ${attributes.signal})` : "killed", tone: "neutral", kind: action };
    case "stop":
      return { text: "stopped", tone: "neutral", kind: action };
    case "destroy":
      return { text: "removed", tone: "neutral", kind: action };
    case "oom":
      return { text: "out of memory", tone: "bad", kind: action };
    case "pause":
      return { text: "paused", tone: "neutral", kind: action };
    case "unpause":
      return { text: "unpaused", tone: "neutral", kind: action };
    default:
      return null;
  }
}

let nextEntryId = 1;

function withEntry(state: StackProgressState, entry: Omit<ProgressEntry, "id">): StackProgressState {
  const entries = [...state.entries, { ...entry, id: nextEntryId++ }];
  const over = Math.max(0, entries.length - MAX_ENTRIES);
  return { ...state, entries: over > 0 ? entries.slice(over) : entries, dropped: state.dropped + over };
}

/** The state after a container event: unchanged for other stacks' containers and for noise. */
export function applyContainerEvent(state: StackProgressState, event: EngineEvent): StackProgressState {
  if (event.Type && event.Type !== "container") return state;
  const attributes = event.Actor?.Attributes ?? {};
  if (!state.stack || attributes[PROJECT_LABEL] !== state.stack) return state;
  const id = event.Actor?.ID ?? "";
  const expectedStop = !!id && state.stopping.includes(id);
  const described = describeContainerEvent(event, expectedStop);
  if (!described) return state;
  const { subject, detail, service } = containerSubject(event);
  let next = withEntry(state, { time: eventTime(event), subject, detail, service, text: described.text, tone: described.tone });
  if (described.kind === "start" && service && !next.started.includes(service)) next = { ...next, started: [...next.started, service] };
  if (described.kind === "health") {
    const status = described.text.replace(/^health: /, "");
    next = { ...next, health: { ...next.health, [subject]: { service, status } } };
  }
  if ((described.kind === "kill" || described.kind === "stop") && id && !next.stopping.includes(id)) next = { ...next, stopping: [...next.stopping, id] };
  return next;
}

/** The state after an image event: only pulls of the stack's own images count. */
export function applyImageEvent(state: StackProgressState, event: EngineEvent, images: ReadonlySet<string>): StackProgressState {
  if (event.Type !== "image" || event.Action !== "pull") return state;
  const reference = event.Actor?.ID || event.Actor?.Attributes?.name || "";
  if (!reference || !images.has(normalizeImage(reference))) return state;
  return withEntry(state, { time: eventTime(event), subject: reference, detail: reference, service: null, text: "pulled", tone: "ok" });
}

/** The services counted as healthy: those with a container whose last health report was healthy. */
export function healthyServices(state: StackProgressState): string[] {
  const healthy = new Set<string>();
  for (const [subject, { service, status }] of Object.entries(state.health)) if (status === "healthy") healthy.add(service ?? subject);
  return [...healthy];
}

/** "3 of 5 services started" (or "3 services started" when the file's services are unknown), with the healthy ones. */
export function progressCount(state: StackProgressState): string {
  const started = state.started.length;
  let text: string;
  if (state.services) {
    const total = new Set([...state.services, ...state.started]).size;
    text = `${started} of ${total} service${total === 1 ? "" : "s"} started`;
  } else {
    text = `${started} service${started === 1 ? "" : "s"} started`;
  }
  const healthy = healthyServices(state).length;
  if (Object.keys(state.health).length > 0) text += ` · ${healthy} healthy`;
  return text;
}

// The panel of a deploy started on one page and shown on the next (a new stack's own page).

const HANDED_OVER_MS = 60_000;
const handedOver = new Map<string, { at: number; state: StackProgressState }>();
const handOverKey = (env: string, stack: string) => `${env}\u0000${stack}`;

function peekHandedOver(env: string, stack: string): StackProgressState | null {
  const kept = handedOver.get(handOverKey(env, stack));
  return kept && Date.now() - kept.at < HANDED_OVER_MS ? kept.state : null;
}

// The hook

export function useStackProgress(env: string, stack = ""): StackProgress {
  const session = useSession();
  const admin = session.permissions?.is_admin ?? false;
  // As useEngineEvents decides: without a stream to open, the request goes at once.
  const available = !!env && !!session.permissions && (admin || session.teamsWith("events:read", env).length > 0);
  const availableRef = useRef(available);
  availableRef.current = available;

  // Read (not taken) here: a strict-mode second render must find it too; the effect below forgets it.
  const [state, setState] = useState<StackProgressState>(() => (env && stack ? peekHandedOver(env, stack) : null) ?? IDLE);
  const stateRef = useRef(state);
  const update = useCallback((change: (current: StackProgressState) => StackProgressState) => {
    const next = change(stateRef.current);
    if (next === stateRef.current) return;
    stateRef.current = next;
    setState(next);
  }, []);

  const [active, setActive] = useState(false);
  const [watchImages, setWatchImages] = useState(false);
  const activeRef = useRef(false);
  const streamRef = useRef<LiveStatus>("closed");
  const images = useRef<ReadonlySet<string>>(new Set());
  const release = useRef<(() => void) | null>(null);
  const linger = useRef<ReturnType<typeof setTimeout> | null>(null);
  const generation = useRef(0);
  const mounted = useRef(true);

  useEffect(() => {
    if (env && stack) handedOver.delete(handOverKey(env, stack));
  }, [env, stack]);

  // The same page showing another stack must not show the last one's deploy.
  const shown = useRef(handOverKey(env, stack));
  useEffect(() => {
    const key = handOverKey(env, stack);
    if (shown.current === key) return;
    shown.current = key;
    if (stateRef.current.phase !== "running") update(() => IDLE);
  }, [env, stack, update]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      activeRef.current = false;
      if (linger.current !== null) clearTimeout(linger.current);
      linger.current = null;
      // A request still waiting for the stream goes now: leaving the page does not cancel a deploy.
      release.current?.();
    };
  }, []);

  const onStatus = useCallback(
    (status: LiveStatus) => {
      if (!activeRef.current) return;
      streamRef.current = status;
      update((current) => (current.phase === "idle" || current.stream === status ? current : { ...current, stream: status }));
      if (status !== "connecting") release.current?.();
    },
    [update],
  );

  const live = active ? env : "";
  useEngineEvents(live, {
    type: "container",
    onStatus,
    onEvent: (event) => {
      if (activeRef.current) update((current) => applyContainerEvent(current, event));
    },
  });
  // Images carry no team: members get no such stream, and their list shows containers only.
  useEngineEvents(watchImages ? live : "", {
    type: "image",
    teamScoped: false,
    onEvent: (event) => {
      if (activeRef.current) update((current) => applyImageEvent(current, event, images.current));
    },
  });

  const end = useCallback(
    (run: number, phase: ProgressPhase) => {
      if (run !== generation.current || !mounted.current) return;
      update((current) => ({ ...current, phase }));
      linger.current = setTimeout(() => {
        linger.current = null;
        if (run !== generation.current) return;
        activeRef.current = false;
        setActive(false);
        setWatchImages(false);
      }, LINGER_MS);
    },
    [update],
  );

  const track = useCallback(
    async <T>(name: string, request: () => Promise<T>, options: TrackOptions = {}): Promise<T> => {
      generation.current += 1;
      const run = generation.current;
      if (linger.current !== null) clearTimeout(linger.current);
      linger.current = null;
      images.current = new Set((options.images ?? []).map(normalizeImage).filter(Boolean));
      const streaming = availableRef.current;
      // A stream still open from the request before is used again as it is.
      const reused = streaming && activeRef.current;
      update(() => ({
        ...IDLE,
        stack: name,
        at: options.at ?? "page",
        phase: "running",
        services: options.services ?? null,
        stream: !streaming ? "unavailable" : reused ? streamRef.current : "connecting",
      }));
      if (streaming) {
        if (!reused) streamRef.current = "connecting";
        activeRef.current = true;
        setActive(true);
        setWatchImages(images.current.size > 0);
        if (streamRef.current === "connecting" || streamRef.current === "waiting") {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => done(), READY_TIMEOUT_MS);
            function done() {
              clearTimeout(timer);
              if (release.current === done) release.current = null;
              resolve();
            }
            release.current = done;
          });
        }
      }
      try {
        const result = await request();
        end(run, "done");
        return result;
      } catch (error) {
        end(run, "failed");
        throw error;
      }
    },
    [end, update],
  );

  const dismiss = useCallback(() => {
    if (stateRef.current.phase !== "running") update(() => IDLE);
  }, [update]);

  const handOver = useCallback((where: string) => {
    const current = stateRef.current;
    if (!current.stack || current.phase === "idle") return;
    handedOver.set(handOverKey(where, current.stack), { at: Date.now(), state: { ...current, at: "page" } });
  }, []);

  return { state, running: state.phase === "running", track, dismiss, handOver };
}
