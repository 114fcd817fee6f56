// @vitest-environment node
// Static checks of the source against the UI's security rules.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Vitest runs in web/ (npm test).
const root = join(process.cwd(), "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/localStorage|sessionStorage|indexedDB/, "persistent browser storage"],
  [/document\.cookie/, "cookies"],
  [/dangerouslySetInnerHTML|\.innerHTML|outerHTML|insertAdjacentHTML|document\.write/, "HTML injection"],
  [/\beval\s*\(|new Function\s*\(/, "eval"],
  [/style=\{/, "inline style attributes"],
];

describe("source rules", () => {
  const files = sources(root).filter((f) => !f.includes(`${join("src", "test")}`));
  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(5);
  });
  for (const [pattern, what] of FORBIDDEN) {
    it(`uses no ${what}`, () => {
      const offenders = files.filter((f) => pattern.test(readFileSync(f, "utf8").replace(/^\s*\/\/.*$/gm, "")));
      expect(offenders).toEqual([]);
    });
  }

  it("index.html loads only the module entry, with no inline script or style", () => {
    const html = readFileSync(join(root, "..", "index.html"), "utf8");
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain('type="module"');
    expect(scripts[0]![1]).toContain('src="/src/main.tsx"');
    expect(scripts[0]![2]!.trim()).toBe("");
    expect(html).not.toMatch(/<style|style=/);
  });
});
