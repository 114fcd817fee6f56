import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "./api";
import {
  countAvailable,
  IMAGE_UPDATE_CHECK_TIMEOUT_MS,
  imageKey,
  imagesWithUpdates,
  ImageUpdatesApi,
  lastChecked,
  shortDigest,
  updateFor,
  updatesByImage,
  updateStatusText,
  type ImageUpdate,
} from "./imageUpdates";
import { TokenStore } from "./tokens";
import { fakeFetch, json, problem } from "../test/fakeFetch";

const OLD = `sha256:${"0123456789ab".repeat(5)}cdef`;
const NEW = `sha256:${"fedcba987654".repeat(5)}3210`;

function update(image: string, overrides: Partial<ImageUpdate> = {}): ImageUpdate {
  return { image, status: "up_to_date", local_digest: OLD, remote_digest: OLD, error: "", checked_at: "2025-03-01T10:00:00.000Z", ...overrides };
}

describe("ImageUpdatesApi", () => {
  function client(respond: Parameters<typeof fakeFetch>[0]) {
    const fake = fakeFetch(respond);
    const tokens = new TokenStore();
    tokens.set({ access_token: "t", refresh_token: "r", token_type: "Bearer", expires_in: 900 });
    return { updates: new ImageUpdatesApi(new ApiClient({ tokens, fetch: fake.fetch })), calls: fake.calls };
  }

  it("lists the last results and checks now, addressed by the encoded environment", async () => {
    const items = [update("nginx:1.25", { status: "update_available", remote_digest: NEW })];
    const { updates, calls } = client(() => json(200, { items, next_cursor: null }));
    expect(await updates.list("local")).toEqual(items);
    expect(await updates.checkNow("prod east")).toEqual(items);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET /api/v1/environments/local/image-updates",
      "POST /api/v1/environments/prod%20east/image-updates/check",
    ]);
    expect(calls[1]!.body).toBeUndefined();
    expect(IMAGE_UPDATE_CHECK_TIMEOUT_MS).toBeGreaterThan(60_000);
  });

  it("answers an empty list when nothing was checked, and passes on a refusal", async () => {
    const { updates } = client((call) => (call.method === "GET" ? json(200, { items: null }) : problem(403, "forbidden", "You may not pull images here.")));
    expect(await updates.list("local")).toEqual([]);
    const failure = await updates.checkNow("local").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 403, code: "forbidden" });
  });
});

describe("imageKey", () => {
  it("spells Docker Hub's references one way, adding :latest", () => {
    for (const same of ["nginx", "nginx:latest", "docker.io/nginx", "docker.io/library/nginx:latest", "library/nginx", "index.docker.io/library/nginx"]) {
      expect(imageKey(same), same).toBe("nginx:latest");
    }
    expect(imageKey("team/app")).toBe("team/app:latest");
    expect(imageKey("docker.io/team/app:2")).toBe("team/app:2");
  });

  it("keeps another registry, its port, tags and digests", () => {
    expect(imageKey("registry:5000/team/app")).toBe("registry:5000/team/app:latest");
    expect(imageKey("registry:5000/team/app:v1")).toBe("registry:5000/team/app:v1");
    expect(imageKey("ghcr.io/library/x")).toBe("ghcr.io/library/x:latest");
    expect(imageKey("localhost/app")).toBe("localhost/app:latest");
    expect(imageKey(`busybox@${OLD}`)).toBe(`busybox@${OLD}`);
    expect(imageKey(`busybox:1.36@${OLD}`)).toBe(`busybox:1.36@${OLD}`);
  });
});

describe("matching results to images", () => {
  const results = [
    update("nginx", { status: "update_available", remote_digest: NEW }),
    update("postgres:16"),
    update("dokkerr-test/busybox:latest", { status: "unknown", local_digest: "", remote_digest: "", error: "built or loaded here" }),
  ];
  const map = updatesByImage(results);

  it("finds a result however the reference is spelt", () => {
    expect(updateFor(map, "nginx:latest")?.status).toBe("update_available");
    expect(updateFor(map, "docker.io/library/postgres:16")?.status).toBe("up_to_date");
    expect(updateFor(map, "dokkerr-test/busybox")?.error).toBe("built or loaded here");
    expect(updateFor(map, "redis")).toBeUndefined();
  });

  it("names a stack's images with an update, each once, in the stack's order", () => {
    expect(imagesWithUpdates(["postgres:16", "nginx", "docker.io/nginx:latest", "nginx", "redis"], map)).toEqual(["nginx", "docker.io/nginx:latest"]);
    expect(imagesWithUpdates(["postgres:16", "dokkerr-test/busybox:latest"], map)).toEqual([]);
    expect(imagesWithUpdates(undefined, map)).toEqual([]);
    expect(imagesWithUpdates(["nginx"], new Map())).toEqual([]);
    expect(countAvailable(results)).toBe(1);
  });
});

describe("showing results", () => {
  it("shortens a digest to the first 12 hex digits after the algorithm", () => {
    expect(shortDigest(OLD)).toBe("0123456789ab");
    expect(shortDigest(NEW)).toBe("fedcba987654");
    expect(shortDigest("")).toBe("");
    expect(shortDigest(null)).toBe("");
  });

  it("names every status in words", () => {
    expect(updateStatusText("update_available")).toBe("Update available");
    expect(updateStatusText("up_to_date")).toBe("Up to date");
    expect(updateStatusText("unknown")).toBe("Unknown");
    expect(updateStatusText("something new")).toBe("Unknown");
  });

  it("answers when the newest result was checked", () => {
    expect(lastChecked([])).toBeNull();
    expect(lastChecked([update("a", { checked_at: "2025-03-01T10:00:00.000Z" }), update("b", { checked_at: "2025-03-02T09:00:00.000Z" }), update("c", { checked_at: "" })])).toBe(
      "2025-03-02T09:00:00.000Z",
    );
  });
});
