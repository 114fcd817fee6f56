// Reading the page as assistive technology does.

/** The text an element's aria-describedby names: each described element's text, in order, joined by a space. */
export function descriptionOf(element: Element): string {
  const ids = element.getAttribute("aria-describedby")?.split(/\s+/).filter(Boolean) ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
}
