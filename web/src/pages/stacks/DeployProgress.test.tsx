import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EngineEvent } from "../../lib/dokkerr";
import { json, problem, type Call } from "../../test/fakeFetch";
import { installFakeWebSocket, socketsOn, type FakeWebSocket } from "../../test/fakeWebSocket";
import { memberPermissions, renderPage } from "../../test/renderPage";
import CreateStackPage from "./CreateStackPage";
import { clockTime, DeployProgress } from "./DeployProgress";
import StackDetailPage from "./StackDetailPage";
import {
  applyContainerEvent,
  composeImages,
  describeContainerEvent,
  IDLE,
  LINGER_MS,
  normalizeImage,
  progressCount,
  useStackProgress,
  type StackProgressState,
  type TrackOptions,
} from "./useStackProgress";

const EVENTS = "/api/v1/environments/local/events";
const T0 = 1_700_000_000;

function container(project: string, service: string, action: string, extra: Record<string, string> = {}, at = T0, id = `${service}-id`): EngineEvent {
  return {
    Type: "container",
    Action: action,
    Actor: {
      ID: id,
      Attributes: {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "com.docker.compose.container-number": "1",
        name: `${project}-${service}-1`,
        ...extra,
      },
    },
    time: at,
    timeNano: at * 1e9,
  };
}

const ticketsOr = (rest?: (call: Call) => Response | Promise<Response> | undefined) => (call: Call) => {
  if (call.url === "/api/v1/auth/ws-ticket") return json(200, { ticket: "t", path: (call.body as { path: string }).path, expires_in: 30 });
  return rest?.(call) ?? problem(404, "route_not_found");
};

const flush = () => act(async () => void (await new Promise((resolve) => setTimeout(resolve, 0))));

/** A page that deploys "shop" when asked, with a request the test answers. */
function Deployer({ request, options }: { request: () => Promise<string>; options?: TrackOptions }) {
  const progress = useStackProgress("local");
  const [result, setResult] = useState("");
  return (
    <div>
      <button
        type="button"
        onClick={() =>
          void progress.track("shop", request, options).then(
            (value) => setResult(value),
            () => setResult("failed"),
          )
        }
      >
        Deploy
      </button>
      <p>{result ? `Answer: ${result}` : ""}</p>
      <DeployProgress progress={progress} />
    </div>
  );
}

function pending() {
  let answer!: (value: string) => void;
  let refuse!: (error: unknown) => void;
  const request = vi.fn(
    () =>
      new Promise<string>((resolve, reject) => {
        answer = resolve;
        refuse = reject;
      }),
  );
  return { request, answer: (value: string) => answer(value), refuse: (error: unknown) => refuse(error) };
}

const entries = () =>
  within(screen.getByRole("log", { name: "Deploy progress of shop" }))
    .queryAllByRole("listitem")
    .map((li) => li.textContent);

describe("describeContainerEvent and the count", () => {
  it("says what each action means and leaves out the noise", () => {
    const say = (action: string, extra: Record<string, string> = {}, stopping = false) =>
      describeContainerEvent(container("shop", "web", action, extra), stopping)?.text ?? null;
    expect(say("create")).toBe("created");
    expect(say("start")).toBe("started");
    expect(say("health_status: starting")).toBe("health: starting");
    expect(say("health_status: healthy")).toBe("healthy");
    expect(say("health_status: unhealthy")).toBe("unhealthy");
    expect(say("die", { exitCode: "1" })).toBe("died (exit 1)");
    expect(say("die", { exitCode: "0" })).toBe("exited (exit 0)");
    expect(say("kill", { signal: "15" })).toBe("killed (signal 15)");
    expect(say("stop")).toBe("stopped");
    expect(say("destroy")).toBe("removed");
    expect(say("exec_start: /bin/sh -c true")).toBeNull();
    expect(say("attach")).toBeNull();
    // A container stopped on purpose (replaced by a new one) dies as expected, not as a failure.
    expect(describeContainerEvent(container("shop", "web", "die", { exitCode: "137" }))!.tone).toBe("bad");
    expect(describeContainerEvent(container("shop", "web", "die", { exitCode: "137" }), true)!.tone).toBe("neutral");
  });

  it("counts the services started against the file's, and the healthy ones", () => {
    let state: StackProgressState = { ...IDLE, stack: "shop", phase: "running", services: ["db", "web", "job"] };
    expect(progressCount(state)).toBe("0 of 3 services started");
    state = applyContainerEvent(state, container("shop", "web", "start"));
    state = applyContainerEvent(state, container("shop", "web", "start"));
    state = applyContainerEvent(state, container("other", "db", "start"));
    expect(progressCount(state)).toBe("1 of 3 services started");
    state = applyContainerEvent(state, container("shop", "web", "health_status: healthy"));
    expect(progressCount(state)).toBe("1 of 3 services started · 1 healthy");
    expect(progressCount({ ...state, services: null })).toBe("1 service started · 1 healthy");
  });

  it("matches image references however they are written", () => {
    expect(normalizeImage("nginx")).toBe("nginx:latest");
    expect(normalizeImage("docker.io/library/nginx:latest")).toBe("nginx:latest");
    expect(normalizeImage("registry.example:5000/team/app")).toBe("registry.example:5000/team/app:latest");
    expect(normalizeImage("registry.example:5000/team/app:2")).toBe("registry.example:5000/team/app:2");
    expect(composeImages('services:\n  a:\n    image: "nginx:1.27" # pinned\n  b:\n    image: ${IMAGE}\n  c:\n    image: redis\n')).toEqual([
      "nginx:1.27",
      "redis",
    ]);
  });
});

describe("DeployProgress", () => {
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("opens the stream for the request only, lists the stack's events in order and counts the services", async () => {
    const user = userEvent.setup();
    const deploy = pending();
    renderPage(<Deployer request={deploy.request} options={{ services: ["db", "web"], images: ["nginx"] }} />, ticketsOr());
    await flush();
    expect(socketsOn(EVENTS)).toHaveLength(0);
    expect(screen.queryByRole("log")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(socketsOn(EVENTS)).toHaveLength(2));
    const [containers, images] = ["container", "image"].map((type) => socketsOn(EVENTS).find((s) => s.query.get("type") === type)!) as [
      FakeWebSocket,
      FakeWebSocket,
    ];
    // The request waits for the stream: what the engine does before it is subscribed is never sent.
    expect(deploy.request).not.toHaveBeenCalled();
    expect(screen.getByRole("log", { name: "Deploy progress of shop" }).textContent).toBe("Connecting to the engine's events…");
    act(() => {
      containers.open();
      images.open();
    });
    await waitFor(() => expect(deploy.request).toHaveBeenCalledTimes(1));
    expect(screen.getByRole("log", { name: "Deploy progress of shop" }).getAttribute("aria-live")).toBe("polite");

    act(() => {
      images.json({ Type: "image", Action: "pull", Actor: { ID: "nginx:latest", Attributes: { name: "nginx" } }, time: T0 });
      images.json({ Type: "image", Action: "pull", Actor: { ID: "redis:7", Attributes: { name: "redis" } }, time: T0 });
      containers.json(container("other", "web", "create"));
      containers.json(container("shop", "web", "create"));
      containers.json(container("shop", "web", "start", {}, T0 + 1));
      containers.json(container("shop", "web", "exec_start: /bin/sh -c true", {}, T0 + 2));
      containers.json(container("shop", "web", "health_status: starting", {}, T0 + 2));
      containers.json(container("shop", "db", "create", {}, T0 + 3));
      containers.json(container("other", "db", "start", {}, T0 + 3));
    });
    const at = (offset: number) => clockTime((T0 + offset) * 1000);
    expect(entries()).toEqual([
      `${at(0)} nginx:latest pulled`,
      `${at(0)} web-1 created`,
      `${at(1)} web-1 started`,
      `${at(2)} web-1 health: starting`,
      `${at(3)} db-1 created`,
    ]);
    expect(screen.getByText("1 of 2 services started · 0 healthy.")).toBeTruthy();

    act(() => {
      containers.json(container("shop", "db", "start", {}, T0 + 4));
      containers.json(container("shop", "web", "health_status: healthy", {}, T0 + 5));
    });
    expect(entries().slice(-2)).toEqual([`${at(4)} db-1 started`, `${at(5)} web-1 healthy`]);
    expect(screen.getByText("2 of 2 services started · 1 healthy.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Hide/ })).toBeNull();

    // The answer ends it: the list stays, and the stream closes shortly after.
    deploy.answer("ok");
    expect(await screen.findByText("Answer: ok")).toBeTruthy();
    expect(screen.getByText("Finished: 2 of 2 services started · 1 healthy.")).toBeTruthy();
    await waitFor(() => expect(containers.closedByClient).toBe(1000), { timeout: LINGER_MS + 2_000 });
    expect(images.closedByClient).toBe(1000);
    expect(entries()).toHaveLength(7);

    // Hide takes the panel away; a new deploy starts with an empty list and a new stream.
    await user.click(screen.getByRole("button", { name: "Hide the deploy progress" }));
    expect(screen.queryByRole("log")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(socketsOn(EVENTS)).toHaveLength(4));
    expect(entries()).toEqual([]);
    expect(screen.getByText("0 of 2 services started.")).toBeTruthy();
  });

  it("says how it ended when the request fails, with the container that died", async () => {
    const user = userEvent.setup();
    const deploy = pending();
    renderPage(<Deployer request={deploy.request} options={{ services: ["web"] }} />, ticketsOr());
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(socketsOn(EVENTS)).toHaveLength(1));
    act(() => socketsOn(EVENTS)[0]!.open());
    await waitFor(() => expect(deploy.request).toHaveBeenCalled());
    act(() => {
      socketsOn(EVENTS)[0]!.json(container("shop", "web", "start"));
      socketsOn(EVENTS)[0]!.json(container("shop", "web", "die", { exitCode: "1" }, T0 + 1));
    });
    deploy.refuse(new Error("web exited"));
    expect(await screen.findByText("Answer: failed")).toBeTruthy();
    expect(screen.getByText("Ended with an error: 1 of 1 service started.")).toBeTruthy();
    const died = within(screen.getByRole("log", { name: "Deploy progress of shop" })).getByText("died (exit 1)");
    expect(died.closest("li")!.className).toContain("deploy-progress-bad");
  });

  it("sends the request anyway, with a note instead of the list, for a member who may not read events", async () => {
    const user = userEvent.setup();
    const deploy = pending();
    renderPage(<Deployer request={deploy.request} />, ticketsOr(), { permissions: memberPermissions(["containers:create", "containers:read"]) });
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(await screen.findByText(/Live progress is not shown: it needs permission to read this environment's events/)).toBeTruthy();
    expect(deploy.request).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("log")).toBeNull();
    expect(socketsOn(EVENTS)).toHaveLength(0);
    deploy.answer("ok");
    await screen.findByText("Answer: ok");
    // Over, with nothing to show: the note goes too.
    expect(screen.queryByText(/Live progress is not shown/)).toBeNull();
  });

  it("shows the note when the server refuses the stream, and a member's stream is their team's", async () => {
    const user = userEvent.setup();
    const refused = pending();
    renderPage(
      <Deployer request={refused.request} />,
      (call) => (call.url === "/api/v1/auth/ws-ticket" ? problem(403, "forbidden", "No events:read here.") : problem(404, "route_not_found")),
    );
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(await screen.findByText(/Live progress is not shown/)).toBeTruthy();
    await waitFor(() => expect(refused.request).toHaveBeenCalledTimes(1));
    cleanup();

    installFakeWebSocket();
    const member = pending();
    renderPage(<Deployer request={member.request} />, ticketsOr(), {
      permissions: memberPermissions(["containers:create", "containers:read", "events:read"]),
    });
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    // Images carry no team: a member gets the containers' stream only.
    await waitFor(() => expect(socketsOn(EVENTS)).toHaveLength(1));
    expect(socketsOn(EVENTS)[0]!.query.get("type")).toBe("container");
    act(() => socketsOn(EVENTS)[0]!.open());
    await waitFor(() => expect(member.request).toHaveBeenCalled());
    expect(screen.queryByText(/Live progress is not shown/)).toBeNull();
  });
});

describe("deploy progress on the stack pages", () => {
  const LIST = "/api/v1/environments/local/stacks";
  const ONE = `${LIST}/shop`;
  const view = (overrides: Record<string, unknown> = {}) => ({
    id: "id-shop",
    name: "shop",
    environment: "local",
    team_id: "",
    compose: "services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n",
    git: null,
    variables: [],
    env_files: [],
    version: 1,
    status: "running",
    error: "",
    auto_update: false,
    images: ["postgres", "nginx"],
    created_by: "alice",
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    containers: [{ id: "c1", name: "shop-web-1", service: "web", number: 1, state: "running", config_hash: "h" }],
    ...overrides,
  });
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("shows a new stack's containers starting while it deploys, and keeps the list for the stack's page", async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, "", "#/stacks/new?env=local");
    let answer!: (response: Response) => void;
    renderPage(
      <CreateStackPage env="local" />,
      ticketsOr((call) => (call.method === "POST" && call.url === LIST ? new Promise<Response>((resolve) => (answer = resolve)) : undefined)),
    );
    await user.type(screen.getByLabelText("Name"), "shop");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(socketsOn(EVENTS)).toHaveLength(2));
    const containers = socketsOn(EVENTS).find((s) => s.query.get("type") === "container")!;
    act(() => {
      for (const socket of socketsOn(EVENTS)) socket.open();
    });
    await waitFor(() => expect(answer).toBeTypeOf("function"));
    // The old words stay: they say why it takes a while.
    expect(screen.getByRole("status").textContent).toMatch(/the server answers once every service is up/);
    act(() => {
      containers.json(container("shop", "app", "create"));
      containers.json(container("shop", "app", "start", {}, T0 + 1));
    });
    const log = screen.getByRole("log", { name: "Deploy progress of shop" });
    expect(within(log).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      `${clockTime(T0 * 1000)} app-1 created`,
      `${clockTime((T0 + 1) * 1000)} app-1 started`,
    ]);
    // The example file has one service.
    expect(screen.getByText("1 of 1 service started.")).toBeTruthy();
    answer(json(201, view({ name: "shop" })));
    await waitFor(() => expect(window.location.hash).toBe("#/stacks/view?env=local&name=shop"));
    cleanup();

    // The stack's page opens with the list of the deploy that made it.
    renderPage(<StackDetailPage env="local" name="shop" tab="" />, ticketsOr((call) => (call.method === "GET" && call.url === ONE ? json(200, view()) : undefined)));
    await screen.findByText("version 1");
    const kept = screen.getByRole("log", { name: "Deploy progress of shop" });
    expect(within(kept).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByText("Finished: 1 of 1 service started.")).toBeTruthy();
    cleanup();
    // Only once.
    renderPage(<StackDetailPage env="local" name="shop" tab="" />, ticketsOr((call) => (call.method === "GET" && call.url === ONE ? json(200, view()) : undefined)));
    await screen.findByText("version 1");
    expect(screen.queryByRole("log")).toBeNull();
  });

  const stackServer = (answer: { current: ((response: Response) => void) | null }) =>
    ticketsOr((call) => {
      if (call.method === "GET" && call.url === ONE) return json(200, view({ version: 2 }));
      if (call.method === "POST" && (call.url === `${ONE}/redeploy` || call.url === `${ONE}/rollback`)) {
        return new Promise<Response>((resolve) => (answer.current = resolve));
      }
      if (call.method === "GET" && call.url === `${ONE}/history`) {
        const version = (n: number, compose: string) => ({ version: n, compose, variables: {}, env_files: {}, created_by: "alice", created_at: new Date().toISOString() });
        return json(200, { items: [version(2, view().compose), version(1, "services:\n  web:\n    image: nginx\n")], next_cursor: null });
      }
      return undefined;
    });

  it("shows a pull and redeploy's events on the stack's page", async () => {
    const user = userEvent.setup();
    const answer: { current: ((response: Response) => void) | null } = { current: null };
    renderPage(<StackDetailPage env="local" name="shop" tab="" />, stackServer(answer));
    await screen.findByText("version 2");
    await user.click(screen.getByRole("button", { name: "Pull and redeploy" }));
    await waitFor(() => expect(socketsOn(EVENTS).length).toBe(2));
    act(() => {
      for (const socket of socketsOn(EVENTS)) socket.open();
    });
    await waitFor(() => expect(answer.current).toBeTypeOf("function"));
    const images = socketsOn(EVENTS).find((s) => s.query.get("type") === "image")!;
    const containers = socketsOn(EVENTS).find((s) => s.query.get("type") === "container")!;
    act(() => {
      images.json({ Type: "image", Action: "pull", Actor: { ID: "docker.io/library/nginx:latest" }, time: T0 });
      containers.json(container("shop", "web", "kill", { signal: "15" }, T0 + 1, "old"));
      containers.json(container("shop", "web", "die", { exitCode: "143" }, T0 + 1, "old"));
      containers.json(container("shop", "web", "destroy", {}, T0 + 1, "old"));
      containers.json(container("shop", "web", "create", {}, T0 + 2, "new"));
      containers.json(container("shop", "web", "start", {}, T0 + 2, "new"));
    });
    const log = screen.getByRole("log", { name: "Deploy progress of shop" });
    expect(within(log).getAllByRole("listitem").map((li) => li.textContent!.slice(9))).toEqual([
      "docker.io/library/nginx:latest pulled",
      "web-1 killed (signal 15)",
      "web-1 died (exit 143)",
      "web-1 removed",
      "web-1 created",
      "web-1 started",
    ]);
    // The old container was stopped on purpose: its end is no failure.
    expect(within(log).getByText("died (exit 143)").closest("li")!.className).not.toContain("deploy-progress-bad");
    answer.current!(json(200, view({ version: 2 })));
    expect(await screen.findByText("Pulled and redeployed shop: running.")).toBeTruthy();
    expect(screen.getByText("Finished: 1 of 2 services started; the others were left as they were.")).toBeTruthy();
  });

  it("shows a rollback's events in its question while it runs, and above the versions after", async () => {
    const user = userEvent.setup();
    const answer: { current: ((response: Response) => void) | null } = { current: null };
    renderPage(<StackDetailPage env="local" name="shop" tab="history" />, stackServer(answer));
    await user.click(await screen.findByRole("button", { name: "Roll back to this version (version 1)" }));
    const dialog = screen.getByRole("dialog", { name: "Roll back shop to version 1?" });
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    await waitFor(() => expect(socketsOn(EVENTS).length).toBe(2));
    act(() => {
      for (const socket of socketsOn(EVENTS)) socket.open();
    });
    await waitFor(() => expect(answer.current).toBeTypeOf("function"));
    act(() => socketsOn(EVENTS).find((s) => s.query.get("type") === "container")!.json(container("shop", "web", "start")));
    const inQuestion = within(dialog).getByRole("log", { name: "Deploy progress of shop" });
    expect(within(inQuestion).getByText("started")).toBeTruthy();
    // Version 1 has one service.
    expect(within(dialog).getByText("1 of 1 service started.")).toBeTruthy();
    expect(screen.getAllByRole("log")).toHaveLength(1);
    answer.current!(json(200, view({ version: 3 })));
    expect(await screen.findByText("Rolled back to version 1: shop is now at version 3.")).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const after = screen.getByRole("log", { name: "Deploy progress of shop" });
    expect(within(after).getByText("started")).toBeTruthy();
    expect(screen.getByText("Finished: 1 of 1 service started.")).toBeTruthy();
  });
});
