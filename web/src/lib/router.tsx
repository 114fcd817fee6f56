// A small hash router: routes live after '#' (/#/containers?env=local), so the
// server only ever serves index.html at '/' and needs no fallback for deep links.

import { useSyncExternalStore, type AnchorHTMLAttributes, type ReactNode } from "react";

export interface Route {
  path: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const path = pathPart.startsWith("/") ? pathPart : `/${pathPart}`;
  return { path: path === "" ? "/" : path, query: new URLSearchParams(queryPart) };
}

export function hrefFor(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export function navigate(path: string, query?: Record<string, string | undefined>, replace = false): void {
  const href = hrefFor(path, query);
  if (replace) {
    window.history.replaceState(null, "", href);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (window.location.hash !== href) {
    window.location.hash = href;
  }
}

const subscribe = (listener: () => void) => {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
};
const snapshot = () => window.location.hash;

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, snapshot, () => "");
  return parseHash(hash);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & {
  to: string;
  query?: Record<string, string | undefined>;
  children: ReactNode;
};

export function Link({ to, query, children, ...rest }: LinkProps) {
  return (
    <a href={hrefFor(to, query)} {...rest}>
      {children}
    </a>
  );
}
