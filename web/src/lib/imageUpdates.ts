// Typed calls of the v1 routes for: the image update checks of an environment (see docs/api/v1.md,
// "Image updates"), which compare the digest each image reference of the running containers was
// pulled by with the one its registry names for the tag now; and the pure helpers of the pages
// that show them: the result for an image reference, the images of a stack that have an update,
// the short form of a digest and the words for a status.

import { useMemo } from "react";
import type { ApiClient } from "./api";
import { useServices } from "./services";

const enc = encodeURIComponent;

/**
 * A check asks every registry the running images come from, one after the other (and waits for
 * a check of the environment already running): far longer than the client's default bound.
 */
export const IMAGE_UPDATE_CHECK_TIMEOUT_MS = 300_000;

export type ImageUpdateStatus = "up_to_date" | "update_available" | "unknown";

/** What the last check found for one image reference the environment's running containers use. */
export interface ImageUpdate {
  /** The reference as the containers name it ("registry:5000/team/app:1"). */
  image: string;
  status: ImageUpdateStatus | string;
  /** The digest the engine pulled (or pushed) the image by, "sha256:…"; "" when it has none. */
  local_digest: string;
  /** The digest the registry names for the tag now; "" when it could not be asked. */
  remote_digest: string;
  /** Why the status is "unknown"; "" otherwise. */
  error: string;
  checked_at: string;
}

interface Items<T> {
  items?: T[] | null;
}

export class ImageUpdatesApi {
  constructor(readonly api: ApiClient) {}

  private base(env: string): string {
    return `/api/v1/environments/${enc(env)}/image-updates`;
  }

  /** The results of the last check (scheduled or by hand); empty when none has run yet. `images:read`. */
  async list(env: string, signal?: AbortSignal): Promise<ImageUpdate[]> {
    const page = await this.api.get<Items<ImageUpdate>>(this.base(env), { signal });
    return page.items ?? [];
  }

  /** Checks the environment's running images now and answers the results. `images:pull`. */
  async checkNow(env: string): Promise<ImageUpdate[]> {
    const page = await this.api.post<Items<ImageUpdate>>(`${this.base(env)}/check`, undefined, { timeoutMs: IMAGE_UPDATE_CHECK_TIMEOUT_MS });
    return page.items ?? [];
  }
}

/** The image update routes on the app's API client (made once per client). */
export function useImageUpdatesApi(): ImageUpdatesApi {
  const { api } = useServices();
  return useMemo(() => new ImageUpdatesApi(api), [api]);
}

// References

const DOCKER_HUB = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//;

/**
 * One spelling of an image reference for matching: Docker Hub's implied registry and "library/"
 * left out, ":latest" added to a name without a tag or digest. "nginx", "docker.io/library/nginx"
 * and "nginx:latest" are one image; "registry:5000/app" keeps its registry.
 */
export function imageKey(reference: string): string {
  let name = reference.trim();
  let digest = "";
  const at = name.indexOf("@");
  if (at >= 0) {
    digest = name.slice(at);
    name = name.slice(0, at);
  }
  name = name.replace(DOCKER_HUB, "");
  const first = name.split("/")[0] ?? "";
  const hub = !name.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost");
  if (hub && name.startsWith("library/") && name.split("/").length === 2) name = name.slice("library/".length);
  const slash = name.lastIndexOf("/");
  const hasTag = name.lastIndexOf(":") > slash;
  if (!hasTag && !digest) name = `${name}:latest`;
  return `${name}${digest}`;
}

/** The results by image reference (in the spelling of imageKey). */
export function updatesByImage(updates: readonly ImageUpdate[]): Map<string, ImageUpdate> {
  const map = new Map<string, ImageUpdate>();
  for (const update of updates) map.set(imageKey(update.image), update);
  return map;
}

/** What the last check found for `image`, however the reference is spelt; undefined when it was not checked. */
export function updateFor(updates: ReadonlyMap<string, ImageUpdate>, image: string): ImageUpdate | undefined {
  return updates.get(imageKey(image));
}

/** Which of `images` (a stack's) the last check found a newer digest for, each once, in their order. */
export function imagesWithUpdates(images: readonly string[] | null | undefined, updates: ReadonlyMap<string, ImageUpdate>): string[] {
  const out: string[] = [];
  for (const image of images ?? []) {
    if (updateFor(updates, image)?.status === "update_available" && !out.includes(image)) out.push(image);
  }
  return out;
}

// Showing results

/** "sha256:0123456789abcdef…" → "0123456789ab"; "" for none. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return "";
  const colon = digest.indexOf(":");
  return digest.slice(colon + 1, colon + 13);
}

/** The words for a status (never colour alone). */
export function updateStatusText(status: string): string {
  if (status === "update_available") return "Update available";
  if (status === "up_to_date") return "Up to date";
  return "Unknown";
}

/** When the newest result was checked, or null when nothing has been. */
export function lastChecked(updates: readonly ImageUpdate[]): string | null {
  let newest: string | null = null;
  let newestAt = Number.NEGATIVE_INFINITY;
  for (const update of updates) {
    const at = Date.parse(update.checked_at);
    if (!Number.isNaN(at) && at > newestAt) {
      newest = update.checked_at;
      newestAt = at;
    }
  }
  return newest;
}

/** How many results have a newer digest in their registry. */
export function countAvailable(updates: readonly ImageUpdate[]): number {
  return updates.filter((update) => update.status === "update_available").length;
}
