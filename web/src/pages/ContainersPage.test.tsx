import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, noContent, problem, type Call } from "../test/fakeFetch";
import { renderWithServices } from "../test/render";
import { ContainersPage } from "./ContainersPage";

const HOSTILE = "<img src=x onerror=alert(1)>";
const environments = { items: [{ id: "local", name: "local", status: "up", counts: { containers: 2, running: 1, paused: 0, stopped: 1 } }], next_cursor: null };

function container(id: string, name: string, state: string) {
  return { Id: id.padEnd(64, "0"), Names: [`/${name}`], Image: "busybox:latest", State: state, Status: state === "running" ? "Up 2 minutes" : "Exited (0)", Dokkerr: { environment: "local" } };
}

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/environments") return json(200, environments);
    if (call.url.startsWith("/api/v1/environments/local/containers?")) {
      return json(200, { items: [container("aaa", HOSTILE, "running"), container("bbb", "web", "exited")], next_cursor: null });
    }
    return problem(404, "route_not_found", `No route for ${call.url}`);
  };
}

describe("ContainersPage", () => {
  afterEach(cleanup);

  it("renders a hostile container name as text, creating no element from it", async () => {
    const { container: root } = renderWithServices(<ContainersPage />, server(), { signedIn: true });
    const cell = await screen.findByText(HOSTILE);
    expect(cell.textContent).toBe(HOSTILE);
    expect(root.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(root.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("lists all containers of the environment with a page limit, and filters by name and state on the server", async () => {
    const user = userEvent.setup();
    const { calls } = renderWithServices(<ContainersPage />, server(), { signedIn: true });
    await screen.findByText("web");
    const listCalls = () => calls.filter((c) => c.url.startsWith("/api/v1/environments/local/containers?"));
    expect(listCalls()[0]!.url).toBe("/api/v1/environments/local/containers?all=1&limit=50");
    await user.type(screen.getByLabelText("Name"), "we");
    await user.selectOptions(screen.getByLabelText("State"), "exited");
    await waitFor(() => expect(listCalls().at(-1)!.url).toBe("/api/v1/environments/local/containers?all=1&name=we&status=exited&limit=50"));
  });

  it("shows the problem detail when an action fails", async () => {
    const user = userEvent.setup();
    renderWithServices(
      <ContainersPage />,
      server((call) =>
        call.method === "POST" && call.url.endsWith("/start") ? problem(409, "container_conflict", "The container is being removed.") : undefined,
      ),
      { signedIn: true },
    );
    const row = (await screen.findByText("web")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Start" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not start web: The container is being removed.");
    expect(alert.textContent).toContain("container_conflict");
  });

  it("removes after confirmation, forcing for a running container", async () => {
    const user = userEvent.setup();
    const { calls } = renderWithServices(
      <ContainersPage />,
      server((call) => (call.method === "DELETE" ? noContent() : undefined)),
      { signedIn: true },
    );
    const row = (await screen.findByText(HOSTILE)).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Remove" }));
    await user.click(within(row).getByRole("button", { name: `Force remove ${HOSTILE}` }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    const del = calls.find((c) => c.method === "DELETE")!;
    expect(del.url).toBe(`/api/v1/environments/local/containers/${"aaa".padEnd(64, "0")}?force=1`);
  });
});
