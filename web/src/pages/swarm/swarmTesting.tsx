// Test support for the Swarm page tests: services, stacks, tasks, logs, nodes and secrets as the server sends
// them, a server answering the requests the pages make in environment "local", and the page
// rendered from the address as the shell does (so that links and tabs move it).

import { json, problem, type Call } from "../../test/fakeFetch";
import { renderPage, type PageOptions } from "../../test/renderPage";
import { twoTeams } from "../../test/resourcePages";
import { useRoute } from "../../lib/router";
import { STACK_LABEL, type Service, type ServiceLogs, type ServiceSpec, type SwarmFile, type SwarmNode, type SwarmStack, type SwarmStatus, type Task } from "../../lib/swarm";
import SwarmPage from "./SwarmPage";

export const BASE = "/api/v1/environments/local";
export const CREATED = new Date(Date.now() - 2 * 3600_000).toISOString();

export const MANAGER: SwarmStatus = { state: "active", manager: true, node_id: "node-1", cluster_id: "cl0123456789abcdef", nodes: 2, managers: 1 };
export const NOT_MANAGER: SwarmStatus = { state: "inactive", manager: false, node_id: "", cluster_id: "", nodes: 0, managers: 0 };

export function spec(name: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image: "nginx:1.27",
    mode: "replicated",
    replicas: 2,
    ports: [{ target: 80, published: 8080, protocol: "tcp", mode: "ingress" }],
    update: { parallelism: 1, delay_seconds: 5, order: "start-first", failure_action: "rollback", monitor_seconds: 10 },
    ...overrides,
  };
}

export function service(id: string, name: string, overrides: Partial<Service> = {}): Service {
  const s = overrides.spec ?? spec(name);
  return {
    id,
    name,
    image: s.image,
    mode: s.mode ?? "replicated",
    replicas: { desired: s.replicas ?? 1, running: s.replicas ?? 1 },
    ports: s.ports ?? [],
    update_status: null,
    team: "team-a",
    created: CREATED,
    updated: CREATED,
    version: 12,
    spec: s,
    previous_spec: null,
    ...overrides,
  };
}

/** A service of the stack `stack`, named as the server names it (<stack>_<service>). */
export function stackService(id: string, stack: string, name: string, overrides: Partial<Service> = {}): Service {
  const full = `${stack}_${name}`;
  return service(id, full, { spec: spec(full, { ports: [], labels: { [STACK_LABEL]: stack } }), ports: [], ...overrides });
}

export function stackEntry(name: string, overrides: Partial<SwarmStack> = {}): SwarmStack {
  return { name, team: "team-a", services: 1, running: 1, desired: 1, ...overrides };
}

export function task(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    slot: 1,
    node_id: "node-1",
    node: "manager-1",
    desired_state: "running",
    state: "running",
    message: "started",
    error: "",
    container_id: `${id}`.padEnd(64, "c"),
    image: "nginx:1.27",
    created: CREATED,
    updated: CREATED,
    exit_code: null,
    ...overrides,
  };
}

export function node(id: string, hostname: string, overrides: Partial<SwarmNode> = {}): SwarmNode {
  return {
    id,
    hostname,
    role: "worker",
    availability: "active",
    state: "ready",
    address: "10.0.0.2",
    leader: false,
    engine_version: "27.3.1",
    ...overrides,
  };
}

export function file(id: string, name: string, overrides: Partial<SwarmFile> = {}): SwarmFile {
  return { id, name, team: "team-a", created: CREATED, updated: CREATED, labels: {}, ...overrides };
}

export interface SwarmState {
  status?: SwarmStatus;
  services?: Service[];
  stacks?: SwarmStack[];
  tasks?: Task[];
  /** What every service's log answers. */
  logs?: ServiceLogs;
  nodes?: SwarmNode[];
  secrets?: SwarmFile[];
  configs?: SwarmFile[];
}

/** The Swarm routes of environment "local" and the teams; `extra` answers first. */
export function swarmServer(state: SwarmState = {}, extra?: (call: Call) => Response | Promise<Response> | undefined) {
  return (call: Call): Response | Promise<Response> => {
    const answer = extra?.(call);
    if (answer) return answer;
    const url = new URL(call.url, "http://x");
    const path = url.pathname;
    if (call.method === "GET" && path === "/api/v1/teams") return twoTeams();
    if (call.method === "GET" && path === `${BASE}/swarm`) return json(200, state.status ?? MANAGER);
    if (call.method === "GET" && path === `${BASE}/services`) return json(200, { items: state.services ?? [] });
    if (call.method === "GET" && path === `${BASE}/swarm/stacks`) return json(200, { items: state.stacks ?? [] });
    if (call.method === "GET" && path === `${BASE}/swarm/nodes`) return json(200, { items: state.nodes ?? [] });
    if (call.method === "GET" && path === `${BASE}/secrets`) return json(200, { items: state.secrets ?? [] });
    if (call.method === "GET" && path === `${BASE}/configs`) return json(200, { items: state.configs ?? [] });
    const one = /^\/api\/v1\/environments\/local\/services\/([^/]+)(\/tasks|\/logs)?$/.exec(path);
    if (call.method === "GET" && one) {
      const found = (state.services ?? []).find((s) => s.id === decodeURIComponent(one[1]!));
      if (!found) return problem(404, "service_not_found", "There is no such service.");
      if (one[2] === "/logs") return json(200, state.logs ?? { items: [], truncated: false });
      return one[2] ? json(200, { items: state.tasks ?? [] }) : json(200, found);
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

/** The Swarm page as the shell renders it: section, id and tab from the address. */
function RoutedSwarmPage() {
  const route = useRoute();
  const second = route.path.indexOf("/", 1);
  const section = second < 0 ? "" : route.path.slice(second + 1);
  return <SwarmPage section={section} id={route.query.get("id") ?? ""} tab={route.query.get("tab") ?? ""} />;
}

/** Renders the Swarm page at `hash` (such as "#/swarm/services?env=local"). */
export function renderSwarm(hash: string, respond: (call: Call) => Response | Promise<Response>, options: PageOptions = {}) {
  window.history.replaceState(null, "", hash);
  return renderPage(<RoutedSwarmPage />, respond, options);
}
