import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { HOSTILE } from "../../test/resourcePages";
import CreateStackPage from "./CreateStackPage";
import StackDetailPage from "./StackDetailPage";
import StacksPage from "./StacksPage";

const UPDATED = new Date(Date.now() - 2 * 3600_000).toISOString();
const SHOP_FILE = "services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n";

function stack(name: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `id-${name}`,
    name,
    environment: "local",
    team_id: "team-a",
    compose: SHOP_FILE,
    git: null,
    variables: [],
    env_files: [],
    version: 1,
    status: "running",
    error: "",
    auto_update: false,
    images: ["postgres", "nginx"],
    created_by: "alice",
    created_at: UPDATED,
    updated_at: UPDATED,
    ...overrides,
  };
}

const STACKS = [
  stack("shop", { version: 3 }),
  stack("broken", { status: "failed", error: "db: unhealthy", team_id: "", compose: "services: {a: {image: x}}" }),
  stack(HOSTILE.toLowerCase().replace(/[^a-z0-9]/g, "x"), { compose: `services:\n  "${HOSTILE}":\n    image: x\n` }),
];

const LIST = "/api/v1/environments/local/stacks";
const COMMIT_1 = "0123456789abcdef0123456789abcdef01234567";
const COMMIT_2 = "fedcba9876543210fedcba9876543210fedcba98";
const GIT = { url: "https://git.example/team/shop.git", ref: "main", path: "deploy/compose.yml", commit: COMMIT_1 };
const UPDATES = "/api/v1/environments/local/image-updates";
const VIEWER = memberPermissions(["containers:read"]);
const CHECKED = new Date(Date.now() - 600_000).toISOString();

function result(image: string, status: string) {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  return { image, status, local_digest: digest("a"), remote_digest: digest(status === "update_available" ? "b" : "a"), error: "", checked_at: CHECKED };
}

function server(extra?: (call: Call) => Response | Promise<Response> | undefined) {
  return (call: Call): Response | Promise<Response> => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: STACKS });
    if (call.method === "GET" && call.url === "/api/v1/teams") return json(200, { items: [{ id: "team-a", name: "Alpha", org_id: "o-1" }], next_cursor: null });
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const rowOf = (name: string) => screen.getByRole("rowheader", { name }).closest("tr")!;

describe("StacksPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/stacks"));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("lists the stacks with status, version, services, team and age, each linking to its page", async () => {
    renderPage(<StacksPage env="" />, server());
    await screen.findByRole("rowheader", { name: "shop" });
    const shop = rowOf("shop");
    expect(within(shop).getByText("running").className).toContain("state-running");
    expect(within(shop).getByText("3")).toBeTruthy();
    expect(within(shop).getByText(": db, web")).toBeTruthy();
    expect(within(shop).getByText("2 hours ago")).toBeTruthy();
    await waitFor(() => expect(within(rowOf("shop")).getByText("Alpha")).toBeTruthy());
    expect(within(shop).getByRole("link", { name: "shop" }).getAttribute("href")).toBe("#/stacks/view?env=local&name=shop");

    const broken = rowOf("broken");
    expect(within(broken).getByText("failed").className).toContain("state-failed");
    // A file in flow style: the count is left to the server.
    expect(within(broken).getAllByText("—")).toHaveLength(2);
    expect(screen.getByRole("link", { name: "New stack" }).getAttribute("href")).toBe("#/stacks/new?env=local");
  });

  it("renders a hostile service name as text, and filters", async () => {
    const user = userEvent.setup();
    const { container } = renderPage(<StacksPage env="" />, server());
    await screen.findByRole("rowheader", { name: "shop" });
    expect(screen.getByText(`: ${HOSTILE}`)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "fail");
    expect(screen.queryByRole("rowheader", { name: "shop" })).toBeNull();
    expect(screen.getByRole("rowheader", { name: "broken" })).toBeTruthy();
  });

  it("marks a stack with an image update and one redeployed automatically, from one read of the results", async () => {
    const user = userEvent.setup();
    const listed = [
      stack("shop", { images: ["postgres", "docker.io/library/nginx:latest"] }),
      stack("blog", { images: ["postgres"], auto_update: true }),
      stack("batch", { images: [] }),
    ];
    const { calls } = renderPage(
      <StacksPage env="" />,
      server((call) => {
        if (call.method === "GET" && call.url === LIST) return json(200, { items: listed });
        if (call.method === "GET" && call.url === UPDATES) return json(200, { items: [result("nginx", "update_available"), result("postgres", "up_to_date")], next_cursor: null });
        return undefined;
      }),
    );
    await screen.findByRole("rowheader", { name: "shop" });
    const badge = await within(rowOf("shop")).findByText("Update available");
    expect(badge.getAttribute("title")).toBe("Newer in the registry: docker.io/library/nginx:latest");
    expect(within(rowOf("shop")).getByText("running")).toBeTruthy();
    expect(within(rowOf("shop")).queryByText("auto-update")).toBeNull();
    expect(within(rowOf("blog")).queryByText("Update available")).toBeNull();
    expect(within(rowOf("blog")).getByText("auto-update")).toBeTruthy();
    expect(within(rowOf("batch")).queryByText("Update available")).toBeNull();
    expect(calls.filter((c) => c.url === UPDATES)).toHaveLength(1);

    await user.type(screen.getByLabelText("Filter"), "update available");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["shop"]);
    await user.clear(screen.getByLabelText("Filter"));

    // Refresh reads the list and the results again.
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(calls.filter((c) => c.url === UPDATES)).toHaveLength(2));
    expect(calls.filter((c) => c.url === LIST)).toHaveLength(2);
  });

  it("shows the list without marks when the results cannot be read, and does not ask without images:read", async () => {
    renderPage(<StacksPage env="" />, server((call) => (call.url === UPDATES ? problem(503, "engine_unavailable", "The engine does not answer.") : undefined)));
    await screen.findByRole("rowheader", { name: "shop" });
    await waitFor(() => expect(within(rowOf("shop")).getByText("Alpha")).toBeTruthy());
    expect(screen.queryByText("Update available")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    cleanup();
    const { calls } = renderPage(<StacksPage env="" />, server(), { permissions: VIEWER });
    await screen.findByRole("rowheader", { name: "shop" });
    expect(calls.some((c) => c.url === UPDATES)).toBe(false);
  });

  it("marks a stack whose file is read from Git, and finds it by that", async () => {
    const user = userEvent.setup();
    renderPage(
      <StacksPage env="" />,
      server((call) => (call.method === "GET" && call.url === LIST ? json(200, { items: [stack("shop", { git: GIT }), stack("blog")] }) : undefined)),
    );
    await screen.findByRole("rowheader", { name: "shop" });
    const badge = within(rowOf("shop")).getByText("Git");
    expect(badge.className).toContain("badge");
    expect(badge.getAttribute("title")).toBe("The file is read from https://git.example/team/shop.git (main, deploy/compose.yml)");
    expect(within(rowOf("blog")).queryByText("Git")).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "git");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["shop"]);
  });

  it("hides New stack from a viewer", async () => {
    renderPage(<StacksPage env="" />, server(), { permissions: VIEWER });
    await screen.findByRole("rowheader", { name: "shop" });
    expect(screen.queryByRole("link", { name: "New stack" })).toBeNull();
  });

  it("shows a load failure with its code, an empty list as such, and a removal's outcome", async () => {
    renderPage(<StacksPage env="" />, server((call) => (call.url === LIST ? problem(403, "forbidden", "Not in this environment.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Not in this environment.");
    expect(alert.textContent).toContain("forbidden");
    cleanup();
    window.history.replaceState(null, "", "#/stacks?env=local&removed=shop");
    renderPage(<StacksPage env="" />, server((call) => (call.url === LIST ? json(200, { items: [] }) : undefined)));
    expect(await screen.findByText("No stacks in this environment.")).toBeTruthy();
    expect(screen.getByText("Removed the stack shop.")).toBeTruthy();
  });
});

describe("CreateStackPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/stacks/new?env=local"));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("checks the name and variables, shows Deploying… while the server works, and the file's problem verbatim", async () => {
    const user = userEvent.setup();
    let answer!: (response: Response) => void;
    const { calls } = renderPage(
      <CreateStackPage env="local" />,
      server((call) => (call.method === "POST" && call.url === LIST ? new Promise<Response>((resolve) => (answer = resolve)) : undefined)),
    );
    expect((screen.getByLabelText("Compose file") as HTMLTextAreaElement).value).toContain("services:");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(screen.getByText("Give the stack a name.")).toBeTruthy();
    await user.type(screen.getByLabelText("Name"), "shop");
    await user.type(screen.getByLabelText("Variables"), "GREETING=hi there\nnope");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(screen.getByText("Line 2: write NAME=value.")).toBeTruthy();
    await user.clear(screen.getByLabelText("Variables"));
    await user.type(screen.getByLabelText("Variables"), "GREETING=hi there");
    await user.click(screen.getByRole("button", { name: "Deploy" }));

    const pending = await screen.findByRole("button", { name: "Deploying…" });
    expect((pending as HTMLButtonElement).disabled).toBe(true);
    const create = calls.find((c) => c.method === "POST" && c.url === LIST)!;
    expect(create.body).toEqual({ name: "shop", compose: expect.stringContaining("services:"), variables: { GREETING: "hi there" } });
    answer(problem(400, "invalid_compose", "line 4, services.web.ports[0]: the host port 99999 is not 1-65535"));
    const shown = await screen.findByText(/line 4, services\.web\.ports\[0\]: the host port 99999 is not 1-65535/);
    expect(shown.textContent).toContain("invalid_compose");
    expect(screen.getByLabelText("Compose file").getAttribute("aria-invalid")).toBe("true");
    expect((screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("deploys from a Git repository, with the location's problems at their fields and others as the page's", async () => {
    const user = userEvent.setup();
    const answers: Response[] = [
      problem(404, "git_ref_not_found", "The repository has no branch or tag named mian."),
      problem(403, "git_url_forbidden", "file:// repositories are for platform admins: they read the server's disk."),
      problem(400, "invalid_git_source", "git.path: the Compose file's path in the repository, relative, without '..'."),
      problem(404, "git_file_not_found", "The repository has no file deploy/compose.yaml at main."),
      problem(502, "git_unreachable", "git clone: could not resolve host git.example"),
      json(201, { ...stack("shop", { git: GIT }), containers: [] }),
    ];
    const { calls } = renderPage(
      <CreateStackPage env="local" />,
      server((call) => (call.method === "POST" && call.url === LIST ? answers.shift() : undefined)),
    );
    const source = screen.getByRole("group", { name: "Source" });
    const inline = within(source).getByRole("radio", { name: "Inline file" }) as HTMLInputElement;
    expect(inline.checked).toBe(true);
    expect(screen.queryByLabelText("Repository URL")).toBeNull();
    await user.click(within(source).getByRole("radio", { name: "Git repository" }));
    expect((within(source).getByRole("radio", { name: "Git repository" }) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByLabelText("Compose file")).toBeNull();
    expect((screen.getByLabelText("Branch or tag") as HTMLInputElement).value).toBe("main");
    expect((screen.getByLabelText("Path of the Compose file") as HTMLInputElement).value).toBe("docker-compose.yml");
    // Variables stay available.
    expect(screen.getByLabelText("Variables")).toBeTruthy();

    await user.type(screen.getByLabelText("Name"), "shop");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(screen.getByText("Give the repository's URL.")).toBeTruthy();
    expect(screen.getByLabelText("Repository URL").getAttribute("aria-invalid")).toBe("true");
    expect(calls.some((c) => c.method === "POST" && c.url === LIST)).toBe(false);

    await user.type(screen.getByLabelText("Repository URL"), "https://git.example/team/shop.git");
    await user.clear(screen.getByLabelText("Branch or tag"));
    await user.type(screen.getByLabelText("Branch or tag"), "mian");
    await user.clear(screen.getByLabelText("Path of the Compose file"));
    await user.type(screen.getByLabelText("Path of the Compose file"), "deploy/compose.yml");
    await user.type(screen.getByLabelText("Variables"), "GREETING=hi");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    const ref = screen.getByLabelText("Branch or tag");
    await waitFor(() => expect(ref.getAttribute("aria-invalid")).toBe("true"));
    const refProblem = screen.getByRole("alert");
    expect(refProblem.textContent).toContain("The repository has no branch or tag named mian.");
    expect(refProblem.textContent).toContain("git_ref_not_found");
    expect(ref.getAttribute("aria-describedby")).toContain(refProblem.id);
    expect(screen.getByLabelText("Repository URL").getAttribute("aria-invalid")).toBeNull();
    expect(calls.find((c) => c.method === "POST" && c.url === LIST)!.body).toEqual({
      name: "shop",
      git: { url: "https://git.example/team/shop.git", ref: "mian", path: "deploy/compose.yml" },
      variables: { GREETING: "hi" },
    });

    const fieldOf = async (label: string, code: string) => {
      await user.click(screen.getByRole("button", { name: "Deploy" }));
      await waitFor(() => expect(screen.getByLabelText(label).getAttribute("aria-invalid")).toBe("true"));
      expect(screen.getByRole("alert").textContent).toContain(code);
    };
    await fieldOf("Repository URL", "git_url_forbidden");
    expect(ref.getAttribute("aria-invalid")).toBeNull();
    await fieldOf("Path of the Compose file", "invalid_git_source");
    await fieldOf("Path of the Compose file", "git_file_not_found");

    // Anything else is the page's problem, at no field.
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    const notice = await screen.findByText(/Could not deploy the stack: git clone: could not resolve host git\.example/);
    expect(notice.closest(".notice")!.textContent).toContain("Code: git_unreachable");
    expect(screen.getByLabelText("Path of the Compose file").getAttribute("aria-invalid")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(window.location.hash).toBe("#/stacks/view?env=local&name=shop"));
    expect(calls.filter((c) => c.method === "POST" && c.url === LIST)).toHaveLength(6);
  });

  it("keeps the written file when the source is switched back, and sends only it", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <CreateStackPage env="local" />,
      server((call) => (call.method === "POST" && call.url === LIST ? json(201, { ...stack("shop"), containers: [] }) : undefined)),
    );
    const compose = screen.getByLabelText("Compose file") as HTMLTextAreaElement;
    await user.clear(compose);
    await user.type(compose, "services:\n  a:\n    image: x\n");
    await user.click(screen.getByRole("radio", { name: "Git repository" }));
    await user.type(screen.getByLabelText("Repository URL"), "https://git.example/a.git");
    await user.click(screen.getByRole("radio", { name: "Inline file" }));
    expect((screen.getByLabelText("Compose file") as HTMLTextAreaElement).value).toBe("services:\n  a:\n    image: x\n");
    await user.type(screen.getByLabelText("Name"), "shop");
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.url === LIST)).toBe(true));
    expect(calls.find((c) => c.method === "POST" && c.url === LIST)!.body).toEqual({ name: "shop", compose: "services:\n  a:\n    image: x\n" });
  });
});

describe("StackDetailPage", () => {
  const ONE = "/api/v1/environments/local/stacks/shop";
  const view = (overrides: Record<string, unknown> = {}) => ({
    ...stack("shop", { version: 2, variables: ["DB_PASSWORD"] }),
    containers: [
      { id: "c1", name: "shop-web-1", service: "web", number: 1, state: "running", config_hash: "h" },
      { id: "c2", name: "shop-db-1", service: "db", number: 1, state: "running", config_hash: "h" },
    ],
    ...overrides,
  });
  beforeEach(() => window.history.replaceState(null, "", "#/stacks/view?env=local&name=shop"));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("shows the containers, and reviews the line diff before deploying an edit", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="edit" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view());
        if (call.method === "PUT" && call.url === ONE) return json(200, view({ version: 3 }));
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    const compose = screen.getByLabelText("Compose file") as HTMLTextAreaElement;
    expect(compose.value).toBe(SHOP_FILE);
    expect((screen.getByLabelText("Variables") as HTMLTextAreaElement).value).toBe("DB_PASSWORD=");
    await user.clear(compose);
    await user.type(compose, "services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx\n");
    await user.type(screen.getByLabelText("Variables"), "s3cret");
    await user.click(screen.getByRole("button", { name: "Review changes" }));

    const diff = screen.getByRole("list", { name: "Changes to the compose file of shop" });
    const marked = within(diff)
      .getAllByRole("listitem")
      .filter((li) => !li.className.includes("diff-same"))
      .map((li) => li.textContent);
    expect(marked).toEqual(["-Removed:     image: postgres", "+Added:     image: postgres:16"]);
    expect(screen.getByText("1 line removed, 1 added.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await screen.findByText("Deployed version 3 of shop.");
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.body).toEqual({ compose: "services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx\n", variables: { DB_PASSWORD: "s3cret" } });
  });

  it("shows why a failed stack failed, and hides what a viewer may not do", async () => {
    renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => (call.method === "GET" && call.url === ONE ? json(200, view({ status: "failed", error: "db: unhealthy after 30 checks" })) : undefined)),
      { permissions: VIEWER },
    );
    expect(await screen.findByText("The last deploy failed: db: unhealthy after 30 checks")).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "shop-db-1" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Stop" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Pull and redeploy" })).toBeNull();
    expect(screen.queryByRole("tab", { name: "Edit" })).toBeNull();
    expect(screen.queryByRole("tab", { name: "Logs" })).toBeNull();
    expect(screen.getByRole("tab", { name: "History" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Webhook" })).toBeTruthy();
  });
  it("pulls and redeploys with a pending state, reads the stack again, and shows a refused pull's problem", async () => {
    const user = userEvent.setup();
    let answer!: (response: Response) => void;
    let gets = 0;
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) {
          gets += 1;
          return json(200, view(gets > 1 ? { containers: [{ id: "c3", name: "shop-web-1", service: "web", number: 1, state: "running", config_hash: "h2" }] } : {}));
        }
        if (call.method === "POST" && call.url === `${ONE}/redeploy`) return new Promise<Response>((resolve) => (answer = resolve));
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    const actions = screen.getByRole("group", { name: "Actions for shop" });
    await user.click(within(actions).getByRole("button", { name: "Pull and redeploy" }));

    const pending = within(actions).getByRole("button", { name: "Pulling and redeploying…" }) as HTMLButtonElement;
    expect(pending.disabled).toBe(true);
    expect((within(actions).getByRole("button", { name: "Stop" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toMatch(/Pulling the images of shop again/);
    expect(calls.filter((c) => c.url === `${ONE}/redeploy`)).toHaveLength(1);
    answer(json(200, view()));
    expect(await screen.findByText("Pulled and redeployed shop: running.")).toBeTruthy();
    // The view is read again: the recreated container shows.
    await waitFor(() => expect(within(screen.getByRole("rowheader", { name: "shop-web-1" })).getByRole("link").getAttribute("href")).toContain("id=c3"));
    expect((within(actions).getByRole("button", { name: "Pull and redeploy" }) as HTMLButtonElement).disabled).toBe(false);

    await user.click(within(actions).getByRole("button", { name: "Pull and redeploy" }));
    answer(problem(502, "image_pull_failed", "pull access denied for registry.example/shop/web"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not pull and redeploy shop: pull access denied for registry.example/shop/web");
    expect(alert.textContent).toContain("Code: image_pull_failed");
    expect(screen.queryByText("Pulled and redeployed shop: running.")).toBeNull();
  });

  it("names an image with an update and suggests Pull and redeploy; opts in to automatic redeploys", async () => {
    const user = userEvent.setup();
    let answer!: (response: Response) => void;
    let enabled = false;
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view({ auto_update: enabled }));
        if (call.method === "GET" && call.url === UPDATES) return json(200, { items: [result("nginx:latest", "update_available"), result("postgres", "up_to_date")], next_cursor: null });
        if (call.method === "PUT" && call.url === `${ONE}/auto-update`) {
          return new Promise<Response>((resolve) => (answer = resolve)).then((response) => {
            enabled = (call.body as { enabled: boolean }).enabled;
            return response;
          });
        }
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    const notice = await screen.findByText(/^Update available for/);
    expect(notice.textContent).toBe("Update available for nginx: the registry has a newer image under this tag.");
    expect(notice.closest(".notice")!.textContent).toContain("Pull and redeploy to run the newer image");
    expect(screen.queryByText(/Update available for postgres/)).toBeNull();

    const box = screen.getByLabelText("Redeploy automatically when an image update is found") as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    await user.click(box);
    // The choice shows at once, while the server is asked.
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toBe("Saving…");
    await waitFor(() => expect(answer).toBeTypeOf("function"));
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.url).toBe(`${ONE}/auto-update`);
    expect(put.body).toEqual({ enabled: true });
    answer(json(200, view({ auto_update: true })));
    expect(await screen.findByText("shop is redeployed automatically when an image update is found.")).toBeTruthy();
    // The stack is read again and keeps the choice.
    await waitFor(() => expect(calls.filter((c) => c.method === "GET" && c.url === ONE)).toHaveLength(2));
    await waitFor(() => expect((screen.getByLabelText("Redeploy automatically when an image update is found") as HTMLInputElement).disabled).toBe(false));
    expect((screen.getByLabelText("Redeploy automatically when an image update is found") as HTMLInputElement).checked).toBe(true);
  });

  it("shows a refused change of automatic redeploys with its code, and puts the switch back", async () => {
    const user = userEvent.setup();
    renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view({ auto_update: true }));
        if (call.method === "PUT" && call.url === `${ONE}/auto-update`) return problem(409, "stack_busy", "The stack is being deployed.");
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    const box = screen.getByLabelText("Redeploy automatically when an image update is found") as HTMLInputElement;
    expect(box.checked).toBe(true);
    await user.click(box);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not turn off automatic redeploys of shop: The stack is being deployed.");
    expect(alert.textContent).toContain("Code: stack_busy");
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(false);
    // The results could not be read (no route here): no notice, and no failure shown for them.
    expect(screen.queryByText(/^Update available for/)).toBeNull();
  });

  it("shows a viewer the automatic redeploy setting and the update without the means to act", async () => {
    renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view({ auto_update: true, images: ["postgres", "nginx"] }));
        if (call.method === "GET" && call.url === UPDATES) return json(200, { items: [result("nginx", "update_available"), result("postgres", "update_available")], next_cursor: null });
        return undefined;
      }),
      { permissions: memberPermissions(["containers:read", "images:read"]) },
    );
    await screen.findByText("version 2");
    const box = screen.getByLabelText("Redeploy automatically when an image update is found") as HTMLInputElement;
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(true);
    expect(screen.getByText("Only someone who may deploy this stack can change this.")).toBeTruthy();
    const notice = (await screen.findByText("Update available for these images: the registry has newer ones under their tags.")).closest(".notice")!;
    expect(within(notice as HTMLElement).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["postgres", "nginx"]);
    expect(notice.textContent).toContain("Someone who may deploy this stack can pull and redeploy it");
    expect(screen.queryByRole("button", { name: "Pull and redeploy" })).toBeNull();
  });

  it("shows where a Git stack's file is, and syncs it with a pending state, saying what it deployed", async () => {
    const user = userEvent.setup();
    let answer!: (response: Response) => void;
    let gets = 0;
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) {
          gets += 1;
          return json(200, view(gets > 1 ? { version: 3, git: { ...GIT, commit: COMMIT_2 } } : { git: GIT }));
        }
        if (call.method === "POST" && call.url === `${ONE}/git-sync`) return new Promise<Response>((resolve) => (answer = resolve));
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    const facts = screen.getByRole("region", { name: "From Git" });
    expect(within(facts).getByText("https://git.example/team/shop.git")).toBeTruthy();
    expect(within(facts).getByText("main")).toBeTruthy();
    expect(within(facts).getByText("deploy/compose.yml")).toBeTruthy();
    const commit = within(facts).getByText("0123456789ab");
    expect(commit.getAttribute("title")).toBe(COMMIT_1);

    const actions = screen.getByRole("group", { name: "Actions for shop" });
    await user.click(within(actions).getByRole("button", { name: "Sync from Git" }));
    expect((within(actions).getByRole("button", { name: "Syncing from Git…" }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(actions).getByRole("button", { name: "Pull and redeploy" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toMatch(/^Reading main of the repository/);
    expect(calls.filter((c) => c.url === `${ONE}/git-sync`).map((c) => c.body)).toEqual([undefined]);
    answer(json(200, view({ version: 3, git: { ...GIT, commit: COMMIT_2 }, changed: true })));
    expect(await screen.findByText("Deployed commit fedcba987654: shop is now at version 3.")).toBeTruthy();
    // The stack is read again: the new commit and version show.
    expect(await within(screen.getByRole("region", { name: "From Git" })).findByText("fedcba987654")).toBeTruthy();
    expect(screen.getByText("version 3")).toBeTruthy();

    await user.click(within(actions).getByRole("button", { name: "Sync from Git" }));
    answer(json(200, view({ version: 3, git: { ...GIT, commit: COMMIT_2 }, changed: false })));
    expect(await screen.findByText("Already at fedcba987654: nothing new to deploy.")).toBeTruthy();

    await user.click(within(actions).getByRole("button", { name: "Sync from Git" }));
    answer(problem(502, "git_unreachable", "git clone: could not resolve host git.example"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not sync shop from Git: git clone: could not resolve host git.example");
    expect(alert.textContent).toContain("Code: git_unreachable");
    expect(screen.queryByText(/^Already at/)).toBeNull();
  });

  it("offers Sync from Git only for a Git stack, to those who may deploy it", async () => {
    renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => (call.method === "GET" && call.url === ONE ? json(200, view()) : undefined)),
    );
    await screen.findByText("version 2");
    expect(screen.queryByRole("button", { name: "Sync from Git" })).toBeNull();
    expect(screen.queryByRole("region", { name: "From Git" })).toBeNull();
    cleanup();
    renderPage(
      <StackDetailPage env="local" name="shop" tab="" />,
      server((call) => (call.method === "GET" && call.url === ONE ? json(200, view({ git: GIT })) : undefined)),
      { permissions: VIEWER },
    );
    await screen.findByText("version 2");
    expect(within(screen.getByRole("region", { name: "From Git" })).getByText("0123456789ab")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Sync from Git" })).toBeNull();
  });

  it("edits a Git stack's location, with the server's problem at its field, instead of the file", async () => {
    const user = userEvent.setup();
    const moved = { version: 3, git: { ...GIT, ref: "v2", commit: COMMIT_2 } };
    const answers: Response[] = [problem(404, "git_ref_not_found", "The repository has no branch or tag named v9."), json(200, view(moved))];
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="edit" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view(answers.length === 0 ? moved : { git: GIT }));
        if (call.method === "PUT" && call.url === ONE) return answers.shift();
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    expect(screen.getByText(/It is not edited here: commit a change to the repository, then use Sync from Git\./)).toBeTruthy();
    expect(screen.queryByLabelText("Compose file")).toBeNull();
    expect(screen.queryByRole("button", { name: "Review changes" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Edit the location" }));
    expect((screen.getByLabelText("Repository URL") as HTMLInputElement).value).toBe(GIT.url);
    expect((screen.getByLabelText("Path of the Compose file") as HTMLInputElement).value).toBe(GIT.path);
    const ref = screen.getByLabelText("Branch or tag") as HTMLInputElement;
    expect(ref.value).toBe("main");
    await user.clear(ref);
    await user.type(ref, "bad ref");
    await user.click(screen.getByRole("button", { name: "Deploy from this location" }));
    expect(ref.getAttribute("aria-invalid")).toBe("true");
    expect(calls.some((c) => c.method === "PUT")).toBe(false);

    await user.clear(ref);
    await user.type(ref, "v9");
    await user.click(screen.getByRole("button", { name: "Deploy from this location" }));
    const refused = await screen.findByRole("alert");
    expect(refused.textContent).toContain("The repository has no branch or tag named v9.");
    expect(refused.textContent).toContain("git_ref_not_found");
    expect(ref.getAttribute("aria-describedby")).toContain(refused.id);

    await user.clear(ref);
    await user.type(ref, "v2");
    await user.click(screen.getByRole("button", { name: "Deploy from this location" }));
    expect(await screen.findByText("Deployed version 3 of shop.")).toBeTruthy();
    // Variables and env files left out: the deployed ones stay.
    expect(calls.filter((c) => c.method === "PUT").map((c) => c.body)).toEqual([
      { git: { url: GIT.url, ref: "v9", path: GIT.path } },
      { git: { url: GIT.url, ref: "v2", path: GIT.path } },
    ]);
    await waitFor(() => expect(within(screen.getByRole("region", { name: "From Git" })).getByText("v2")).toBeTruthy());
    // The tab starts again from the new version.
    expect(screen.getByRole("button", { name: "Edit the location" })).toBeTruthy();
  });

  it("switches a Git stack to an inline file of the deployed file after asking, and then edits it here", async () => {
    const user = userEvent.setup();
    let inline = false;
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="edit" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view(inline ? { version: 3 } : { git: GIT }));
        if (call.method === "PUT" && call.url === ONE) {
          inline = true;
          return json(200, view({ version: 3 }));
        }
        return undefined;
      }),
    );
    await screen.findByText("version 2");
    await user.click(screen.getByRole("button", { name: "Switch to an inline file" }));
    let dialog = screen.getByRole("dialog", { name: "Switch shop to an inline file?" });
    expect(dialog.textContent).toContain("The file deployed now (commit 0123456789ab) becomes the stack's own file");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.some((c) => c.method === "PUT")).toBe(false);

    await user.click(screen.getByRole("button", { name: "Switch to an inline file" }));
    dialog = screen.getByRole("dialog", { name: "Switch shop to an inline file?" });
    await user.click(within(dialog).getByRole("button", { name: "Switch to an inline file" }));
    expect(await screen.findByText("shop now has an inline file: edit it here from now on.")).toBeTruthy();
    expect(calls.find((c) => c.method === "PUT")!.body).toEqual({ compose: SHOP_FILE, git: null });
    expect(screen.queryByRole("dialog")).toBeNull();
    // Read again: no Git any more, and the tab is the file's editor.
    expect(((await screen.findByLabelText("Compose file")) as HTMLTextAreaElement).value).toBe(SHOP_FILE);
    expect(screen.queryByRole("region", { name: "From Git" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Sync from Git" })).toBeNull();
  });

  it("keeps the question open with the server's problem when the switch is refused", async () => {
    const user = userEvent.setup();
    renderPage(
      <StackDetailPage env="local" name="shop" tab="edit" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view({ git: GIT }));
        if (call.method === "PUT" && call.url === ONE) return problem(409, "stack_busy", "The stack is being deployed.");
        return undefined;
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Switch to an inline file" }));
    const dialog = screen.getByRole("dialog", { name: "Switch shop to an inline file?" });
    await user.click(within(dialog).getByRole("button", { name: "Switch to an inline file" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Could not switch to an inline file: The stack is being deployed.");
    expect(alert.textContent).toContain("Code: stack_busy");
  });

  it("issues the webhook URL once, with Copy and an example call; replaces and revokes it after asking", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText, readText: vi.fn() }, configurable: true });
    const TOKEN_1 = `dkh_${"1".repeat(64)}`;
    const TOKEN_2 = `dkh_${"2".repeat(64)}`;
    const HOOK = `${ONE}/hook`;
    let current: Record<string, unknown> | null = null;
    let issues = 0;
    const { calls } = renderPage(
      <StackDetailPage env="local" name="shop" tab="webhook" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view());
        if (call.url !== HOOK) return undefined;
        if (call.method === "GET") return current ? json(200, current) : problem(404, "hook_not_found", "The stack has no webhook.");
        if (call.method === "PUT") {
          issues += 1;
          const token = issues === 1 ? TOKEN_1 : TOKEN_2;
          current = { created_by: "alice", created_at: UPDATED, last_used_at: null };
          return json(201, { ...current, token, url: `/api/v1/hooks/stacks/${token}` });
        }
        if (call.method === "DELETE") {
          current = null;
          return noContent();
        }
        return undefined;
      }),
    );
    expect(await screen.findByText("This stack has no webhook.")).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Webhook" }).getAttribute("aria-selected")).toBe("true");
    // No webhook yet is not a failure.
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("button", { name: "Revoke" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Issue a webhook URL" }));
    const field = (await screen.findByLabelText("Webhook URL")) as HTMLInputElement;
    const address = `${window.location.origin}/api/v1/hooks/stacks/${TOKEN_1}`;
    expect(field.value).toBe(address);
    expect(field.readOnly).toBe(true);
    expect(screen.getByText("Copy the URL now: it will not be shown again.")).toBeTruthy();
    expect(screen.getByText(`curl -X POST ${address}`)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(address);
    expect(await screen.findByText("Copied.")).toBeTruthy();
    // The tab reads the webhook again: who issued it, and that it was never called.
    expect(await screen.findByText("never used")).toBeTruthy();
    expect(screen.getByText("alice")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByLabelText("Webhook URL")).toBeNull();
    expect(document.body.textContent).not.toContain(TOKEN_1);

    // Issuing again replaces it, after a question that says the old URL stops working.
    await user.click(screen.getByRole("button", { name: "Issue a new URL" }));
    const replace = screen.getByRole("dialog", { name: "Issue a new webhook URL for shop?" });
    expect(replace.textContent).toContain("The old URL stops working");
    expect(calls.filter((c) => c.method === "PUT")).toHaveLength(1);
    await user.click(within(replace).getByRole("button", { name: "Issue a new URL" }));
    await waitFor(() => expect((screen.getByLabelText("Webhook URL") as HTMLInputElement).value).toBe(`${window.location.origin}/api/v1/hooks/stacks/${TOKEN_2}`));
    expect(screen.queryByRole("dialog")).toBeNull();

    // Revoking asks first, then forgets the URL.
    await user.click(screen.getByRole("button", { name: "Revoke" }));
    const revoke = screen.getByRole("dialog", { name: "Revoke the webhook of shop?" });
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);
    await user.click(within(revoke).getByRole("button", { name: "Revoke" }));
    expect(await screen.findByText("Revoked the webhook of shop: its URL no longer works.")).toBeTruthy();
    expect(await screen.findByText("This stack has no webhook.")).toBeTruthy();
    expect(screen.queryByLabelText("Webhook URL")).toBeNull();
    expect(calls.filter((c) => c.url === HOOK).map((c) => c.method)).toEqual(["GET", "PUT", "GET", "PUT", "GET", "DELETE", "GET"]);
  });

  it("shows a failure to issue the webhook with the server's problem", async () => {
    const user = userEvent.setup();
    renderPage(
      <StackDetailPage env="local" name="shop" tab="webhook" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view());
        if (call.method === "GET" && call.url === `${ONE}/hook`) return problem(404, "hook_not_found", "The stack has no webhook.");
        if (call.method === "PUT" && call.url === `${ONE}/hook`) return problem(409, "stack_busy", "The stack is being deployed.");
        return undefined;
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Issue a webhook URL" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not issue a webhook: The stack is being deployed.");
    expect(alert.textContent).toContain("stack_busy");
    expect(screen.queryByLabelText("Webhook URL")).toBeNull();
  });

  it("shows a viewer the webhook's status without the buttons to change it", async () => {
    const used = new Date(Date.now() - 5 * 60_000).toISOString();
    const issued = new Date(Date.now() - 3 * 86400_000).toISOString();
    renderPage(
      <StackDetailPage env="local" name="shop" tab="webhook" />,
      server((call) => {
        if (call.method === "GET" && call.url === ONE) return json(200, view());
        if (call.method === "GET" && call.url === `${ONE}/hook`) return json(200, { created_by: "bob", created_at: issued, last_used_at: used });
        return undefined;
      }),
      { permissions: VIEWER },
    );
    expect(await screen.findByText("5 minutes ago")).toBeTruthy();
    expect(screen.getByText("bob")).toBeTruthy();
    expect(screen.getByText("3 days ago")).toBeTruthy();
    expect(screen.queryByText("never used")).toBeNull();
    expect(screen.queryByRole("button", { name: /Issue/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Revoke" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Pull and redeploy" })).toBeNull();
  });
});

