import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import type { Environment, User } from "../lib/dokkerr";
import { EnvironmentsProvider } from "../lib/environments";
import { createServices, ServicesProvider, type Services } from "../lib/services";
import { StaticSessionProvider, type Permissions } from "../lib/session";
import { fakeFetch, json, type Call, type Responder } from "./fakeFetch";

export const ADMIN_PERMISSIONS: Permissions = { is_admin: true, platform: [], teams: {}, organizations: {}, environments: {} };

/** A team member's permissions: `perms` in team `team`, which is granted environment `env`. */
export function memberPermissions(perms: string[], team = "team-a", env = "local"): Permissions {
  return { is_admin: false, platform: [], teams: { [team]: perms }, organizations: {}, environments: { [env]: [team] } };
}

export const LOCAL_ENV: Environment = {
  id: "local",
  name: "local",
  builtin: true,
  status: "up",
  engine: { version: "20.10.24", api_version: "1.41", os: "linux", arch: "amd64" },
  counts: { containers: 0, running: 0, paused: 0, stopped: 0, images: 0 },
};

export interface PageOptions {
  permissions?: Permissions;
  user?: User;
  environments?: Environment[];
}

/**
 * Renders a page as the signed-in shell would: services on a scripted fetch, a fixed session
 * (ADMIN_PERMISSIONS unless given) and the environment list (GET /api/v1/environments is
 * answered with `environments`, [LOCAL_ENV] unless given, before `respond` is asked).
 */
export function renderPage(ui: ReactElement, respond: Responder, options: PageOptions = {}) {
  const environments = options.environments ?? [LOCAL_ENV];
  const answer = (call: Call) =>
    call.method === "GET" && call.url === "/api/v1/environments" ? json(200, { items: environments, next_cursor: null }) : respond(call);
  const fake = fakeFetch(answer);
  const services: Services = createServices({ fetch: fake.fetch });
  services.tokens.set({ access_token: "access-1", refresh_token: "refresh-1", token_type: "Bearer", expires_in: 900 });
  const user: User = options.user ?? { id: "u-1", username: "alice", is_admin: options.permissions ? options.permissions.is_admin : true };
  const result = render(
    <ServicesProvider services={services}>
      <StaticSessionProvider user={user} permissions={options.permissions ?? ADMIN_PERMISSIONS}>
        <EnvironmentsProvider>{ui}</EnvironmentsProvider>
      </StaticSessionProvider>
    </ServicesProvider>,
  );
  return { ...result, services, calls: fake.calls };
}
