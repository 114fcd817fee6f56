import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage } from "../../test/resourcePages";
import { MAX_COMPOSE_BYTES } from "./DeployStackPage";
import { BASE, renderSwarm, stackEntry, stackService, swarmServer } from "./swarmTesting";

const COMPOSE = `services:
  web:
    image: nginx:1.27
    deploy:
      replicas: \${REPLICAS}
`;
const NEW = "#/swarm/stacks/new?env=local";
const UPDATE = "#/swarm/stacks/update?env=local&id=shop";
const DEVELOPER = memberPermissions(["containers:read", "containers:create"], "team-b");

/** Answers the deploy as the server does, with the stack's services. */
function deployed(call: Call) {
  if (call.method !== "PUT") return undefined;
  return json(200, { name: "shop", services: [stackService("s-1", "shop", "web")] });
}

const puts = (calls: Call[]) => calls.filter((c) => c.method === "PUT");

/** The file typed as it is: user-event reads braces as keys, so the text goes in as one change. */
function writeCompose(text: string) {
  fireEvent.change(screen.getByLabelText("Compose file"), { target: { value: text } });
}

describe("DeployStackPage", () => {
  afterEach(resetPage);

  it("PUTs the file, the team chosen and the variables, and opens the stack's page", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(NEW, swarmServer({ stacks: [stackEntry("shop")], services: [stackService("s-1", "shop", "web")] }, deployed));
    expect(await screen.findByRole("heading", { name: "Deploy stack", level: 1 })).toBeTruthy();
    const compose = screen.getByLabelText("Compose file") as HTMLTextAreaElement;
    expect(compose.className).toContain("mono");
    expect(compose.value).toBe("");
    expect(compose.getAttribute("placeholder")).toContain("replicas: 2");
    expect(compose.getAttribute("placeholder")).toContain("deploy:");
    await user.type(screen.getByLabelText("Name"), "shop");
    const team = screen.getByLabelText("Team") as HTMLSelectElement;
    await within(team).findByRole("option", { name: "Beta" });
    await user.selectOptions(team, "Beta");
    writeCompose(COMPOSE);
    await user.type(screen.getByLabelText("Variables"), "REPLICAS=2{Enter}# a comment{Enter}GREETING=hello world");
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));

    await waitFor(() => expect(window.location.hash).toBe("#/swarm/stacks/view?env=local&id=shop&done=deployed"));
    expect(puts(calls).map((c) => c.url)).toEqual([`${BASE}/swarm/stacks/shop`]);
    expect(puts(calls)[0]!.body).toEqual({ compose: COMPOSE, team: "team-b", variables: { REPLICAS: "2", GREETING: "hello world" } });
    expect(await screen.findByRole("heading", { name: "Stack shop", level: 1 })).toBeTruthy();
    expect(screen.getByText(/Deployed the stack shop\./)).toBeTruthy();
  });

  it("sends neither team nor variables when none are given", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(NEW, swarmServer({}, deployed));
    await user.type(await screen.findByLabelText("Name"), "shop");
    writeCompose(COMPOSE);
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    await waitFor(() => expect(puts(calls)).toHaveLength(1));
    expect(puts(calls)[0]!.body).toEqual({ compose: COMPOSE });
  });

  it("shows each problem at its field, sends nothing, and focuses the first", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(NEW, swarmServer());
    await user.click(await screen.findByRole("button", { name: "Deploy stack" }));
    expect(screen.getByText("Give the stack a name.")).toBeTruthy();
    expect(screen.getByText("Write the Compose file, with a services: section.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Name")));

    await user.type(screen.getByLabelText("Name"), "Shop");
    writeCompose(COMPOSE);
    await user.type(screen.getByLabelText("Variables"), "REPLICAS");
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    expect(screen.getByText(/A stack name is 1-63 of a-z/)).toBeTruthy();
    expect(screen.getByText("Line 1: write NAME=value.")).toBeTruthy();
    expect(screen.getByLabelText("Variables").getAttribute("aria-invalid")).toBe("true");

    await user.clear(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "shop");
    await user.clear(screen.getByLabelText("Variables"));
    writeCompose("x".repeat(MAX_COMPOSE_BYTES + 1));
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    expect(screen.getByText("A Compose file is at most 256 KiB.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Compose file")));
    expect(puts(calls)).toHaveLength(0);
  });

  it("shows invalid_compose's detail at the file, and other refusals with their detail and code", async () => {
    const user = userEvent.setup();
    let answer = problem(400, "invalid_compose", "line 4, services.web.privileged: is not available to Swarm services", "Invalid Compose file");
    renderSwarm(NEW, swarmServer({}, (call) => (call.method === "PUT" ? answer : undefined)));
    await user.type(await screen.findByLabelText("Name"), "shop");
    writeCompose("services:\n  web:\n    image: nginx\n    privileged: true\n");
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("line 4, services.web.privileged: is not available to Swarm services");
    expect(alert.textContent).toContain("invalid_compose");
    const compose = screen.getByLabelText("Compose file");
    expect(compose.getAttribute("aria-invalid")).toBe("true");
    expect(compose.getAttribute("aria-describedby")).toContain(alert.id);
    expect(window.location.hash).toBe(NEW);

    answer = problem(403, "policy_denied", "The team's policy does not allow port 80.");
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    const denied = await screen.findByText(/Could not deploy the stack: The team's policy does not allow port 80\./);
    expect(denied.closest("[role=alert]")!.textContent).toContain("policy_denied");
    expect(screen.getByLabelText("Compose file").getAttribute("aria-invalid")).toBeNull();

    answer = problem(409, "swarm_stack_taken", "A stack named 'shop' belongs to someone else.");
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    expect(await screen.findByText(/A stack named 'shop' belongs to someone else\./)).toBeTruthy();
    expect(screen.getByLabelText("Name").getAttribute("aria-invalid")).toBe("true");
  });

  it("updates a stack: the name fixed, the editor empty with a word on what the file replaces, and the stack's team sent", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      UPDATE,
      swarmServer({ stacks: [stackEntry("shop", { team: "team-b" })], services: [stackService("s-1", "shop", "web")] }, deployed),
    );
    expect(await screen.findByRole("heading", { name: "Update stack shop", level: 1 })).toBeTruthy();
    const name = (await screen.findByLabelText("Name")) as HTMLInputElement;
    expect(name.value).toBe("shop");
    expect(name.readOnly).toBe(true);
    expect((screen.getByLabelText("Compose file") as HTMLTextAreaElement).value).toBe("");
    expect(screen.getByText(/the editor starts empty: write the whole file again\. It replaces the stack's services/)).toBeTruthy();
    expect(screen.queryByLabelText("Team")).toBeNull();
    await waitFor(() => expect(screen.getByText("The stack belongs to the team Beta, and stays with it.")).toBeTruthy());
    expect(screen.getByRole("link", { name: "Back to the stack" }).getAttribute("href")).toBe("#/swarm/stacks/view?env=local&id=shop");
    writeCompose(COMPOSE);
    await user.click(screen.getByRole("button", { name: "Update stack" }));
    await waitFor(() => expect(window.location.hash).toBe("#/swarm/stacks/view?env=local&id=shop&done=updated"));
    expect(puts(calls)[0]!.url).toBe(`${BASE}/swarm/stacks/shop`);
    expect(puts(calls)[0]!.body).toEqual({ compose: COMPOSE, team: "team-b" });
    expect(await screen.findByText(/Updated the stack shop/)).toBeTruthy();
  });

  it("says so when the stack to update is gone", async () => {
    renderSwarm(UPDATE, swarmServer({ stacks: [] }));
    expect((await screen.findByRole("alert")).textContent).toContain("There is no stack named shop in this environment");
    expect(screen.queryByLabelText("Compose file")).toBeNull();
  });

  it("makes a member deploy for their team, and tells a viewer they may not", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(NEW, swarmServer({}, deployed), { permissions: DEVELOPER });
    const team = (await screen.findByLabelText("Team")) as HTMLSelectElement;
    await waitFor(() => expect(within(team).getAllByRole("option").map((o) => o.textContent)).toEqual(["Beta"]));
    await user.type(screen.getByLabelText("Name"), "shop");
    writeCompose(COMPOSE);
    await user.click(screen.getByRole("button", { name: "Deploy stack" }));
    await waitFor(() => expect(puts(calls)).toHaveLength(1));
    expect(puts(calls)[0]!.body).toEqual({ compose: COMPOSE, team: "team-b" });
    resetPage();
    renderSwarm(NEW, swarmServer(), { permissions: memberPermissions(["containers:read"]) });
    expect(await screen.findByText(/You may not deploy stacks in this environment/)).toBeTruthy();
    expect(screen.queryByLabelText("Compose file")).toBeNull();
  });
});
