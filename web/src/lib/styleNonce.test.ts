import { afterEach, describe, expect, it } from "vitest";
import { NONCE_PLACEHOLDER, styleNonce, withStyleNonce } from "./styleNonce";

function setMeta(content: string | null) {
  document.head.querySelectorAll('meta[name="dokkerr-style-nonce"]').forEach((m) => m.remove());
  if (content === null) return;
  const meta = document.createElement("meta");
  meta.setAttribute("name", "dokkerr-style-nonce");
  meta.setAttribute("content", content);
  document.head.appendChild(meta);
}

describe("styleNonce", () => {
  afterEach(() => setMeta(null));

  it("reads the nonce from the meta element", () => {
    setMeta("abc123==");
    expect(styleNonce()).toBe("abc123==");
  });

  it("treats a missing meta, an empty one and the development placeholder as no nonce", () => {
    setMeta(null);
    expect(styleNonce()).toBeNull();
    setMeta("");
    expect(styleNonce()).toBeNull();
    setMeta(NONCE_PLACEHOLDER);
    expect(styleNonce()).toBeNull();
  });
});

describe("withStyleNonce", () => {
  afterEach(() => setMeta(null));

  it("gives every <style> created inside the nonce before it is inserted", () => {
    setMeta("n0nce");
    const seenAtInsertion: (string | null)[] = [];
    const host = document.createElement("div");
    document.body.appendChild(host);
    const observer = { record: (el: Element) => seenAtInsertion.push(el.getAttribute("nonce")) };
    const result = withStyleNonce(() => {
      const style = document.createElement("style");
      // What the browser sees when the element goes into the document.
      observer.record(style);
      host.appendChild(style);
      const styleNS = document.createElementNS("http://www.w3.org/1999/xhtml", "style");
      host.appendChild(styleNS);
      const div = document.createElement("div");
      host.appendChild(div);
      return "done";
    });
    expect(result).toBe("done");
    expect(seenAtInsertion).toEqual(["n0nce"]);
    const styles = host.querySelectorAll("style");
    expect(styles).toHaveLength(2);
    styles.forEach((s) => expect(s.getAttribute("nonce")).toBe("n0nce"));
    expect(host.querySelector("div")!.hasAttribute("nonce")).toBe(false);
    host.remove();
  });

  it("restores document.createElement afterwards, also when the function throws", () => {
    setMeta("n0nce");
    const before = document.createElement;
    expect(() =>
      withStyleNonce(() => {
        expect(document.createElement).not.toBe(before);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(document.createElement).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(document, "createElement")).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(document, "createElementNS")).toBe(false);
    expect(document.createElement("style").hasAttribute("nonce")).toBe(false);
  });

  it("leaves createElement alone when there is no nonce", () => {
    setMeta(NONCE_PLACEHOLDER);
    const before = document.createElement;
    withStyleNonce(() => {
      expect(document.createElement).toBe(before);
      expect(document.createElement("style").hasAttribute("nonce")).toBe(false);
    });
  });
});
