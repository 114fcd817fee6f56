export type Theme = "light" | "dark" | "system";

/** Sets data-theme on <html> (an attribute the stylesheet reads; no inline style). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}
