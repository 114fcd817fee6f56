// A list the server answers a page at a time ({items, next_cursor}): the first page on load,
// further pages on request ("Load more"), bounded in memory, and editable in place so a change
// to one row does not throw away the pages already loaded.

import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import type { ListPage } from "../../lib/dokkerr";
import { MAX_LISTED } from "../../lib/admin";

export interface PagedList<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  /** Whether the server has more after what is loaded. */
  hasMore: boolean;
  /** The list reached the bound kept in memory; later pages are not loaded. */
  capped: boolean;
  loadMore: () => void;
  reload: () => void;
  /** Changes the loaded rows (after a create, edit or delete). */
  update: (change: (items: T[]) => T[]) => void;
}

interface State<T> {
  items: T[];
  next: string | null;
  loading: boolean;
  error: unknown;
  capped: boolean;
}

export function usePagedList<T>(
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<ListPage<T>>,
  deps: DependencyList,
  max = MAX_LISTED,
): PagedList<T> {
  const [state, setState] = useState<State<T>>({ items: [], next: null, loading: true, error: null, capped: false });
  const [generation, setGeneration] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const controllerRef = useRef<AbortController | null>(null);

  const run = useCallback(
    (cursor: string | null) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      setState((s) => ({ ...s, loading: true, error: null }));
      fetchRef.current(cursor, controller.signal).then(
        (page) => {
          if (controller.signal.aborted) return;
          setState((s) => {
            const all = cursor === null ? page.items : [...s.items, ...page.items];
            const capped = all.length >= max && page.next_cursor !== null;
            return { items: all.slice(0, max), next: capped ? null : page.next_cursor, loading: false, error: null, capped };
          });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, loading: false, error }));
        },
      );
    },
    [max],
  );

  useEffect(() => {
    run(null);
    return () => controllerRef.current?.abort();
  }, [...deps, generation, run]);

  const { next } = state;
  const loadMore = useCallback(() => {
    if (next !== null) run(next);
  }, [next, run]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const update = useCallback((change: (items: T[]) => T[]) => setState((s) => ({ ...s, items: change(s.items) })), []);

  return { items: state.items, loading: state.loading, error: state.error, hasMore: state.next !== null, capped: state.capped, loadMore, reload, update };
}
