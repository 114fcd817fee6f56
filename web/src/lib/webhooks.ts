// Typed calls of the v1 routes for event webhooks (see docs/api/v1.md, "Event webhooks"): a
// team's subscriptions to platform events, each delivered as a signed POST, or a platform one (no
// team, administrators only) that hears every event. They belong to a team, not to an
// environment. And the pure helpers of the webhook pages: the name, URL and event checks, the
// scopes a person may subscribe, what an edit changes and how a delivery's state reads.

import { useMemo } from "react";
import { isApiError, type ApiClient } from "./api";
import type { Team } from "./dokkerr";
import type { Permissions } from "./permissions";
import { useServices } from "./services";

const enc = encodeURIComponent;

/** A subscription. The secret is returned only by a create and a rotation (`CreatedWebhook`). */
export interface Webhook {
  id: string;
  /** The team whose events it hears; null for a platform subscription (every event). */
  team_id: string | null;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_by: string;
  created_at: string;
}

/** The answer to a create or a rotation: the subscription with its secret, shown only here. */
export interface CreatedWebhook extends Webhook {
  /** "whsec_…" */
  secret: string;
}

export type DeliveryState = "pending" | "delivered" | "failed";

/** One delivery of an event to a subscription. */
export interface WebhookDelivery {
  id: string;
  event_id: string;
  event_type: string;
  state: DeliveryState | string;
  attempts: number;
  /** "" when none. */
  last_error: string;
  created_at: string;
  /** null while it is pending. */
  finished_at: string | null;
}

/** POST /api/v1/webhooks: without team_id a platform subscription (administrators only). */
export interface WebhookCreateBody {
  name: string;
  url: string;
  events: string[];
  team_id?: string;
  enabled?: boolean;
}

/** PATCH /api/v1/webhooks/{id}: only what changes. */
export interface WebhookChanges {
  name?: string;
  url?: string;
  events?: string[];
  enabled?: boolean;
}

interface Items<T> {
  items?: T[] | null;
}

/** How many deliveries the log shows (the server keeps finished ones 7 days). */
export const DELIVERY_LOG_LIMIT = 50;

export class WebhooksApi {
  constructor(readonly api: ApiClient) {}

  private static readonly BASE = "/api/v1/webhooks";

  private one(id: string): string {
    return `${WebhooksApi.BASE}/${enc(id)}`;
  }

  /** The subscriptions the caller manages (team:manage in their team; every one for admins). */
  async list(signal?: AbortSignal): Promise<Webhook[]> {
    const page = await this.api.get<Items<Webhook>>(WebhooksApi.BASE, { signal });
    return page.items ?? [];
  }

  /** The event types a subscription may hear. */
  async eventTypes(signal?: AbortSignal): Promise<string[]> {
    const page = await this.api.get<Items<string>>(`${WebhooksApi.BASE}/events`, { signal });
    return page.items ?? [];
  }

  /** One subscription; undefined when there is none the caller manages (404 webhook_not_found). */
  async find(id: string, signal?: AbortSignal): Promise<Webhook | undefined> {
    try {
      return await this.api.get<Webhook>(this.one(id), { signal });
    } catch (error) {
      if (isApiError(error) && error.code === "webhook_not_found") return undefined;
      throw error;
    }
  }

  /** 201 with the secret, shown only in this answer. */
  create(body: WebhookCreateBody): Promise<CreatedWebhook> {
    return this.api.post(WebhooksApi.BASE, body);
  }

  update(id: string, changes: WebhookChanges): Promise<Webhook> {
    return this.api.patch(this.one(id), changes);
  }

  /** A new secret replaces the old at once; the answer holds it, shown only there. */
  rotateSecret(id: string): Promise<CreatedWebhook> {
    return this.api.patch(this.one(id), { rotate_secret: true });
  }

  /** Deletes it with its queued deliveries. */
  async remove(id: string): Promise<void> {
    await this.api.delete(this.one(id));
  }

  /** Newest first. */
  async deliveries(id: string, limit = DELIVERY_LOG_LIMIT, signal?: AbortSignal): Promise<WebhookDelivery[]> {
    const page = await this.api.get<Items<WebhookDelivery>>(`${this.one(id)}/deliveries`, { query: { limit }, signal });
    return page.items ?? [];
  }

  /** Queues a webhook.test event to this subscription (202): the queued delivery. */
  test(id: string): Promise<WebhookDelivery> {
    return this.api.post(`${this.one(id)}/test`);
  }
}

/** The webhook routes on the app's API client (made once per client). */
export function useWebhooksApi(): WebhooksApi {
  const { api } = useServices();
  return useMemo(() => new WebhooksApi(api), [api]);
}

// Names, URLs and events

export const MAX_WEBHOOK_NAME = 100;
export const MAX_WEBHOOK_URL = 2048;
export const MAX_WEBHOOK_EVENTS = 50;

/** The server counts bytes (UTF-8), not characters. */
function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Control characters, which the server refuses in names. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The problem with a subscription's name, or null: 1 to 100 bytes, no control characters. */
export function webhookNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Give the webhook a name.";
  if (byteLength(trimmed) > MAX_WEBHOOK_NAME) return `A webhook name is at most ${MAX_WEBHOOK_NAME} bytes (fewer characters when they are not ASCII).`;
  if (CONTROL.test(trimmed)) return "A webhook name has no control characters.";
  return null;
}

/**
 * The problem with a target URL, or null: what the server takes (http or https with a host, no
 * user information or fragment, at most 2048 characters). Whether its addresses may be reached is
 * the server's to say (webhook_url_forbidden).
 */
export function webhookUrlProblem(url: string): string | null {
  const text = url.trim();
  if (!text) return "Give the URL the events are posted to.";
  if (text.length > MAX_WEBHOOK_URL) return `A webhook URL is at most ${MAX_WEBHOOK_URL} characters.`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return "Not a URL: write it in full, such as https://hooks.example.com/dokkerr.";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "The URL starts with https:// (or http://).";
  if (!parsed.hostname) return "The URL needs a host, such as https://hooks.example.com/dokkerr.";
  if (parsed.username || parsed.password || /^[a-z]+:\/\/[^/?#]*@/i.test(text)) return "Leave out the user information (user:password@): sign the receiver's side with the secret instead.";
  if (text.includes("#")) return "Leave out the fragment (#…): it is never sent.";
  return null;
}

/** The problem with the events chosen, or null: 1 to 50. */
export function eventsProblem(events: readonly string[]): string | null {
  if (events.length === 0) return "Choose at least one event.";
  if (events.length > MAX_WEBHOOK_EVENTS) return `At most ${MAX_WEBHOOK_EVENTS} events.`;
  return null;
}

/** Whether the server's problem is about the URL (shown at the URL field). */
export function isUrlProblem(error: unknown): boolean {
  return isApiError(error) && (error.code.startsWith("webhook_url") || error.code === "webhook_unreachable");
}

/** What each event type means, for the checkboxes. */
const EVENT_HINTS: Record<string, string> = {
  "container.started": "A container started.",
  "container.died": "A container stopped or died (with its exit code).",
  "stack.deployed": "A stack was deployed or redeployed.",
  "stack.deploy_failed": "A stack's deploy failed.",
  "image.update_available": "A newer image is available (once per new digest).",
  "stack.auto_updated": "A stack was updated to newer images on its own.",
  "alert.fired": "An alert fired.",
  "alert.resolved": "An alert resolved.",
  "backup.finished": "A scheduled backup finished.",
  "backup.failed": "A scheduled backup failed.",
  "webhook.test": "A test event sent with “Send test event”.",
};

export function eventHint(type: string): string {
  return EVENT_HINTS[type] ?? "";
}

/** `events` in the order the server lists them (`known`), unknown ones last by name; each once. */
export function orderedEvents(events: readonly string[], known: readonly string[]): string[] {
  const position = new Map(known.map((type, i) => [type, i]));
  return [...new Set(events)].sort((a, b) => {
    const pa = position.get(a) ?? Number.MAX_SAFE_INTEGER;
    const pb = position.get(b) ?? Number.MAX_SAFE_INTEGER;
    return pa !== pb ? pa - pb : a.localeCompare(b);
  });
}

/** Adds `type` to the events chosen, or takes it away. */
export function toggleEvent(events: readonly string[], type: string, on: boolean): string[] {
  const rest = events.filter((e) => e !== type);
  return on ? [...rest, type] : rest;
}

// Scopes

/** The select's value for a platform subscription (no team). */
export const PLATFORM_SCOPE = "platform";

/** Where a new subscription may go: the platform (every event) or one team. */
export interface ScopeOption {
  /** "platform" or "team:ID". */
  value: string;
  kind: "platform" | "team";
  label: string;
}

/**
 * The scopes the caller may subscribe: administrators the platform and every team; others the
 * teams where they hold team:manage. Platform first, then teams by name.
 */
export function scopeOptions(permissions: Permissions | undefined, teams: readonly Team[]): ScopeOption[] {
  if (!permissions) return [];
  const name = new Map(teams.map((team) => [team.id, team.name]));
  const ids = new Set<string>(permissions.is_admin ? teams.map((team) => team.id) : []);
  for (const [id, list] of Object.entries(permissions.teams)) {
    if (list.includes("team:manage")) ids.add(id);
  }
  const teamOptions: ScopeOption[] = [...ids]
    .map((id) => ({ value: `team:${id}`, kind: "team" as const, label: name.get(id) ?? id }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const platform: ScopeOption[] = permissions.is_admin ? [{ value: PLATFORM_SCOPE, kind: "platform", label: "Platform (every event)" }] : [];
  return [...platform, ...teamOptions];
}

/** The part of a create body that names the scope chosen: {} for the platform; null for no choice. */
export function scopeBody(value: string): { team_id?: string } | null {
  if (value === PLATFORM_SCOPE) return {};
  if (!value.startsWith("team:")) return null;
  const id = value.slice("team:".length);
  return id ? { team_id: id } : null;
}

/** Whether the caller may subscribe anywhere (and so sees New webhook). */
export function mayCreateWebhook(permissions: Permissions | undefined): boolean {
  if (!permissions) return false;
  return permissions.is_admin || Object.values(permissions.teams).some((list) => list.includes("team:manage"));
}

/** Whether the caller may change `webhook`: administrators; team:manage in its team. */
export function mayManageWebhook(permissions: Permissions | undefined, webhook: Pick<Webhook, "team_id">): boolean {
  if (!permissions) return false;
  if (permissions.is_admin) return true;
  return !!webhook.team_id && (permissions.teams[webhook.team_id] ?? []).includes("team:manage");
}

/** Who the subscription hears, in words: "Platform" or the team's name. */
export function scopeText(webhook: Pick<Webhook, "team_id">, teamName: (id: string) => string): string {
  return webhook.team_id ? teamName(webhook.team_id) : "Platform";
}

// Edits

/** What the edit form holds. */
export interface WebhookEdit {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

export function editOf(webhook: Webhook): WebhookEdit {
  return { name: webhook.name, url: webhook.url, events: [...webhook.events], enabled: webhook.enabled };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** The PATCH body for an edit: only what differs from `webhook`; null when nothing does. */
export function webhookChanges(webhook: Webhook, edit: WebhookEdit): WebhookChanges | null {
  const changes: WebhookChanges = {};
  const name = edit.name.trim();
  const url = edit.url.trim();
  if (name !== webhook.name) changes.name = name;
  if (url !== webhook.url) changes.url = url;
  if (!sameSet(edit.events, webhook.events)) changes.events = [...new Set(edit.events)];
  if (edit.enabled !== webhook.enabled) changes.enabled = edit.enabled;
  return Object.keys(changes).length > 0 ? changes : null;
}

// Deliveries

/** The class of a delivery's state badge (the badge says the state in words too). */
export function deliveryStateClass(state: string): string {
  return state === "delivered" || state === "failed" || state === "pending" ? `delivery-state delivery-${state}` : "delivery-state";
}

/** How a receiver checks a delivery, in Node.js: the example the secret panel shows. */
export function verificationExample(): string {
  return [
    'const crypto = require("node:crypto");',
    "// timestamp: the X-Dokkerr-Timestamp header; signature: X-Dokkerr-Signature; body: the raw request body",
    'const expected = "sha256=" + crypto.createHmac("sha256", secret).update(timestamp + "." + body).digest("hex");',
    "const ok = signature.length === expected.length",
    "  && crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))",
    "  && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300; // refuse old timestamps",
  ].join("\n");
}
