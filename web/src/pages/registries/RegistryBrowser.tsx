// A registry's catalog, read through the server with the stored login: its repositories a page at
// a time ("Load more" follows the cursor), and the tags of the repository picked. Nothing is
// asked until the person starts browsing: some registries (Docker Hub) keep no catalog.

import { useEffect, useId, useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { appendPage, REGISTRY_PAGE_SIZE, useRegistriesApi, type CatalogPage, type PagedNames, type Registry } from "../../lib/registries";
import "./registries.css";

type PageLoader = (cursor: string | null, signal: AbortSignal) => Promise<CatalogPage>;

/** Names loaded a page at a time; a new start (or unmounting) abandons the request in flight. */
function usePagedNames() {
  const [names, setNames] = useState<PagedNames | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const controller = useRef<AbortController | null>(null);
  const loader = useRef<PageLoader | null>(null);
  const loaded = useRef<PagedNames | null>(null);
  useEffect(() => () => controller.current?.abort(), []);

  const fetchPage = async (fresh: boolean) => {
    const load = loader.current;
    if (!load) return;
    controller.current?.abort();
    const own = new AbortController();
    controller.current = own;
    setBusy(true);
    setError(null);
    if (fresh) {
      loaded.current = null;
      setNames(null);
    }
    try {
      const page = await load(fresh ? null : (loaded.current?.next ?? null), own.signal);
      if (own.signal.aborted) return;
      loaded.current = appendPage(loaded.current, page);
      setNames(loaded.current);
    } catch (cause) {
      if (!own.signal.aborted) setError(cause);
    } finally {
      if (!own.signal.aborted) setBusy(false);
    }
  };

  return {
    names,
    busy,
    error,
    /** Starts again from the first page of `load`. */
    start: (load: PageLoader) => {
      loader.current = load;
      void fetchPage(true);
    },
    more: () => void fetchPage(false),
  };
}

function NameList({ label, names, selected, onSelect }: { label: string; names: string[]; selected?: string; onSelect?: (name: string) => void }) {
  return (
    <ul className="registry-names" aria-label={label} tabIndex={onSelect ? undefined : 0}>
      {names.map((name) => (
        <li key={name}>
          {onSelect ? (
            <button type="button" className="link-button mono" aria-pressed={selected === name} onClick={() => onSelect(name)}>
              {name}
            </button>
          ) : (
            <span className="mono">{name}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function RegistryBrowser({ registry }: { registry: Registry }) {
  const registries = useRegistriesApi();
  const titleId = useId();
  const repositories = usePagedNames();
  const tags = usePagedNames();
  const [repository, setRepository] = useState<string | null>(null);

  const browse = () => {
    setRepository(null);
    repositories.start((cursor, signal) => registries.repositories(registry.id, { limit: REGISTRY_PAGE_SIZE, cursor }, signal));
  };

  const pick = (name: string) => {
    setRepository(name);
    tags.start((cursor, signal) => registries.tags(registry.id, name, { limit: REGISTRY_PAGE_SIZE, cursor }, signal));
  };

  const repoNames = repositories.names;
  const tagNames = tags.names;

  return (
    <section className="panel registry-browse" aria-labelledby={titleId}>
      <div className="panel-head">
        <h2 id={titleId}>Browse</h2>
        <button type="button" className="button-secondary" onClick={browse} disabled={repositories.busy}>
          {repoNames ? "Reload repositories" : "Browse repositories"}
        </button>
      </div>
      <p className="muted small">The registry's catalog, read with the stored login. Some registries, such as Docker Hub, do not list theirs.</p>
      <div className="registry-browse-grid">
        <div>
          <h3>Repositories</h3>
          <ErrorNotice error={repositories.error} prefix="Could not list the repositories" />
          {repositories.busy ? <p role="status">Loading repositories…</p> : null}
          {repoNames && repoNames.names.length === 0 ? <p className="muted">The registry lists no repositories.</p> : null}
          {repoNames && repoNames.names.length > 0 ? (
            <NameList label={`Repositories in ${registry.name}`} names={repoNames.names} selected={repository ?? undefined} onSelect={pick} />
          ) : null}
          {!repoNames && !repositories.busy && !repositories.error ? <p className="muted">Not listed yet.</p> : null}
          {repoNames?.next ? (
            <button type="button" className="button-secondary" onClick={repositories.more} disabled={repositories.busy}>
              Load more repositories
            </button>
          ) : null}
        </div>
        {repository ? (
          <div>
            <h3>
              Tags of <span className="mono">{repository}</span>
            </h3>
            <ErrorNotice error={tags.error} prefix={`Could not list the tags of ${repository}`} />
            {tags.busy ? <p role="status">Loading tags…</p> : null}
            {tagNames && tagNames.names.length === 0 ? <p className="muted">The repository has no tags.</p> : null}
            {tagNames && tagNames.names.length > 0 ? <NameList label={`Tags of ${repository}`} names={tagNames.names} /> : null}
            {tagNames?.next ? (
              <button type="button" className="button-secondary" onClick={tags.more} disabled={tags.busy}>
                Load more tags
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
