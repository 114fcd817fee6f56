import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { FakeWebSocket, installFakeWebSocket } from "../../test/fakeWebSocket";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { HOSTILE, scriptedNdjson } from "../../test/resourcePages";
import type { ImageSummary } from "../../lib/resources";
import ImagesPage, { imageRows } from "./ImagesPage";

const NOW = Math.floor(Date.now() / 1000);
const BUSYBOX = `sha256:${"a".repeat(64)}`;
const APP = `sha256:${"b".repeat(64)}`;
const DANGLING = `sha256:${"c".repeat(64)}`;
const EVIL = `sha256:${"d".repeat(64)}`;

const IMAGES: ImageSummary[] = [
  { Id: BUSYBOX, RepoTags: ["busybox:latest", "busybox:1.36"], RepoDigests: ["busybox@sha256:1234"], Created: NOW - 7200, Size: 4_404_019, Containers: 2, Labels: null },
  { Id: APP, RepoTags: ["registry:5000/team/app:v1"], RepoDigests: [], Created: NOW - 86400 * 3, Size: 52_428_800, Containers: -1, Labels: {} },
  { Id: DANGLING, RepoTags: ["<none>:<none>"], RepoDigests: ["<none>@<none>"], Created: NOW - 600, Size: 1024, Containers: -1, Labels: {} },
  { Id: EVIL, RepoTags: [HOSTILE], RepoDigests: [], Created: NOW - 60, Size: 2048, Containers: 0, Labels: { [HOSTILE]: HOSTILE } },
];

const LIST = "/api/v1/environments/local/images";
const VIEWER = memberPermissions(["images:read", "networks:read", "volumes:read"]);

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: IMAGES, next_cursor: null });
    if (call.method === "GET" && call.url === "/api/v1/teams") return json(200, { items: [], next_cursor: null });
    if (call.url === "/api/v1/auth/ws-ticket") return problem(403, "forbidden", "No events here.");
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const listCalls = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url === LIST).length;

function rowOf(text: string): HTMLElement {
  return screen.getByText(text, { selector: "span" }).closest("tr")!;
}

describe("imageRows", () => {
  it("makes one row per tag and one <none> row for an untagged image", () => {
    const rows = imageRows(IMAGES);
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set(["busybox:1.36", "busybox:latest", HOSTILE, "registry:5000/team/app:v1", "<none>"]));
    expect(rows.map((r) => r.ref)).toContain("busybox:1.36");
    expect(rows.find((r) => r.name === "registry:5000/team/app:v1")!.repository).toBe("registry:5000/team/app");
    expect(rows.at(-1)!.ref).toBe(DANGLING);
  });
});

describe("ImagesPage", () => {
  beforeEach(() => {
    window.location.hash = "#/images";
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("lists one row per tag with short id, size, age and use; dangling images on request; filters on the loaded list", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<ImagesPage env="" />, server());
    await screen.findByText("busybox:latest");
    expect(screen.getByText("busybox:1.36")).toBeTruthy();
    const row = rowOf("busybox:latest");
    expect(within(row).getByText("aaaaaaaaaaaa")).toBeTruthy();
    expect(within(row).getByText("4.2 MiB")).toBeTruthy();
    expect(within(row).getByText("2 hours ago")).toBeTruthy();
    expect(within(row).getByText("2 containers")).toBeTruthy();
    expect(within(rowOf("registry:5000/team/app:v1")).getByText("—")).toBeTruthy();
    expect(screen.queryByText("<none>")).toBeNull();

    await user.click(screen.getByLabelText(/Show dangling/));
    expect(screen.getByText("<none>")).toBeTruthy();
    expect(within(rowOf("<none>")).getByText("cccccccccccc")).toBeTruthy();

    await user.type(screen.getByLabelText("Filter"), "REGISTRY:5000");
    expect(screen.queryByText("busybox:latest")).toBeNull();
    expect(screen.getByText("registry:5000/team/app:v1")).toBeTruthy();
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "nothing-like-this");
    expect(screen.getByText("No image matches.")).toBeTruthy();
    // The filter works on the list in memory: one request only.
    expect(listCalls(calls)).toBe(1);
  });

  it("counts the containers of an image from the container list when the engine did not", async () => {
    const containers = "/api/v1/environments/local/containers?all=1&limit=1000&fields=Id%2CImageID%2CNetworkSettings";
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.url === containers
          ? json(200, { items: [{ Id: "c1", ImageID: APP }, { Id: "c2", ImageID: APP }, { Id: "c3", ImageID: BUSYBOX }], next_cursor: null })
          : undefined,
      ),
    );
    await screen.findByText("registry:5000/team/app:v1");
    await waitFor(() => expect(within(rowOf("registry:5000/team/app:v1")).getByText("2 containers")).toBeTruthy());
    // The engine's own count wins when it made one.
    expect(within(rowOf("busybox:latest")).getByText("2 containers")).toBeTruthy();
    expect(calls.filter((c) => c.url === containers)).toHaveLength(1);
  });

  it("shows a loading status, then a load failure with its code", async () => {
    let answer!: (r: Response) => void;
    renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.url === LIST ? (new Promise<Response>((resolve) => (answer = resolve)) as unknown as Response) : undefined,
      ),
    );
    expect((await screen.findByRole("status")).textContent).toContain("Loading images");
    await waitFor(() => expect(answer).toBeTypeOf("function"));
    answer(problem(503, "engine_unavailable", "The engine of local does not answer."));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The engine of local does not answer.");
    expect(alert.textContent).toContain("engine_unavailable");
  });

  it("shows an empty environment as such", async () => {
    renderPage(<ImagesPage env="" />, server((call) => (call.url === LIST ? json(200, { items: [], next_cursor: null }) : undefined)));
    expect(await screen.findByText("No images in this environment.")).toBeTruthy();
  });

  it("renders hostile tags and labels as text, creating no element from them", async () => {
    const user = userEvent.setup();
    const { container } = renderPage(
      <ImagesPage env="" />,
      server((call) => {
        if (call.url === `${LIST}/${encodeURIComponent(EVIL)}`) {
          return json(200, { Id: EVIL, RepoTags: [HOSTILE], Config: { Labels: { [HOSTILE]: HOSTILE }, Env: [`X=${HOSTILE}`] } });
        }
        if (call.url === `${LIST}/${encodeURIComponent(EVIL)}/history`) return json(200, { items: [{ Id: EVIL, CreatedBy: HOSTILE, Size: 1, Created: NOW }] });
        return undefined;
      }),
    );
    const cell = await screen.findByText(HOSTILE);
    expect(cell.textContent).toBe(HOSTILE);
    await user.click(within(rowOf(HOSTILE)).getByRole("button", { name: "Details" }));
    const dialog = await screen.findByRole("dialog");
    await within(dialog).findByText(`X=${HOSTILE}`);
    expect(within(dialog).getAllByText(HOSTILE).length).toBeGreaterThanOrEqual(3);
    expect(document.querySelector("img")).toBeNull();
    expect(container.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("hides pull, upload, tag and remove from a viewer", async () => {
    const { calls } = renderPage(<ImagesPage env="" />, server(), { permissions: VIEWER });
    await screen.findByText("busybox:latest");
    expect(screen.queryByRole("button", { name: "Pull" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Upload" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Tag" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
    expect(within(rowOf("busybox:latest")).getByRole("button", { name: "Details" })).toBeTruthy();
    // Images carry no team label: a member's event stream would bring none, so none is opened.
    expect(calls.some((c) => c.url === "/api/v1/auth/ws-ticket")).toBe(false);
  });

  it("offers pull, but not tag, remove or upload, to a developer", async () => {
    renderPage(<ImagesPage env="" />, server(), { permissions: memberPermissions(["images:read", "images:pull"]) });
    await screen.findByText("busybox:latest");
    expect(screen.getByRole("button", { name: "Pull" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Upload" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Tag" })).toBeNull();
  });

  it("pulls with live progress from the NDJSON stream and reloads the list when done", async () => {
    const user = userEvent.setup();
    const stream = scriptedNdjson();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) => (call.method === "POST" && call.url === `${LIST}/pull` ? stream.response : undefined)),
    );
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Pull" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Image reference"), "registry:5000/team/app:v2");
    await user.click(within(dialog).getByRole("button", { name: "Pull" }));

    await waitFor(() => expect(calls.some((c) => c.url === `${LIST}/pull`)).toBe(true));
    const pull = calls.find((c) => c.url === `${LIST}/pull`)!;
    expect(pull.method).toBe("POST");
    expect(pull.body).toEqual({ image: "registry:5000/team/app", tag: "v2" });

    await act(async () => {
      stream.push({ status: "Pulling from team/app", id: "v2" });
      stream.push({ status: "Downloading", id: "layer1", progressDetail: { current: 50, total: 100 } });
    });
    const bar = (await within(dialog).findByRole("progressbar", { name: "Pulling registry:5000/team/app:v2" })) as HTMLProgressElement;
    await waitFor(() => expect(bar.value).toBe(0.5));
    expect(within(dialog).getByText("v2: Pulling from team/app")).toBeTruthy();
    expect(within(dialog).getByText(/Downloading/).textContent).toContain("50 B / 100 B");
    expect(within(dialog).getByRole("button", { name: "Cancel pull" })).toBeTruthy();

    const before = listCalls(calls);
    await act(async () => {
      stream.push({ status: "Pull complete", id: "layer1" });
      stream.push({ status: "done" });
      stream.end();
    });
    expect(await within(dialog).findByText("Pulled")).toBeTruthy();
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1));
    expect(within(dialog).getByRole("button", { name: "Pull" })).toBeTruthy();
  });

  it("shows a pull that fails inside the stream", async () => {
    const user = userEvent.setup();
    const stream = scriptedNdjson();
    renderPage(<ImagesPage env="" />, server((call) => (call.url === `${LIST}/pull` ? stream.response : undefined)));
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Pull" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Image reference"), "busybox");
    await user.click(within(dialog).getByRole("button", { name: "Pull" }));
    await act(async () => {
      stream.push({ error: "manifest unknown", code: "image_pull_failed" });
      stream.end();
    });
    expect(await within(dialog).findByText("Failed")).toBeTruthy();
    expect(within(dialog).getByRole("alert").textContent).toContain("manifest unknown");
  });

  it("shows a refusal before the stream with its code", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.url === `${LIST}/pull` ? problem(403, "registry_not_allowed", "The registry 10.0.0.5:5000 is not allowed.") : undefined,
      ),
    );
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Pull" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Image reference"), "10.0.0.5:5000/x@sha256:abcd");
    await user.click(within(dialog).getByRole("button", { name: "Pull" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The registry 10.0.0.5:5000 is not allowed.");
    expect(alert.textContent).toContain("registry_not_allowed");
    // A digest reference is sent whole, without a tag.
    expect(calls.find((c) => c.url === `${LIST}/pull`)!.body).toEqual({ image: "10.0.0.5:5000/x@sha256:abcd" });
  });

  it("cancels a running pull: the request is aborted and later lines are ignored", async () => {
    const user = userEvent.setup();
    const stream = scriptedNdjson();
    const { calls } = renderPage(<ImagesPage env="" />, server((call) => (call.url === `${LIST}/pull` ? stream.response : undefined)));
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Pull" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Image reference"), "busybox:1.36");
    await user.click(within(dialog).getByRole("button", { name: "Pull" }));
    await act(async () => {
      stream.push({ status: "Downloading", id: "layer1", progressDetail: { current: 10, total: 100 } });
    });
    await within(dialog).findByText(/Downloading/);
    const before = listCalls(calls);

    await user.click(within(dialog).getByRole("button", { name: "Cancel pull" }));
    expect(await within(dialog).findByText("Pull cancelled.")).toBeTruthy();
    const request = calls.find((c) => c.url === `${LIST}/pull`)!;
    expect(request.signal?.aborted).toBe(true);

    await act(async () => {
      stream.push({ status: "Downloading", id: "layer1", progressDetail: { current: 90, total: 100 } });
      stream.push({ status: "done" });
      stream.end();
    });
    expect(within(dialog).queryByText("Pulled")).toBeNull();
    expect(within(dialog).getByText(/Downloading/).textContent).toContain("10 B / 100 B");
    expect(listCalls(calls)).toBe(before);
    expect(within(dialog).getByRole("button", { name: "Pull" })).toBeTruthy();
  });

  it("tags an image with the reference encoded in the path and repo and tag in the query", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<ImagesPage env="" />, server((call) => (call.url.includes("/tag?") ? json(201, {}) : undefined)));
    await screen.findByText("registry:5000/team/app:v1");
    await user.click(within(rowOf("registry:5000/team/app:v1")).getByRole("button", { name: "Tag" }));
    const dialog = await screen.findByRole("dialog");
    expect((within(dialog).getByLabelText("Repository") as HTMLInputElement).value).toBe("registry:5000/team/app");
    await user.type(within(dialog).getByLabelText("Tag"), "v2");
    await user.click(within(dialog).getByRole("button", { name: "Tag" }));
    await waitFor(() => expect(calls.some((c) => c.url.includes("/tag?"))).toBe(true));
    const tag = calls.find((c) => c.url.includes("/tag?"))!;
    expect(tag.method).toBe("POST");
    expect(tag.url).toBe(`${LIST}/registry%3A5000%2Fteam%2Fapp%3Av1/tag?repo=registry%3A5000%2Fteam%2Fapp&tag=v2`);
    expect(tag.body).toBeUndefined();
    expect((await screen.findByRole("status")).textContent).toContain("Tagged registry:5000/team/app:v1 as registry:5000/team/app:v2.");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("shows a refused tag with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <ImagesPage env="" />,
      server((call) => (call.url.includes("/tag?") ? problem(400, "invalid_reference", "The repository name must be lowercase.") : undefined)),
    );
    await screen.findByText("busybox:latest");
    await user.click(within(rowOf("busybox:latest")).getByRole("button", { name: "Tag" }));
    const dialog = await screen.findByRole("dialog");
    await user.clear(within(dialog).getByLabelText("Repository"));
    await user.type(within(dialog).getByLabelText("Repository"), "Busybox");
    await user.click(within(dialog).getByRole("button", { name: "Tag" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The repository name must be lowercase.");
    expect(alert.textContent).toContain("invalid_reference");
  });

  it("removes with force and shows the engine's delete records", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.method === "DELETE" ? json(200, { items: [{ Untagged: "busybox:latest" }, { Deleted: BUSYBOX }], next_cursor: null }) : undefined,
      ),
    );
    await screen.findByText("busybox:latest");
    await user.click(within(rowOf("busybox:latest")).getByRole("button", { name: "Remove" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByLabelText(/Force/));
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    expect(calls.find((c) => c.method === "DELETE")!.url).toBe(`${LIST}/busybox%3Alatest?force=1`);
    const outcome = await screen.findByText("Removed busybox:latest.");
    const notice = outcome.closest(".notice")!;
    expect(notice.textContent).toContain("Untagged: busybox:latest");
    expect(notice.textContent).toContain(`Deleted: ${BUSYBOX}`);
  });

  it("removes an untagged image by id, and shows the 409 conflict in the dialog", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.method === "DELETE" ? problem(409, "image_conflict", "The image is being used by a stopped container 1234.") : undefined,
      ),
    );
    await screen.findByText("busybox:latest");
    await user.click(screen.getByLabelText(/Show dangling/));
    await user.click(within(rowOf("<none>")).getByRole("button", { name: "Remove" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The image is being used by a stopped container 1234.");
    expect(alert.textContent).toContain("image_conflict");
    expect(calls.find((c) => c.method === "DELETE")!.url).toBe(`${LIST}/${encodeURIComponent(DANGLING)}`);
  });

  it("uploads a tarball as it is, shows its size first and the loaded images after", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.url === `${LIST}/load` ? json(200, { items: [{ stream: "Loaded image: busybox:latest\n" }], next_cursor: null }) : undefined,
      ),
    );
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Upload" }));
    const dialog = await screen.findByRole("dialog");
    const file = new File([new Uint8Array(3 * 1024 * 1024)], "busybox.tar", { type: "application/x-tar" });
    await user.upload(within(dialog).getByLabelText("Image tarball"), file);
    expect(within(dialog).getByText("busybox.tar").parentElement!.textContent).toContain("3.0 MiB");
    const before = listCalls(calls);
    await user.click(within(dialog).getByRole("button", { name: "Upload" }));
    expect(await within(dialog).findByText("Loaded image: busybox:latest")).toBeTruthy();

    const upload = calls.find((c) => c.url === `${LIST}/load`)!;
    expect(upload.method).toBe("POST");
    expect(upload.rawBody).toBe(file);
    expect(upload.headers["content-type"]).toBe("application/x-tar");
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1));
  });

  it("shows a too-large upload's 413 with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <ImagesPage env="" />,
      server((call) => (call.url === `${LIST}/load` ? problem(413, "payload_too_large", "The body is larger than 2 GiB.") : undefined)),
    );
    await screen.findByText("busybox:latest");
    await user.click(screen.getByRole("button", { name: "Upload" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Image tarball"), {
      target: { files: [new File(["x"], "big.tar", { type: "application/x-tar" })] },
    });
    await user.click(within(dialog).getByRole("button", { name: "Upload" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The body is larger than 2 GiB.");
    expect(alert.textContent).toContain("payload_too_large");
  });

  it("shows the details: inspect and history, addressed by the encoded id", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) => {
        if (call.url === `${LIST}/${encodeURIComponent(BUSYBOX)}`) {
          return json(200, {
            Id: BUSYBOX,
            RepoTags: ["busybox:latest", "busybox:1.36"],
            RepoDigests: ["busybox@sha256:1234"],
            Created: "2024-05-01T10:00:00Z",
            Architecture: "amd64",
            Os: "linux",
            Size: 4_404_019,
            Config: { Cmd: ["sh"], Entrypoint: null, Env: ["PATH=/bin"], ExposedPorts: { "80/tcp": {} }, Labels: { maintainer: "ops" } },
          });
        }
        if (call.url === `${LIST}/${encodeURIComponent(BUSYBOX)}/history`) {
          return json(200, { items: [{ Id: BUSYBOX, Created: NOW - 7200, CreatedBy: '/bin/sh -c #(nop) CMD ["sh"]', Size: 0, Comment: "" }] });
        }
        return undefined;
      }),
    );
    await screen.findByText("busybox:latest");
    await user.click(within(rowOf("busybox:latest")).getByRole("button", { name: "Details" }));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByText("linux/amd64")).toBeTruthy();
    expect(within(dialog).getByText('["sh"]')).toBeTruthy();
    expect(within(dialog).getByText("PATH=/bin")).toBeTruthy();
    expect(within(dialog).getByText("80/tcp")).toBeTruthy();
    expect(within(dialog).getByText("maintainer")).toBeTruthy();
    expect(await within(dialog).findByText('/bin/sh -c #(nop) CMD ["sh"]')).toBeTruthy();
    expect(calls.some((c) => c.url === `${LIST}/sha256%3A${"a".repeat(64)}/history`)).toBe(true);
  });

  it("reloads on image events from the events stream, at most once a second", async () => {
    installFakeWebSocket();
    const sockets = FakeWebSocket.instances;
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) => (call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t-1", path: call.url, expires_in: 30 }) : undefined)),
    );
    await screen.findByText("busybox:latest");
    await waitFor(() => expect(sockets.length).toBe(1));
    expect(sockets[0]!.url).toContain("/api/v1/environments/local/events?type=image&ticket=t-1");
    const ticket = calls.find((c) => c.url === "/api/v1/auth/ws-ticket")!;
    expect(ticket.body).toEqual({ path: "/api/v1/environments/local/events" });
    const before = listCalls(calls);
    act(() => {
      sockets[0]!.open();
      sockets[0]!.json({ Type: "container", Action: "start" });
      sockets[0]!.json({ Type: "image", Action: "pull" });
      sockets[0]!.json({ Type: "image", Action: "tag" });
      sockets[0]!.json({ Type: "image", Action: "delete" });
    });
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1), { timeout: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(listCalls(calls)).toBe(before + 1);
  });
});

describe("ImagesPage updates", () => {
  const UPDATES = "/api/v1/environments/local/image-updates";
  const OLD = `sha256:${"0123456789ab".repeat(5)}cdef`;
  const NEW = `sha256:${"fedcba987654".repeat(5)}3210`;
  const CHECKED = new Date(Date.now() - 5 * 60_000).toISOString();
  const UNKNOWN = "the engine has no digest of this image from its registry (built or loaded here)";
  const RESULTS = [
    { image: "postgres:16", status: "up_to_date", local_digest: OLD, remote_digest: OLD, error: "", checked_at: CHECKED },
    { image: "dokkerr-test/busybox:latest", status: "unknown", local_digest: "", remote_digest: "", error: UNKNOWN, checked_at: CHECKED },
    { image: "registry:5000/team/app:v1", status: "update_available", local_digest: OLD, remote_digest: NEW, error: "", checked_at: CHECKED },
  ];
  const updateRow = (image: string) => screen.getByRole("rowheader", { name: image }).closest("tr")!;

  beforeEach(() => {
    window.location.hash = "#/images?env=local&tab=updates";
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("lists the last check's results: the status in words with the reason, short digests and when", async () => {
    const { calls } = renderPage(<ImagesPage env="" />, server((call) => (call.method === "GET" && call.url === UPDATES ? json(200, { items: RESULTS, next_cursor: null }) : undefined)));
    const table = await screen.findByRole("table", { name: "Image updates in local" });
    expect(screen.getByRole("tab", { name: "Updates" }).getAttribute("aria-selected")).toBe("true");
    await within(table).findByRole("rowheader", { name: "registry:5000/team/app:v1" });
    // Newer images first, then the ones that could not be checked.
    expect(within(table).getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["registry:5000/team/app:v1", "dokkerr-test/busybox:latest", "postgres:16"]);

    const app = updateRow("registry:5000/team/app:v1");
    expect(within(app).getByText("Update available").className).toContain("update-available");
    expect(within(app).getByText("0123456789ab").getAttribute("title")).toBe(OLD);
    expect(within(app).getByText("fedcba987654").getAttribute("title")).toBe(NEW);
    expect(within(app).getByText("5 minutes ago").getAttribute("datetime")).toBe(CHECKED);

    const busybox = updateRow("dokkerr-test/busybox:latest");
    expect(within(busybox).getByText("Unknown")).toBeTruthy();
    expect(within(busybox).getByText(UNKNOWN)).toBeTruthy();
    expect(within(busybox).getAllByText("—")).toHaveLength(2);
    expect(within(updateRow("postgres:16")).getByText("Up to date")).toBeTruthy();
    expect(screen.getByText(/^Last checked/).textContent).toBe("Last checked 5 minutes ago: 1 update available.");

    // The images' own actions are not offered here; checking is.
    expect(screen.getByRole("button", { name: "Check now" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Pull" })).toBeNull();
    expect(calls.filter((c) => c.url === UPDATES)).toHaveLength(1);
    expect(calls.some((c) => c.url === `${UPDATES}/check`)).toBe(false);
  });

  it("keeps the tab in the address, and reads the results only on the Updates tab", async () => {
    const user = userEvent.setup();
    window.location.hash = "#/images?env=local";
    const { calls } = renderPage(<ImagesPage env="" />, server((call) => (call.url === UPDATES ? json(200, { items: RESULTS, next_cursor: null }) : undefined)));
    await screen.findByText("busybox:latest");
    expect(screen.getByRole("tab", { name: "Images" }).getAttribute("aria-selected")).toBe("true");
    expect(calls.some((c) => c.url === UPDATES)).toBe(false);

    await user.click(screen.getByRole("tab", { name: "Updates" }));
    expect(window.location.hash).toBe("#/images?env=local&tab=updates");
    await screen.findByRole("rowheader", { name: "postgres:16" });
    await user.type(screen.getByLabelText("Filter"), "available");
    expect(within(screen.getByRole("table", { name: "Image updates in local" })).getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["registry:5000/team/app:v1"]);

    await user.click(screen.getByRole("tab", { name: "Images" }));
    expect(window.location.hash).toBe("#/images?env=local");
    expect(screen.getByRole("button", { name: "Pull" })).toBeTruthy();
  });

  it("checks now with a pending state and shows what the check answered", async () => {
    const user = userEvent.setup();
    let answer!: (response: Response) => void;
    const { calls } = renderPage(
      <ImagesPage env="" />,
      server((call) => {
        if (call.method === "GET" && call.url === UPDATES) return json(200, { items: [], next_cursor: null });
        if (call.method === "POST" && call.url === `${UPDATES}/check`) return new Promise<Response>((resolve) => (answer = resolve)) as unknown as Response;
        return undefined;
      }),
    );
    expect(await screen.findByText(/^Nothing has been checked yet\. Check now compares/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Check now" }));
    const pending = screen.getByRole("button", { name: "Checking…" }) as HTMLButtonElement;
    expect(pending.disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toMatch(/Checking the images of the running containers/);
    await waitFor(() => expect(answer).toBeTypeOf("function"));
    const check = calls.find((c) => c.url === `${UPDATES}/check`)!;
    expect(check.method).toBe("POST");
    expect(check.body).toBeUndefined();

    answer(json(200, { items: RESULTS, next_cursor: null }));
    expect(await screen.findByText("Checked 3 images: 1 update available.")).toBeTruthy();
    expect(within(updateRow("dokkerr-test/busybox:latest")).getByText("Unknown")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Check now" }) as HTMLButtonElement).disabled).toBe(false);
    // The check's answer is shown as it is: the stored results are not read again.
    expect(calls.filter((c) => c.url === UPDATES)).toHaveLength(1);
  });

  it("shows a refused check with its code, and a check that found no image as such", async () => {
    const user = userEvent.setup();
    let checks = 0;
    renderPage(
      <ImagesPage env="" />,
      server((call) => {
        if (call.method === "GET" && call.url === UPDATES) return json(200, { items: [], next_cursor: null });
        if (call.url === `${UPDATES}/check`) {
          checks += 1;
          return checks === 1 ? problem(409, "update_check_running", "The environment's images are being checked already.") : json(200, { items: [], next_cursor: null });
        }
        return undefined;
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Check now" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not check for updates: The environment's images are being checked already.");
    expect(alert.textContent).toContain("update_check_running");
    await user.click(screen.getByRole("button", { name: "Check now" }));
    expect(await screen.findByText("No running container uses an image to check.")).toBeTruthy();
    expect(screen.getByText("Checked: no running container uses an image.")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("hides Check now from a viewer, and shows a load failure with its code", async () => {
    renderPage(<ImagesPage env="" />, server((call) => (call.url === UPDATES ? json(200, { items: [], next_cursor: null }) : undefined)), { permissions: VIEWER });
    expect(await screen.findByText(/^Nothing has been checked yet\. The server checks/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Check now" })).toBeNull();
    cleanup();
    renderPage(<ImagesPage env="" />, server((call) => (call.url === UPDATES ? problem(403, "forbidden", "You may not read images here.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load the image updates: You may not read images here.");
    expect(alert.textContent).toContain("forbidden");
    expect(screen.queryByText(/Nothing has been checked yet/)).toBeNull();
  });

  it("renders a hostile reference and reason as text", async () => {
    const { container } = renderPage(
      <ImagesPage env="" />,
      server((call) =>
        call.url === UPDATES ? json(200, { items: [{ ...RESULTS[1]!, image: HOSTILE, error: HOSTILE }], next_cursor: null }) : undefined,
      ),
    );
    await screen.findByRole("rowheader", { name: HOSTILE });
    expect(screen.getAllByText(HOSTILE)).toHaveLength(2);
    expect(container.querySelector("img")).toBeNull();
  });
});
