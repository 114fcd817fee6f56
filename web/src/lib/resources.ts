// Typed calls of the v1 routes for: Images, networks and volumes of an environment (see docs/api/v1.md).
// Engine objects keep Docker's field names (Engine API 1.41); Dokkerr's team is the
// io.dokkerr.team label (or a `Dokkerr.team` key when the server adds one).

import type { ApiClient } from "./api";
import { listTeams, type ListPage, type Team } from "./dokkerr";
import { pullImage, type PullState } from "./pull";

const enc = encodeURIComponent;

/** The label Dokkerr puts on what it creates for a team; user labels under its prefix are refused. */
export const TEAM_LABEL = "io.dokkerr.team";
export const RESERVED_LABEL_PREFIX = "io.dokkerr.";

/** Engine operations that wait on disk or on the engine's locks. */
const ENGINE_TIMEOUT_MS = 60_000;
/** An image tarball may be gigabytes: the upload gets ten minutes. */
export const UPLOAD_TIMEOUT_MS = 600_000;

export interface DokkerrKey {
  environment?: string;
  team?: string;
  [key: string]: unknown;
}

export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: number;
  Size?: number;
  SharedSize?: number;
  VirtualSize?: number;
  /** -1 when the engine did not count them. */
  Containers?: number;
  Labels?: Record<string, string> | null;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: string;
  Architecture?: string;
  Variant?: string;
  Os?: string;
  Size?: number;
  Author?: string;
  Config?: {
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Env?: string[] | null;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
    User?: string;
  } | null;
  [key: string]: unknown;
}

export interface ImageHistoryEntry {
  Id?: string;
  Created?: number;
  CreatedBy?: string;
  Tags?: string[] | null;
  Size?: number;
  Comment?: string;
}

/** One record of an image removal: {"Untagged": ref} or {"Deleted": id}. */
export interface ImageDeleteRecord {
  Untagged?: string;
  Deleted?: string;
}

/** One object of the engine's load stream: {"stream": "Loaded image: …\n"}, or an error. */
export interface ImageLoadMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

export interface IpamConfig {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
}

export interface NetworkEndpoint {
  Name?: string;
  EndpointID?: string;
  MacAddress?: string;
  IPv4Address?: string;
  IPv6Address?: string;
}

export interface NetworkSummary {
  Name: string;
  Id: string;
  Created?: string;
  Driver?: string;
  Scope?: string;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  Containers?: Record<string, NetworkEndpoint> | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  Dokkerr?: DokkerrKey;
}

export interface NetworkCreateBody {
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  IPAM?: { Config: IpamConfig[] };
  Labels: Record<string, string>;
}

export interface Volume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Scope?: string;
  Options?: Record<string, string> | null;
  Status?: Record<string, unknown> | null;
  UsageData?: { Size?: number; RefCount?: number } | null;
  Dokkerr?: DokkerrKey;
}

export interface VolumeCreateBody {
  Name?: string;
  Driver: "local";
  Labels: Record<string, string>;
}

/** How many containers use each image and network, counted from the container list. */
export interface ContainerUsage {
  /** Image id → containers made from it. */
  byImage: Map<string, number>;
  /** Network id → containers attached to it. */
  byNetwork: Map<string, number>;
  /** false when the environment has more containers than were counted. */
  complete: boolean;
}

interface ContainerUse {
  Id: string;
  ImageID?: string;
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string } | null> | null } | null;
}

/** Pages of 1000 containers read for the usage counts. */
const USAGE_PAGES = 5;

export type { Team };

export class ResourcesApi {
  constructor(readonly api: ApiClient) {}

  private base(env: string): string {
    return `/api/v1/environments/${enc(env)}`;
  }

  /** The teams the caller may see (admins: every team), for showing names instead of ids. */
  teams(signal?: AbortSignal): Promise<Team[]> {
    return listTeams(this.api, signal);
  }

  // Images

  async images(env: string, signal?: AbortSignal): Promise<ImageSummary[]> {
    const page = await this.api.get<ListPage<ImageSummary>>(`${this.base(env)}/images`, { signal });
    return page.items ?? [];
  }

  image(env: string, ref: string, signal?: AbortSignal): Promise<ImageInspect> {
    return this.api.get(`${this.base(env)}/images/${enc(ref)}`, { signal });
  }

  async imageHistory(env: string, ref: string, signal?: AbortSignal): Promise<ImageHistoryEntry[]> {
    const page = await this.api.get<ListPage<ImageHistoryEntry>>(`${this.base(env)}/images/${enc(ref)}/history`, { signal });
    return page.items ?? [];
  }

  async tagImage(env: string, ref: string, repo: string, tag: string): Promise<void> {
    await this.api.post(`${this.base(env)}/images/${enc(ref)}/tag`, undefined, { query: { repo, tag } });
  }

  async removeImage(env: string, ref: string, force: boolean): Promise<ImageDeleteRecord[]> {
    const page = await this.api.delete<ListPage<ImageDeleteRecord> | undefined>(`${this.base(env)}/images/${enc(ref)}`, {
      query: { force },
      timeoutMs: ENGINE_TIMEOUT_MS,
    });
    return page?.items ?? [];
  }

  /** Uploads a `docker save` tarball as it is. */
  async loadImages(env: string, file: Blob, signal?: AbortSignal): Promise<ImageLoadMessage[]> {
    const page = await this.api.request<ListPage<ImageLoadMessage> | undefined>("POST", `${this.base(env)}/images/load`, {
      rawBody: file,
      contentType: "application/x-tar",
      timeoutMs: UPLOAD_TIMEOUT_MS,
      signal,
    });
    return page?.items ?? [];
  }

  pull(env: string, reference: string, options: { onState?: (state: PullState) => void; signal?: AbortSignal } = {}): Promise<PullState> {
    return pullImage(this.api, env, reference, options);
  }

  /**
   * Counts containers per image and per network from the container list (only what the caller
   * may read): the engine's image list leaves `Containers` at -1 and its network list carries no
   * endpoints.
   */
  async containerUsage(env: string, signal?: AbortSignal): Promise<ContainerUsage> {
    const byImage = new Map<string, number>();
    const byNetwork = new Map<string, number>();
    const add = (map: Map<string, number>, key: string | undefined) => {
      if (key) map.set(key, (map.get(key) ?? 0) + 1);
    };
    let cursor: string | null = null;
    for (let page = 0; page < USAGE_PAGES; page++) {
      const answer: ListPage<ContainerUse> = await this.api.get(`${this.base(env)}/containers`, {
        signal,
        query: { all: true, limit: 1000, cursor: cursor ?? undefined, fields: "Id,ImageID,NetworkSettings" },
      });
      for (const container of answer.items ?? []) {
        add(byImage, container.ImageID);
        for (const endpoint of Object.values(container.NetworkSettings?.Networks ?? {})) add(byNetwork, endpoint?.NetworkID);
      }
      cursor = answer.next_cursor;
      if (!cursor) return { byImage, byNetwork, complete: true };
    }
    return { byImage, byNetwork, complete: false };
  }

  // Networks

  async networks(env: string, signal?: AbortSignal): Promise<NetworkSummary[]> {
    const page = await this.api.get<ListPage<NetworkSummary>>(`${this.base(env)}/networks`, { signal });
    return page.items ?? [];
  }

  network(env: string, id: string, signal?: AbortSignal): Promise<NetworkSummary> {
    return this.api.get(`${this.base(env)}/networks/${enc(id)}`, { signal });
  }

  createNetwork(env: string, body: NetworkCreateBody, team?: string): Promise<{ Id: string; Warning?: string }> {
    return this.api.post(`${this.base(env)}/networks`, body, { query: { team }, timeoutMs: ENGINE_TIMEOUT_MS });
  }

  async removeNetwork(env: string, id: string): Promise<void> {
    await this.api.delete(`${this.base(env)}/networks/${enc(id)}`, { timeoutMs: ENGINE_TIMEOUT_MS });
  }

  // Volumes

  async volumes(env: string, signal?: AbortSignal): Promise<Volume[]> {
    const page = await this.api.get<ListPage<Volume>>(`${this.base(env)}/volumes`, { signal });
    return page.items ?? [];
  }

  volume(env: string, name: string, signal?: AbortSignal): Promise<Volume> {
    return this.api.get(`${this.base(env)}/volumes/${enc(name)}`, { signal });
  }

  createVolume(env: string, body: VolumeCreateBody, team?: string): Promise<Volume> {
    return this.api.post(`${this.base(env)}/volumes`, body, { query: { team }, timeoutMs: ENGINE_TIMEOUT_MS });
  }

  async removeVolume(env: string, name: string, force: boolean): Promise<void> {
    await this.api.delete(`${this.base(env)}/volumes/${enc(name)}`, { query: { force }, timeoutMs: ENGINE_TIMEOUT_MS });
  }
}

/** The team that owns a network or volume, as an id ("" when none is known). */
export function teamOf(object: { Labels?: Record<string, string> | null; Dokkerr?: DokkerrKey }): string {
  const fromServer = object.Dokkerr?.team;
  if (typeof fromServer === "string" && fromServer) return fromServer;
  const label = object.Labels?.[TEAM_LABEL];
  return typeof label === "string" ? label : "";
}

/** Whether a label key is Dokkerr's own (the server refuses it with 400 reserved_label). */
export function isReservedLabel(key: string): boolean {
  return key.trim().toLowerCase().startsWith(RESERVED_LABEL_PREFIX);
}

export const MAX_LABELS = 64;

/**
 * Parses labels written one `key=value` a line. Returns the labels, or the first problem as a
 * sentence naming the line.
 */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? "" : line.slice(at + 1).trim();
    if (!key) return { error: `Line ${i + 1}: a label needs a key before "=".` };
    if (isReservedLabel(key)) return { error: `Line ${i + 1}: keys starting with "${RESERVED_LABEL_PREFIX}" are reserved for Dokkerr.` };
    if (Object.prototype.hasOwnProperty.call(labels, key)) return { error: `Line ${i + 1}: the key "${key}" is given twice.` };
    count += 1;
    if (count > MAX_LABELS) return { error: `At most ${MAX_LABELS} labels.` };
    labels[key] = value;
  }
  return { labels };
}

function ipv4Bytes(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255 || (part.length > 1 && part.startsWith("0"))) return null;
    bytes.push(n);
  }
  return bytes;
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
  const doubles = text.split("::").length - 1;
  if (doubles > 1) return false;
  // "::" stands for one or more zero groups; any other empty group is malformed.
  let groups = doubles === 1 ? text.split("::").flatMap((part) => (part ? part.split(":") : [])) : text.split(":");
  // An embedded IPv4 tail counts as two groups.
  const last = groups[groups.length - 1];
  if (last && last.includes(".")) {
    if (!ipv4Bytes(last)) return false;
    groups = [...groups.slice(0, -1), "0", "0"];
  }
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return doubles === 1 ? groups.length < 8 : groups.length === 8;
}

/** 4 or 6 for a bare IPv4 or IPv6 address, else null. */
export function ipVersion(text: string): 4 | 6 | null {
  if (ipv4Bytes(text)) return 4;
  if (isIpv6(text)) return 6;
  return null;
}

/** Checks a subnet in CIDR notation ("172.28.0.0/16", "fd00:1::/64"); returns a problem or null. */
export function cidrProblem(text: string): string | null {
  const slash = text.indexOf("/");
  if (slash < 0) return "Write the subnet in CIDR notation, such as 172.28.0.0/16.";
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const version = ipVersion(address);
  if (!version) return "The subnet's address is not an IP address.";
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128)) {
    return `The prefix length must be 0 to ${version === 4 ? 32 : 128}.`;
  }
  return null;
}

/** Whether IPv4 `address` lies in IPv4 `cidr` (both already checked); IPv6 is left to the engine. */
export function inSubnet(address: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split("/");
  const a = ipv4Bytes(address);
  const n = ipv4Bytes(net ?? "");
  if (!a || !n) return true;
  const bits = Number(bitsText);
  const toNumber = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (toNumber(a) & mask) >>> 0 === (toNumber(n) & mask) >>> 0;
}


