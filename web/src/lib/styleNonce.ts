// The page runs under `style-src 'self' 'nonce-…'`: a <style> element the browser inserts is
// applied only when it carries that nonce. The server writes a fresh nonce into
// <meta name="dokkerr-style-nonce"> for each page load. Libraries that add <style> elements
// (the terminal's DOM renderer) are run inside withStyleNonce, so each one they create carries
// the nonce before it is inserted: a nonce added after insertion does not count.

const META_NAME = "dokkerr-style-nonce";
/** What index.html holds before the server fills it in (the development server): no nonce. */
export const NONCE_PLACEHOLDER = "__DOKKERR_STYLE_NONCE__";

/** The page's style nonce, or null when there is none. */
export function styleNonce(doc: Document = document): string | null {
  const meta = doc.querySelector(`meta[name="${META_NAME}"]`);
  const content = meta?.getAttribute("content")?.trim() ?? "";
  if (!content || content === NONCE_PLACEHOLDER) return null;
  return content;
}

function isStyle(element: Element): boolean {
  return element.localName === "style";
}

/**
 * Runs `fn` with document.createElement (and createElementNS) wrapped so every <style> created
 * meanwhile gets the nonce attribute at creation; the originals are back once `fn` returns or
 * throws. Without a nonce `fn` just runs.
 */
export function withStyleNonce<T>(fn: () => T, doc: Document = document): T {
  const nonce = styleNonce(doc);
  if (!nonce) return fn();

  const ownCreate = Object.prototype.hasOwnProperty.call(doc, "createElement");
  const ownCreateNS = Object.prototype.hasOwnProperty.call(doc, "createElementNS");
  const create = doc.createElement;
  const createNS = doc.createElementNS;

  const wrapped = function (this: Document, ...args: Parameters<Document["createElement"]>) {
    const element = create.apply(this, args);
    if (isStyle(element)) element.setAttribute("nonce", nonce);
    return element;
  };
  const wrappedNS = function (this: Document, ...args: [string | null, string, (string | ElementCreationOptions)?]) {
    const element = (createNS as (...a: typeof args) => Element).apply(this, args);
    if (isStyle(element)) element.setAttribute("nonce", nonce);
    return element;
  };
  doc.createElement = wrapped as Document["createElement"];
  doc.createElementNS = wrappedNS as Document["createElementNS"];
  try {
    return fn();
  } finally {
    // Put back exactly what was there: an own property only if there was one before.
    if (ownCreate) doc.createElement = create;
    else delete (doc as { createElement?: unknown }).createElement;
    if (ownCreateNS) doc.createElementNS = createNS;
    else delete (doc as { createElementNS?: unknown }).createElementNS;
  }
}
