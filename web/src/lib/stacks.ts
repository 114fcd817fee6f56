// Typed calls of the v1 routes for: Compose stacks of an environment (inline or read from Git) and their redeploy
// webhooks (see docs/api/v1.md), and the pure helpers of the stack pages: a line diff of two compose files ("review
// before deploy"), the KEY=value variables editor, the service names of a compose file, and a Git location's checks.

import { isApiError, type ApiClient } from "./api";

const enc = encodeURIComponent;

/**
 * A deploy waits for images, health checks and one-shot jobs before it answers: far longer than
 * the client's default bound. The server ends its own waits (408 stack_dependency_timeout) first.
 */
export const STACK_TIMEOUT_MS = 600_000;

export type StackStatus = "deploying" | "running" | "stopped" | "failed";

/** Where a Git stack's Compose file is, as the server shows it: `commit` is the full hash deployed. */
export interface StackGit {
  url: string;
  ref: string;
  path: string;
  commit: string;
}

/** Where to read a Compose file from, as sent: the server takes "main" and "docker-compose.yml" for what is left out. */
export interface GitLocation {
  url: string;
  ref?: string;
  path?: string;
}

/** A stack as listed. Variables and env files are named only: the server never returns their values. */
export interface Stack {
  id: string;
  name: string;
  environment: string;
  team_id: string;
  /** The file deployed now: written inline, or as read from Git at `git.commit`. */
  compose: string;
  /** Where the file is read from; null for a stack whose file is inline. */
  git: StackGit | null;
  variables: string[];
  env_files: string[];
  version: number;
  status: StackStatus | string;
  error: string;
  /** Whether the image update check redeploys the stack when one of its images has a newer digest. */
  auto_update: boolean;
  /** The image references the services pull, as the file names them (not those with pull_policy: never). */
  images: string[];
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface StackContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  state: string;
  config_hash: string;
}

/** A stack with its containers: what GET stacks/{name} and every change answer. */
export interface StackView extends Stack {
  containers: StackContainer[];
}

/** One earlier or current version; the values of its variables and env files are null. */
export interface StackVersion {
  version: number;
  compose: string;
  variables: Record<string, null>;
  env_files: Record<string, null>;
  created_by: string;
  created_at: string;
}

export interface StackLogLine {
  service: string;
  container: string;
  time: string;
  stream: string;
  line: string;
}

/** A stack view after a sync from Git: whether a new commit was deployed. */
export interface StackSyncResult extends StackView {
  changed: boolean;
}

/**
 * Where a deploy takes the file from: inline (`git: null` with it moves a Git stack to an inline
 * file), or from a Git location (exactly one of the two).
 */
export type StackFileSource = { compose: string; git?: null } | { git: GitLocation; compose?: undefined };

/** What a deploy sends: the file, and values the server keeps but never shows again. */
export type StackSource = StackFileSource & {
  variables?: Record<string, string>;
  env_files?: Record<string, string>;
};

export type StackCreateBody = StackSource & {
  name: string;
  team?: string;
};

/** A stack's redeploy webhook as anyone who may see the stack sees it: never its token. */
export interface StackHook {
  created_by: string;
  created_at: string;
  /** null until the URL is first called. */
  last_used_at: string | null;
}

/** A webhook just issued: the only answer that carries its token and URL (a path on this server). */
export interface IssuedStackHook extends StackHook {
  token: string;
  url: string;
}

interface Items<T> {
  items?: T[] | null;
}

export class StacksApi {
  constructor(readonly api: ApiClient) {}

  private base(env: string): string {
    return `/api/v1/environments/${enc(env)}/stacks`;
  }

  private one(env: string, name: string): string {
    return `${this.base(env)}/${enc(name)}`;
  }

  async list(env: string, signal?: AbortSignal): Promise<Stack[]> {
    const page = await this.api.get<Items<Stack>>(this.base(env), { signal });
    return page.items ?? [];
  }

  get(env: string, name: string, signal?: AbortSignal): Promise<StackView> {
    return this.api.get(this.one(env, name), { signal });
  }

  create(env: string, body: StackCreateBody): Promise<StackView> {
    return this.api.post(this.base(env), body, { timeoutMs: STACK_TIMEOUT_MS });
  }

  /** Deploys a new version when anything changed; the same version otherwise. */
  update(env: string, name: string, source: StackSource): Promise<StackView> {
    return this.api.request("PUT", this.one(env, name), { body: source, timeoutMs: STACK_TIMEOUT_MS });
  }

  /** Newest first. */
  async history(env: string, name: string, signal?: AbortSignal): Promise<StackVersion[]> {
    const page = await this.api.get<Items<StackVersion>>(`${this.one(env, name)}/history`, { signal });
    return page.items ?? [];
  }

  /** Deploys an earlier version's file and values again, as a new version. */
  rollback(env: string, name: string, version: number): Promise<StackView> {
    return this.api.post(`${this.one(env, name)}/rollback`, { version }, { timeoutMs: STACK_TIMEOUT_MS });
  }

  stop(env: string, name: string): Promise<StackView> {
    return this.api.post(`${this.one(env, name)}/stop`, undefined, { timeoutMs: STACK_TIMEOUT_MS });
  }

  start(env: string, name: string): Promise<StackView> {
    return this.api.post(`${this.one(env, name)}/start`, undefined, { timeoutMs: STACK_TIMEOUT_MS });
  }

  /**
   * A Git stack: deploys the commit its ref names now as a new version when it is not the one
   * deployed (`changed`); 400 stack_not_from_git for an inline stack.
   */
  syncGit(env: string, name: string): Promise<StackSyncResult> {
    return this.api.post(`${this.one(env, name)}/git-sync`, undefined, { timeoutMs: STACK_TIMEOUT_MS });
  }

  /**
   * Pulls every service's image again and recreates only the containers whose image the pull
   * changed ("docker compose pull && up -d"); the version stays. A refused pull changes nothing
   * (502 image_pull_failed).
   */
  redeploy(env: string, name: string): Promise<StackView> {
    return this.api.post(`${this.one(env, name)}/redeploy`, undefined, { timeoutMs: STACK_TIMEOUT_MS });
  }

  /**
   * Opts the stack in to (or out of) being redeployed, as redeploy() does, when the image update
   * check finds a newer digest for one of its images. Answers the stack.
   */
  setAutoUpdate(env: string, name: string, enabled: boolean): Promise<StackView> {
    return this.api.request("PUT", `${this.one(env, name)}/auto-update`, { body: { enabled } });
  }

  /** The stack's redeploy webhook, or null when it has none (404 hook_not_found); other failures throw. */
  async hook(env: string, name: string, signal?: AbortSignal): Promise<StackHook | null> {
    try {
      return await this.api.get<StackHook>(`${this.one(env, name)}/hook`, { signal });
    } catch (error) {
      if (isApiError(error) && error.status === 404 && error.code === "hook_not_found") return null;
      throw error;
    }
  }

  /** Issues the stack's webhook, replacing the one it had (whose URL stops working at once). */
  issueHook(env: string, name: string): Promise<IssuedStackHook> {
    return this.api.request("PUT", `${this.one(env, name)}/hook`);
  }

  /** Revokes the stack's webhook: its URL stops working. 404 hook_not_found when it has none. */
  async revokeHook(env: string, name: string): Promise<void> {
    await this.api.delete(`${this.one(env, name)}/hook`);
  }

  /** Every service's lines merged in time order, or one service's. */
  async logs(env: string, name: string, options: { tail?: number; service?: string; signal?: AbortSignal } = {}): Promise<StackLogLine[]> {
    const page = await this.api.get<Items<StackLogLine>>(`${this.one(env, name)}/logs`, {
      query: { tail: options.tail, service: options.service || undefined },
      signal: options.signal,
    });
    return page.items ?? [];
  }

  /** Removes the containers and networks; the named volumes too with `volumes`. */
  async remove(env: string, name: string, options: { volumes: boolean }): Promise<void> {
    await this.api.delete(this.one(env, name), { query: { volumes: options.volumes }, timeoutMs: STACK_TIMEOUT_MS });
  }
}

// Webhooks

/** The full address of a webhook's URL (a path the server answered) on the server at `origin`. */
export function hookAddress(origin: string, url: string): string {
  return `${origin.replace(/\/+$/, "")}${url.startsWith("/") ? url : `/${url}`}`;
}

/** A shell command that calls a webhook, as a CI job would; an address with shell characters is quoted. */
export function hookCurlCommand(address: string): string {
  const word = /^[A-Za-z0-9_.:/@%+=,~-]+$/.test(address) ? address : `'${address.replace(/'/g, "'\\''")}'`;
  return `curl -X POST ${word}`;
}

// Names

/** What the server takes as a stack name (it is also the Compose project name). */
export const STACK_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The problem with a stack name, or null. */
export function stackNameProblem(name: string): string | null {
  if (!name) return "Give the stack a name.";
  if (!STACK_NAME_PATTERN.test(name)) return "A stack name is 1-63 of a-z, 0-9, _ and -, starting with a letter or digit.";
  return null;
}

// Git locations

export const DEFAULT_GIT_REF = "main";
export const DEFAULT_GIT_PATH = "docker-compose.yml";

/** The fields of a Git location as typed. */
export interface GitLocationFields {
  url: string;
  ref: string;
  path: string;
}

export type GitField = keyof GitLocationFields;

/** A commit as people write it: its first 12 hex digits. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

/** The location to send: trimmed, an empty ref or path left out (the server's default). */
export function gitLocation(fields: GitLocationFields): GitLocation {
  const url = fields.url.trim();
  const ref = fields.ref.trim();
  const path = fields.path.trim();
  return { url, ...(ref ? { ref } : {}), ...(path ? { path } : {}) };
}

/** What the fields start with: a stack's location, or the server's defaults. */
export function gitFields(git?: StackGit | null): GitLocationFields {
  return git ? { url: git.url, ref: git.ref, path: git.path } : { url: "", ref: DEFAULT_GIT_REF, path: DEFAULT_GIT_PATH };
}

const GIT_REF_PATTERN = /^[A-Za-z0-9._/-]{1,200}$/;

/**
 * The problems the page can tell before asking the server (which checks again, and alone knows
 * whether a host is allowed): a URL is https:// (file:// for platform admins), a ref 1-200 of
 * A-Z a-z 0-9 . _ / - (not starting with -, without ".."), a path relative without "..".
 */
export function gitLocationProblems(fields: GitLocationFields): Partial<Record<GitField, string>> {
  const problems: Partial<Record<GitField, string>> = {};
  const url = fields.url.trim();
  const ref = fields.ref.trim();
  const path = fields.path.trim();
  if (!url) problems.url = "Give the repository's URL.";
  else if (!/^(https|file):\/\/\S+$/i.test(url)) problems.url = "An https:// URL (file:// only for platform admins).";
  if (ref && (!GIT_REF_PATTERN.test(ref) || ref.startsWith("-") || ref.includes(".."))) {
    problems.ref = "A branch or tag: 1-200 of A-Z, a-z, 0-9, ., _, / and -.";
  }
  if (path && (path.startsWith("/") || path.split("/").includes(".."))) {
    problems.path = "The file's path in the repository: relative, without '..'.";
  }
  return problems;
}

/**
 * The field a problem the server sent about a Git location belongs at: git_url_forbidden at the
 * URL, git_ref_not_found at the ref, git_file_not_found at the path, and invalid_git_source at the
 * field its detail names (git.url, git.ref, git.path); null for anything else.
 */
export function gitProblemField(error: unknown): GitField | null {
  if (!isApiError(error)) return null;
  switch (error.code) {
    case "git_url_forbidden":
      return "url";
    case "git_ref_not_found":
      return "ref";
    case "git_file_not_found":
      return "path";
    case "invalid_git_source": {
      const named = /^git\.(url|ref|path)\b/.exec(error.detail);
      return named ? (named[1] as GitField) : null;
    }
    default:
      return null;
  }
}

// The line diff

export type DiffKind = "same" | "removed" | "added";

export interface DiffLine {
  kind: DiffKind;
  text: string;
  /** The line's number in the old file ("same" and "removed") or in the new one ("added"). */
  number: number;
}

/** Above this many cells the middle of the diff is shown as all removed, then all added. */
const MAX_DIFF_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The lines of `after` against `before`: kept, removed and added lines in file order (removed
 * lines before the lines added in their place), from a longest common subsequence. The common
 * head and tail are matched first, so an edit in a long file stays cheap.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: "same", text: a[i]!, number: i + 1 });

  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_DIFF_CELLS) {
    midA.forEach((text, i) => out.push({ kind: "removed", text, number: head + i + 1 }));
    midB.forEach((text, j) => out.push({ kind: "added", text, number: head + j + 1 }));
  } else {
    // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..], in one flat array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        out.push({ kind: "same", text: midA[i]!, number: head + i + 1 });
        i++;
        j++;
      } else if (i < n && (j >= m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        out.push({ kind: "removed", text: midA[i]!, number: head + i + 1 });
        i++;
      } else {
        out.push({ kind: "added", text: midB[j]!, number: head + j + 1 });
        j++;
      }
    }
  }

  for (let k = a.length - tail; k < a.length; k++) out.push({ kind: "same", text: a[k]!, number: k + 1 });
  return out;
}

/** How many lines a diff removes and adds. */
export function diffCounts(diff: DiffLine[]): { removed: number; added: number } {
  let removed = 0;
  let added = 0;
  for (const line of diff) {
    if (line.kind === "removed") removed++;
    else if (line.kind === "added") added++;
  }
  return { removed, added };
}

// Variables

/** A variable name as Compose interpolates it (${NAME}). */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_VARIABLES = 1000;

/**
 * Parses variables written one `NAME=value` a line; blank lines and lines starting with # are
 * skipped. The value is everything after the first "=", as typed (spaces included: a password
 * may hold them). Returns the variables, or the first problem as a sentence naming the line.
 */
export function parseVariables(text: string): { variables: Record<string, string> } | { error: string } {
  const variables: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at < 0) return { error: `Line ${i + 1}: write NAME=value.` };
    const name = line.slice(0, at).trim();
    if (!VARIABLE_NAME_PATTERN.test(name)) {
      return { error: `Line ${i + 1}: "${name}" is not a variable name (letters, digits and _, not starting with a digit).` };
    }
    if (Object.prototype.hasOwnProperty.call(variables, name)) return { error: `Line ${i + 1}: the variable ${name} is given twice.` };
    count += 1;
    if (count > MAX_VARIABLES) return { error: `At most ${MAX_VARIABLES} variables.` };
    variables[name] = line.slice(at + 1);
  }
  return { variables };
}

/** The editor's starting text for a deployed stack: its variable names, values left to fill in. */
export function variablesTemplate(names: readonly string[]): string {
  return names.map((name) => `${name}=`).join("\n");
}

// Services

/**
 * The service names of a compose file, read from the keys under the top-level `services:` in
 * block style; null when the file writes them some other way (flow style, anchors) and only the
 * server's parser can tell. For showing a count in lists, never for deciding anything.
 */
export function composeServiceNames(compose: string): string[] | null {
  const lines = compose.split(/\r?\n/);
  const start = lines.findIndex((line) => /^services\s*:\s*(#.*)?$/.test(line));
  if (start < 0) return null;
  const names: string[] = [];
  let indent = -1;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const own = line.length - line.trimStart().length;
    if (own === 0) break;
    if (indent < 0) indent = own;
    if (own !== indent) continue;
    const key = /^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9._-]+))\s*:(\s|$)/.exec(line);
    if (!key) return null;
    names.push(key[1] ?? key[2] ?? key[3]!);
  }
  return names;
}
