import { describe, expect, it } from "vitest";
import { ApiClient } from "./api";
import { composeServiceNames, diffCounts, diffLines, parseVariables, stackNameProblem, StacksApi, variablesTemplate, type DiffLine } from "./stacks";
import { TokenStore } from "./tokens";
import { fakeFetch, json, noContent } from "../test/fakeFetch";

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
});
