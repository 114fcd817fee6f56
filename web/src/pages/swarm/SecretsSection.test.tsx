import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, noContent, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage, rowOf } from "../../test/resourcePages";
import { BASE, file, renderSwarm, swarmServer } from "./swarmTesting";

const SECRETS = [file("sec-1", "db-password", { labels: { app: "shop" } }), file("sec-2", "tls-key", { team: null })];
const CONFIGS = [file("cfg-1", "nginx-conf")];
const VALUE = "s3cr3t-value\nsecond line";
const HASH = "#/swarm/secrets?env=local";

describe("SecretsSection", () => {
  afterEach(resetPage);

  it("lists the secrets without values, and the configs on their tab", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(HASH, swarmServer({ secrets: SECRETS, configs: CONFIGS }));
    expect(await screen.findByRole("heading", { name: "Secrets & configs", level: 1 })).toBeTruthy();
    await screen.findByRole("rowheader", { name: "db-password" });
    expect(screen.getByRole("table", { name: "Secrets in local" })).toBeTruthy();
    expect(within(rowOf("db-password")).getByText("app=shop")).toBeTruthy();
    await waitFor(() => expect(within(rowOf("db-password")).getByText("Alpha")).toBeTruthy());
    expect(within(rowOf("tls-key")).getAllByText("—")).toHaveLength(2);
    expect(screen.getByText(/Values are write-only: the list never shows them\./)).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Secrets" }).getAttribute("aria-selected")).toBe("true");

    await user.click(screen.getByRole("tab", { name: "Configs" }));
    expect(await screen.findByRole("rowheader", { name: "nginx-conf" })).toBeTruthy();
    expect(window.location.hash).toBe("#/swarm/secrets?env=local&tab=configs");
    expect(screen.getByRole("button", { name: "Create config" })).toBeTruthy();
    expect(calls.some((c) => c.url === `${BASE}/configs`)).toBe(true);
  });

  it("creates a secret for a team, never showing its value again", async () => {
    const user = userEvent.setup();
    let listed = SECRETS;
    const { calls } = renderSwarm(
      HASH,
      swarmServer({}, (call) => {
        if (call.method === "GET" && call.url === `${BASE}/secrets`) return json(200, { items: listed });
        if (call.method === "POST" && call.url.startsWith(`${BASE}/secrets`)) {
          listed = [...SECRETS, file("sec-3", "api-token")];
          return json(201, file("sec-3", "api-token"));
        }
        return undefined;
      }),
    );
    await screen.findByRole("rowheader", { name: "db-password" });
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    const dialog = screen.getByRole("dialog", { name: "Create a secret" });
    const value = within(dialog).getByLabelText("Value") as HTMLTextAreaElement;
    expect(value.className).toContain("mono");
    expect(value.getAttribute("autocomplete")).toBe("off");
    expect(within(dialog).getByText(/once created, the value is never shown again/)).toBeTruthy();

    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect(within(dialog).getByText(/A name is 1 to 64 letters/)).toBeTruthy();
    expect(within(dialog).getByText("Give the secret's value.")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await user.type(within(dialog).getByLabelText("Name"), "api-token");
    await user.type(value, VALUE.replace("\n", "{Enter}"));
    await user.type(within(dialog).getByLabelText("Labels"), "app=shop");
    const team = within(dialog).getByLabelText("Team") as HTMLSelectElement;
    await within(team).findByRole("option", { name: "Beta" });
    await user.selectOptions(team, "Beta");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    expect(await screen.findByText("Created the secret api-token. Its value is not shown again.")).toBeTruthy();
    expect(await screen.findByRole("rowheader", { name: "api-token" })).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe(`${BASE}/secrets?team=team-b`);
    expect(post.body).toEqual({ name: "api-token", data: VALUE, labels: { app: "shop" } });
    expect(screen.queryByDisplayValue(VALUE)).toBeNull();
    expect(document.body.textContent).not.toContain("s3cr3t-value");

    // A new dialog starts empty.
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    expect((within(screen.getByRole("dialog", { name: "Create a secret" })).getByLabelText("Value") as HTMLTextAreaElement).value).toBe("");
  });

  it("shows the server's refusal of a create with its detail and code", async () => {
    const user = userEvent.setup();
    renderSwarm(
      "#/swarm/secrets?env=local&tab=configs",
      swarmServer({ configs: CONFIGS }, (call) => (call.method === "POST" ? problem(409, "config_exists", "A config named nginx-conf exists.") : undefined)),
    );
    await screen.findByRole("rowheader", { name: "nginx-conf" });
    await user.click(screen.getByRole("button", { name: "Create config" }));
    const dialog = screen.getByRole("dialog", { name: "Create a config" });
    await user.type(within(dialog).getByLabelText("Name"), "nginx-conf");
    await user.type(within(dialog).getByLabelText("Value"), "worker_processes 1;");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Could not create the config: A config named nginx-conf exists.");
    expect(alert.textContent).toContain("config_exists");
  });

  it("holds a config's value, as a secret's, to 500 KiB", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm("#/swarm/secrets?env=local&tab=configs", swarmServer({ configs: CONFIGS }));
    await screen.findByRole("rowheader", { name: "nginx-conf" });
    await user.click(screen.getByRole("button", { name: "Create config" }));
    const dialog = screen.getByRole("dialog", { name: "Create a config" });
    const value = within(dialog).getByLabelText("Value") as HTMLTextAreaElement;
    expect(value.maxLength).toBe(500 * 1024);
    expect(within(dialog).getByText(/At most 500 KiB\./)).toBeTruthy();
    await user.type(within(dialog).getByLabelText("Name"), "big-conf");
    // Characters of two bytes: within maxLength, yet over the limit in bytes.
    fireEvent.change(value, { target: { value: "é".repeat(256 * 1024) } });
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect(within(dialog).getByText("A config's value is at most 500 KiB.")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("removes after a confirmation, and says why the managers refused one in use", async () => {
    const user = userEvent.setup();
    let removes = 0;
    const { calls } = renderSwarm(
      HASH,
      swarmServer({ secrets: SECRETS }, (call) => {
        if (call.method !== "DELETE") return undefined;
        removes += 1;
        return removes === 1 ? problem(409, "secret_conflict", "The secret db-password is in use by the service web.") : noContent();
      }),
    );
    await screen.findByRole("rowheader", { name: "db-password" });
    await user.click(within(rowOf("db-password")).getByRole("button", { name: "Remove" }));
    const dialog = screen.getByRole("dialog", { name: "Remove the secret db-password?" });
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Could not remove: The secret db-password is in use by the service web.");
    expect(alert.textContent).toContain("secret_conflict");
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(await screen.findByText("Removed the secret db-password.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`${BASE}/secrets/sec-1`, `${BASE}/secrets/sec-1`]);
  });

  it("hides Create and Remove from a viewer", async () => {
    renderSwarm(HASH, swarmServer({ secrets: SECRETS }), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByRole("rowheader", { name: "db-password" });
    expect(screen.queryByRole("button", { name: "Create secret" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
  });
});
