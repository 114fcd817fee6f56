// Image pulls with live progress: POST …/images/pull answers chunked NDJSON of the engine's
// progress objects, ending with {"status":"done"} or {"error","code"}. The layers' progress is
// folded into one state the PullProgress component shows.

import { ApiError, ndjsonObjects, type ApiClient } from "./api";

export interface LayerProgress {
  id: string;
  status: string;
  current: number | null;
  total: number | null;
}

export interface PullState {
  image: string;
  /** Layers in the order the engine first named them. */
  layers: LayerProgress[];
  /** The latest line that names no layer ("Pulling from …", "Digest: …", "Status: …"). */
  message: string;
  phase: "pulling" | "done" | "failed";
  error: string | null;
}

export function initialPull(image: string): PullState {
  return { image, layers: [], message: "", phase: "pulling", error: null };
}

/** The state after one progress object. */
export function applyProgress(state: PullState, line: Record<string, unknown>): PullState {
  if (typeof line.error === "string" || (line.errorDetail && typeof line.errorDetail === "object")) {
    const text = typeof line.error === "string" ? line.error : String((line.errorDetail as Record<string, unknown>).message ?? "pull failed");
    return { ...state, phase: "failed", error: text };
  }
  const status = typeof line.status === "string" ? line.status : "";
  if (status === "done") return { ...state, phase: "done" };
  const id = typeof line.id === "string" ? line.id : "";
  // Lines with an id name a layer, except the first "latest: Pulling from …" (the tag as id).
  if (!id || status.startsWith("Pulling from")) {
    return { ...state, message: status && id ? `${id}: ${status}` : status || state.message };
  }
  const detail = line.progressDetail && typeof line.progressDetail === "object" ? (line.progressDetail as Record<string, unknown>) : {};
  const current = typeof detail.current === "number" ? detail.current : null;
  const total = typeof detail.total === "number" ? detail.total : null;
  const index = state.layers.findIndex((layer) => layer.id === id);
  const layer: LayerProgress = { id, status, current, total };
  const layers = index < 0 ? [...state.layers, layer] : state.layers.map((l, i) => (i === index ? layer : l));
  return { ...state, layers };
}

/** Overall progress in [0, 1] over the layers whose size is known, or null. */
export function overallProgress(state: PullState): number | null {
  if (state.phase === "done") return 1;
  let current = 0;
  let total = 0;
  for (const layer of state.layers) {
    const done = /complete|already exists/i.test(layer.status);
    if (layer.total && layer.total > 0) {
      total += layer.total;
      current += done ? layer.total : Math.min(layer.current ?? 0, layer.total);
    }
  }
  return total > 0 ? current / total : null;
}

/** Splits "registry:5000/repo/name:tag" into the image and its tag (a digest stays in the image). */
export function splitReference(reference: string): { image: string; tag?: string } {
  const ref = reference.trim();
  if (ref.includes("@")) return { image: ref };
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { image: ref };
}

/**
 * Pulls `reference` into environment `env`, calling `onState` after every progress line.
 * Resolves with the final state; a refusal before the stream (404 image_not_found, 403
 * registry_not_allowed, …) rejects with its ApiError, a failure inside the stream resolves
 * with phase "failed".
 */
export async function pullImage(
  api: ApiClient,
  env: string,
  reference: string,
  options: { onState?: (state: PullState) => void; signal?: AbortSignal; headTimeoutMs?: number } = {},
): Promise<PullState> {
  const { image, tag } = splitReference(reference);
  const response = await api.openStream("POST", `/api/v1/environments/${encodeURIComponent(env)}/images/pull`, {
    body: tag ? { image, tag } : { image },
    signal: options.signal,
    timeoutMs: options.headTimeoutMs ?? 60_000,
    headers: { Accept: "application/x-ndjson, application/problem+json" },
  });
  let state = initialPull(reference);
  options.onState?.(state);
  if (!response.body) throw new ApiError({ status: 0, code: "network_error", title: "The pull answered without a body" });
  for await (const line of ndjsonObjects(response.body)) {
    state = applyProgress(state, line);
    options.onState?.(state);
  }
  if (state.phase === "pulling") {
    // The stream ended without its last line: the connection broke.
    state = { ...state, phase: "failed", error: "The pull ended before the server said it was done." };
    options.onState?.(state);
  }
  return state;
}
