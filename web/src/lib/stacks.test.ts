import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "./api";
import {
  composeServiceNames,
  diffCounts,
  diffLines,
  gitFields,
  gitLocation,
  gitLocationProblems,
  gitProblemField,
  hookAddress,
  hookCurlCommand,
  parseVariables,
  shortCommit,
  stackNameProblem,
  StacksApi,
  variablesTemplate,
  type DiffLine,
} from "./stacks";
import { TokenStore } from "./tokens";
import { fakeFetch, json, noContent, problem } from "../test/fakeFetch";

const marks = (diff: DiffLine[]) => diff.map((l) => `${l.kind === "same" ? " " : l.kind === "added" ? "+" : "-"}${l.text}`);

describe("diffLines", () => {
  it("marks nothing when the files are equal, whatever the final newline", () => {
    expect(marks(diffLines("a\nb\n", "a\nb"))).toEqual([" a", " b"]);
    expect(diffLines("", "")).toEqual([]);
  });

  it("shows an added line in place, numbered in the new file", () => {
    const diff = diffLines("services:\n  web:\n    image: x\n", "services:\n  web:\n    image: x\n    environment:\n      COLOR: blue\n");
    expect(marks(diff)).toEqual([" services:", "   web:", "     image: x", "+    environment:", "+      COLOR: blue"]);
    expect(diff[4]).toEqual({ kind: "added", text: "      COLOR: blue", number: 5 });
    expect(diffCounts(diff)).toEqual({ removed: 0, added: 2 });
  });

  it("shows a changed line as removed then added, keeping the lines around it", () => {
    const diff = diffLines("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");
    expect(marks(diff)).toEqual([" a", "-b", "+B", " c", " d", "+e"]);
    expect(diffCounts(diff)).toEqual({ removed: 1, added: 2 });
  });

  it("finds the common lines inside a reordered middle", () => {
    expect(marks(diffLines("x\na\nb\nc\ny", "x\nb\nc\na\ny"))).toEqual([" x", "-a", " b", " c", "+a", " y"]);
  });

  it("handles a file made empty and an empty file filled, and CRLF line ends", () => {
    expect(marks(diffLines("a\nb", ""))).toEqual(["-a", "-b"]);
    expect(marks(diffLines("", "a"))).toEqual(["+a"]);
    expect(marks(diffLines("a\r\nb\r\n", "a\nb\n"))).toEqual([" a", " b"]);
  });

  it("stays cheap on long files: a large rewritten middle is shown whole", () => {
    const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join("\n");
    const diff = diffLines(`head\n${before}\ntail`, `head\n${after}\ntail`);
    expect(diff).toHaveLength(6002);
    expect(diffCounts(diff)).toEqual({ removed: 3000, added: 3000 });
    expect(diff[0]!.kind).toBe("same");
    expect(diff[6001]).toEqual({ kind: "same", text: "tail", number: 3002 });
  });
});

describe("parseVariables", () => {
  it("reads NAME=value lines, skipping blanks and comments, keeping the value as typed", () => {
    expect(parseVariables("A=1\n\n# a comment\n B = two words \nEMPTY=\nURL=postgres://u:p@h/db?x=1")).toEqual({
      variables: { A: "1", B: " two words ", EMPTY: "", URL: "postgres://u:p@h/db?x=1" },
    });
    expect(parseVariables("")).toEqual({ variables: {} });
  });

  it("names the line of a problem", () => {
    expect(parseVariables("A=1\nnot a pair")).toEqual({ error: "Line 2: write NAME=value." });
    expect(parseVariables("1A=x")).toEqual({ error: 'Line 1: "1A" is not a variable name (letters, digits and _, not starting with a digit).' });
    expect(parseVariables("=x")).toHaveProperty("error");
    expect(parseVariables("A=1\nA=2")).toEqual({ error: "Line 2: the variable A is given twice." });
  });

  it("starts an edit with the names and no values", () => {
    expect(variablesTemplate(["DB_PASSWORD", "GREETING"])).toBe("DB_PASSWORD=\nGREETING=");
    expect(variablesTemplate([])).toBe("");
  });
});

describe("composeServiceNames", () => {
  it("reads the keys under services in block style", () => {
    const compose = "# top\nservices:\n  db:\n    image: postgres\n    environment:\n      A: b\n\n  \"web\":\n    image: nginx\nvolumes:\n  data:\n";
    expect(composeServiceNames(compose)).toEqual(["db", "web"]);
  });

  it("answers null when it cannot tell", () => {
    expect(composeServiceNames("services: {web: {image: x}}")).toBeNull();
    expect(composeServiceNames("version: '3'\n")).toBeNull();
    expect(composeServiceNames("services:\n  <<: *defaults\n")).toBeNull();
  });
});

describe("stackNameProblem", () => {
  it("takes what the server takes", () => {
    expect(stackNameProblem("shop-1_a")).toBeNull();
    expect(stackNameProblem("")).toBe("Give the stack a name.");
    expect(stackNameProblem("Shop")).toMatch(/a-z/);
    expect(stackNameProblem("../etc")).toMatch(/a-z/);
    expect(stackNameProblem("-x")).toMatch(/a-z/);
    expect(stackNameProblem("a".repeat(64))).toMatch(/1-63/);
  });
});

describe("StacksApi", () => {
  function client(respond: Parameters<typeof fakeFetch>[0]) {
    const fake = fakeFetch(respond);
    const tokens = new TokenStore();
    tokens.set({ access_token: "t", refresh_token: "r", token_type: "Bearer", expires_in: 900 });
    return { stacks: new StacksApi(new ApiClient({ tokens, fetch: fake.fetch })), calls: fake.calls };
  }

  it("sends each route to its address with its body", async () => {
    const view = { name: "shop", version: 2, containers: [] };
    const { stacks, calls } = client((call) => (call.method === "DELETE" ? noContent() : json(200, call.url.endsWith("/history") || call.url.includes("/logs") ? { items: [] } : view)));
    await stacks.update("local", "shop", { compose: "services: {}", variables: { A: "1" } });
    await stacks.rollback("local", "shop", 1);
    await stacks.logs("local", "shop", { tail: 100, service: "web" });
    await stacks.logs("local", "shop", { tail: 50, service: "" });
    await stacks.remove("local", "shop", { volumes: true });
    await stacks.remove("local", "sh op", { volumes: false });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "PUT /api/v1/environments/local/stacks/shop",
      "POST /api/v1/environments/local/stacks/shop/rollback",
      "GET /api/v1/environments/local/stacks/shop/logs?tail=100&service=web",
      "GET /api/v1/environments/local/stacks/shop/logs?tail=50",
      "DELETE /api/v1/environments/local/stacks/shop?volumes=1",
      "DELETE /api/v1/environments/local/stacks/sh%20op",
    ]);
    expect(calls[0]!.body).toEqual({ compose: "services: {}", variables: { A: "1" } });
    expect(calls[1]!.body).toEqual({ version: 1 });
  });

  it("creates from a Git location, moves a stack to another or back to an inline file, and syncs it", async () => {
    const git = { url: "https://git.example/shop.git", ref: "main", path: "deploy/compose.yml", commit: "a".repeat(40) };
    const view = { name: "shop", version: 2, status: "running", git, containers: [] };
    const { stacks, calls } = client((call) => (call.url.endsWith("/git-sync") ? json(200, { ...view, changed: true }) : json(call.method === "POST" ? 201 : 200, view)));
    await stacks.create("local", { name: "shop", git: { url: git.url, path: git.path }, variables: { A: "1" } });
    await stacks.update("local", "shop", { git: { url: git.url, ref: "v2", path: git.path } });
    await stacks.update("local", "shop", { compose: "services: {}", git: null });
    expect(await stacks.syncGit("local", "sh op")).toEqual({ ...view, changed: true });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "POST /api/v1/environments/local/stacks",
      "PUT /api/v1/environments/local/stacks/shop",
      "PUT /api/v1/environments/local/stacks/shop",
      "POST /api/v1/environments/local/stacks/sh%20op/git-sync",
    ]);
    expect(calls.map((c) => c.body)).toEqual([
      { name: "shop", git: { url: git.url, path: git.path }, variables: { A: "1" } },
      { git: { url: git.url, ref: "v2", path: git.path } },
      { compose: "services: {}", git: null },
      undefined,
    ]);
  });

  it("passes on a refused sync as the server's problem", async () => {
    const { stacks } = client(() => problem(400, "stack_not_from_git", "The stack's file is not read from Git."));
    await expect(stacks.syncGit("local", "shop")).rejects.toMatchObject({ status: 400, code: "stack_not_from_git" });
  });

  it("pulls and redeploys, answering the stack", async () => {
    const view = { name: "shop", version: 2, status: "running", containers: [] };
    const { stacks, calls } = client(() => json(200, view));
    expect(await stacks.redeploy("local", "sh op")).toEqual(view);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(["POST /api/v1/environments/local/stacks/sh%20op/redeploy"]);
    expect(calls[0]!.body).toBeUndefined();
  });

  it("passes on a refused pull as the server's problem", async () => {
    const { stacks } = client(() => problem(502, "image_pull_failed", "pull access denied for registry.example/app"));
    const failure = await stacks.redeploy("local", "shop").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 502, code: "image_pull_failed", detail: "pull access denied for registry.example/app" });
  });

  it("opts a stack in to and out of automatic redeploys, answering the stack", async () => {
    const view = { name: "shop", version: 2, status: "running", auto_update: true, images: ["nginx"], containers: [] };
    const { stacks, calls } = client(() => json(200, view));
    expect(await stacks.setAutoUpdate("local", "sh op", true)).toEqual(view);
    await stacks.setAutoUpdate("local", "shop", false);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "PUT /api/v1/environments/local/stacks/sh%20op/auto-update",
      "PUT /api/v1/environments/local/stacks/shop/auto-update",
    ]);
    expect(calls.map((c) => c.body)).toEqual([{ enabled: true }, { enabled: false }]);
  });

  it("reads, issues and revokes the webhook", async () => {
    const hook = { created_by: "alice", created_at: "2025-01-02T03:04:05Z", last_used_at: null };
    const issued = { ...hook, token: `dkh_${"a".repeat(64)}`, url: `/api/v1/hooks/stacks/dkh_${"a".repeat(64)}` };
    const { stacks, calls } = client((call) => (call.method === "DELETE" ? noContent() : call.method === "PUT" ? json(201, issued) : json(200, hook)));
    expect(await stacks.hook("local", "shop")).toEqual(hook);
    expect(await stacks.issueHook("local", "shop")).toEqual(issued);
    await stacks.revokeHook("local", "shop");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET /api/v1/environments/local/stacks/shop/hook",
      "PUT /api/v1/environments/local/stacks/shop/hook",
      "DELETE /api/v1/environments/local/stacks/shop/hook",
    ]);
    expect(calls[1]!.body).toBeUndefined();
  });

  it("answers null for a stack without a webhook, and throws other failures", async () => {
    const { stacks } = client((call) =>
      call.url.includes("/shop/") ? problem(404, "hook_not_found", "The stack has no webhook.") : problem(404, "stack_not_found", "No such stack."),
    );
    expect(await stacks.hook("local", "shop")).toBeNull();
    await expect(stacks.hook("local", "gone")).rejects.toMatchObject({ status: 404, code: "stack_not_found" });
    await expect(stacks.revokeHook("local", "shop")).rejects.toMatchObject({ status: 404, code: "hook_not_found" });
  });
});

describe("webhook addresses", () => {
  it("puts the server's path on this origin", () => {
    expect(hookAddress("https://dokkerr.example", "/api/v1/hooks/stacks/dkh_1")).toBe("https://dokkerr.example/api/v1/hooks/stacks/dkh_1");
    expect(hookAddress("http://127.0.0.1:8080/", "api/v1/hooks/stacks/dkh_1")).toBe("http://127.0.0.1:8080/api/v1/hooks/stacks/dkh_1");
  });

  it("writes a curl command, quoting only what the shell would read", () => {
    expect(hookCurlCommand("https://dokkerr.example:8443/api/v1/hooks/stacks/dkh_ab12")).toBe(
      "curl -X POST https://dokkerr.example:8443/api/v1/hooks/stacks/dkh_ab12",
    );
    expect(hookCurlCommand("https://x.example/a b?c=1&d='e'")).toBe(`curl -X POST 'https://x.example/a b?c=1&d='\\''e'\\'''`);
  });
});

describe("Git locations", () => {
  it("writes a commit short, and starts the fields from a stack's location or the server's defaults", () => {
    expect(shortCommit("0123456789abcdef0123456789abcdef01234567")).toBe("0123456789ab");
    expect(shortCommit("")).toBe("");
    expect(gitFields()).toEqual({ url: "", ref: "main", path: "docker-compose.yml" });
    expect(gitFields({ url: "https://git.example/a.git", ref: "v1", path: "x/compose.yml", commit: "c".repeat(40) })).toEqual({
      url: "https://git.example/a.git",
      ref: "v1",
      path: "x/compose.yml",
    });
  });

  it("sends the fields trimmed, leaving an empty ref or path to the server's default", () => {
    expect(gitLocation({ url: " https://git.example/a.git ", ref: " v1 ", path: "deploy/compose.yml" })).toEqual({
      url: "https://git.example/a.git",
      ref: "v1",
      path: "deploy/compose.yml",
    });
    expect(gitLocation({ url: "file:///srv/repo", ref: "", path: "  " })).toEqual({ url: "file:///srv/repo" });
  });

  it("tells what the server would refuse, field by field", () => {
    expect(gitLocationProblems({ url: "https://git.example/a.git", ref: "release/1.2", path: "deploy/compose.yml" })).toEqual({});
    expect(gitLocationProblems({ url: "file:///srv/repo", ref: "", path: "" })).toEqual({});
    expect(gitLocationProblems({ url: "", ref: "main", path: "compose.yml" })).toEqual({ url: "Give the repository's URL." });
    const bad = gitLocationProblems({ url: "ssh://git@git.example/a.git", ref: "-x", path: "../etc/passwd" });
    expect(Object.keys(bad).sort()).toEqual(["path", "ref", "url"]);
    expect(bad.url).toMatch(/https:\/\//);
    expect(gitLocationProblems({ url: "http://git.example/a.git", ref: "a..b", path: "/abs.yml" })).toMatchObject({
      url: expect.any(String),
      ref: expect.any(String),
      path: expect.any(String),
    });
    expect(gitLocationProblems({ url: "https://git.example/a.git", ref: "a b", path: "x" }).ref).toMatch(/branch or tag/);
  });

  it("puts the server's problem with a location at the field it concerns", () => {
    const refused = (code: string, detail: string) => new ApiError({ status: 400, code, title: code, detail });
    expect(gitProblemField(refused("git_url_forbidden", "file:// repositories are for platform admins"))).toBe("url");
    expect(gitProblemField(refused("invalid_git_source", "git.url: an https:// URL without user information, query or fragment."))).toBe("url");
    expect(gitProblemField(refused("invalid_git_source", "git.ref: a branch or tag of 1-200 characters"))).toBe("ref");
    expect(gitProblemField(refused("invalid_git_source", "git.path: the Compose file's path in the repository"))).toBe("path");
    expect(gitProblemField(refused("invalid_git_source", "Name the Compose file inline (compose) or where it is in Git (git)."))).toBeNull();
    expect(gitProblemField(refused("git_ref_not_found", "The repository has no branch or tag named dev."))).toBe("ref");
    expect(gitProblemField(refused("git_file_not_found", "The repository has no file x.yml at main."))).toBe("path");
    expect(gitProblemField(refused("git_unreachable", "git clone: could not resolve host"))).toBeNull();
    expect(gitProblemField(new Error("offline"))).toBeNull();
    expect(gitProblemField(null)).toBeNull();
  });
});
