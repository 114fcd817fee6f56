// The images of one environment: one row per tag, pull with live progress, tag, remove,
// upload of a `docker save` tarball, and the details (inspect and history) of an image; and, in
// the Updates tab, whether the registries have newer images for what the running containers use.
// The tab is in the address (replaced, not pushed), so a reload or a shared link opens the same tab.

import { useLiveReload } from "../../lib/events";
import { useMemo, useRef, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { PullProgress } from "../../components/PullProgress";
import { Tabs, type TabItem } from "../../components/Tabs";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatBytes, formatRelative, formatTime, shortId } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import type { PullState } from "../../lib/pull";
import { navigate, useRoute } from "../../lib/router";
import { type ContainerUsage, type ImageHistoryEntry, type ImageLoadMessage, type ImageSummary } from "../../lib/resources";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { Facts, LabelList, matches, ResourceList, ResourceToolbar, type Outcome } from "../networks/ResourceParts";
import { ImageUpdatesPanel, useUpdateChecks } from "./ImageUpdatesPanel";
import "../networks/resources.css";

const NONE = "<none>";
/** Engine output kept for the history table: a CreatedBy can be a long shell script. */
const MAX_COMMAND_CHARS = 2000;

export interface ImageRow {
  key: string;
  /** What actions address: the tag ("busybox:1.36"), or the id for an untagged image. */
  ref: string;
  /** "repository:tag", or "<none>". */
  name: string;
  repository: string;
  dangling: boolean;
  image: ImageSummary;
}

/** Splits "registry:5000/team/app:tag" at the tag's colon (not the port's). */
function splitTag(repoTag: string): { repository: string; tag: string } {
  const slash = repoTag.lastIndexOf("/");
  const colon = repoTag.lastIndexOf(":");
  if (colon > slash) return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
  return { repository: repoTag, tag: "" };
}

/** One row per tag; an image without tags is one `<none>` row. */
export function imageRows(images: ImageSummary[]): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t && t !== "<none>:<none>");
    if (tags.length === 0) {
      const digest = image.RepoDigests?.find((d) => d && !d.startsWith("<none>"));
      rows.push({
        key: `${image.Id}|`,
        ref: image.Id,
        name: NONE,
        repository: digest ? digest.slice(0, digest.indexOf("@")) : "",
        dangling: true,
        image,
      });
      continue;
    }
    for (const tag of tags) {
      rows.push({ key: `${image.Id}|${tag}`, ref: tag, name: tag, repository: splitTag(tag).repository, dangling: false, image });
    }
  }
  rows.sort((a, b) => Number(a.dangling) - Number(b.dangling) || a.name.localeCompare(b.name));
  return rows;
}

/** How actions and notices name a row: its tag, or the short id of an untagged image. */
function displayName(row: ImageRow): string {
  return row.name === NONE ? shortId(row.image.Id) : row.name;
}

/** The engine's count when it made one, else the count from the container list, else unknown. */
function usedBy(image: ImageSummary, usage: ContainerUsage | undefined): string {
  let n = image.Containers;
  let more = "";
  if ((typeof n !== "number" || n < 0) && usage) {
    n = usage.byImage.get(image.Id) ?? 0;
    more = usage.complete ? "" : "+";
  }
  if (typeof n !== "number" || n < 0) return "—";
  return `${n}${more} ${n === 1 && !more ? "container" : "containers"}`;
}

function messageText(message: ImageLoadMessage): { text: string; failed: boolean } {
  if (message.error || message.errorDetail?.message) return { text: message.error || message.errorDetail?.message || "failed", failed: true };
  return { text: (message.stream ?? message.status ?? "").trim(), failed: false };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// Pull

function PullDialog({ env, onClose, onPulled }: { env: string; onClose: () => void; onPulled: (reference: string) => void }) {
  const { resources } = useServices();
  const [reference, setReference] = useState("");
  const [state, setState] = useState<PullState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const formId = "pull-image-form";

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const ref = reference.trim();
    if (!ref || /\s/.test(ref)) {
      setError(new Error("Give an image reference without spaces, such as busybox:1.36."));
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setError(null);
    setState(null);
    setCancelled(false);
    setRunning(true);
    try {
      const final = await resources.pull(env, ref, {
        signal: abort.signal,
        onState: (next) => {
          if (!abort.signal.aborted) setState(next);
        },
      });
      if (!abort.signal.aborted && final.phase === "done") onPulled(ref);
    } catch (cause) {
      if (!abort.signal.aborted) setError(cause);
    } finally {
      if (controller.current === abort) {
        controller.current = null;
        setRunning(false);
      }
    }
  };

  const cancel = () => {
    controller.current?.abort();
    controller.current = null;
    setRunning(false);
    setCancelled(true);
  };

  const close = () => {
    controller.current?.abort();
    controller.current = null;
    onClose();
  };

  return (
    <Dialog
      open
      title="Pull an image"
      onClose={close}
      wide
      actions={
        <>
          {running ? (
            <button type="button" className="button-danger" onClick={cancel}>
              Cancel pull
            </button>
          ) : (
            <button type="submit" form={formId}>
              Pull
            </button>
          )}
          <button type="button" className="button-secondary" onClick={close}>
            Close
          </button>
        </>
      }
    >
      <form id={formId} className="form-stack" onSubmit={start}>
        <Field
          label="Image reference"
          hint="busybox, busybox:1.36, registry:5000/team/app:tag or name@sha256:…. Closing this dialog cancels the pull."
          value={reference}
          onChange={(e) => setReference(e.target.value)}
          maxLength={512}
          autoComplete="off"
          spellCheck={false}
          required
          disabled={running}
        />
      </form>
      <ErrorNotice error={error} prefix="Could not pull" />
      {state ? <PullProgress state={state} /> : null}
      {cancelled ? (
        <p className="muted" role="status">
          Pull cancelled.
        </p>
      ) : null}
    </Dialog>
  );
}

// Tag

function TagDialog({ env, row, onClose, onTagged }: { env: string; row: ImageRow; onClose: () => void; onTagged: (target: string) => void }) {
  const { resources } = useServices();
  const [repo, setRepo] = useState(row.dangling ? "" : row.repository);
  const [tag, setTag] = useState("");
  const { busy, error, setError, run } = useAction();

  const submit = async () => {
    const r = repo.trim();
    const t = tag.trim();
    if (!r || /\s/.test(r)) {
      setError(new Error("Give a repository without spaces, such as registry:5000/team/app."));
      return;
    }
    if (t && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(t)) {
      setError(new Error("A tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'."));
      return;
    }
    await run(async () => {
      await resources.tagImage(env, row.ref, r, t);
      onTagged(t ? `${r}:${t}` : `${r}:latest`);
    });
  };

  return (
    <FormDialog
      title={`Tag ${displayName(row)}`}
      submitLabel="Tag"
      busyLabel="Tagging…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="form-stack"
    >
      <Field label="Repository" value={repo} onChange={(e) => setRepo(e.target.value)} maxLength={512} required autoComplete="off" spellCheck={false} />
      <Field label="Tag" hint="Empty means latest." value={tag} onChange={(e) => setTag(e.target.value)} maxLength={128} autoComplete="off" spellCheck={false} />
      <ErrorNotice error={error} prefix="Could not tag" />
    </FormDialog>
  );
}

// Remove

function RemoveDialog({
  env,
  row,
  onClose,
  onRemoved,
}: {
  env: string;
  row: ImageRow;
  onClose: () => void;
  onRemoved: (records: string[]) => void;
}) {
  const { resources } = useServices();
  const [force, setForce] = useState(false);
  const { busy, error, run } = useAction();

  const confirm = () =>
    run(async () => {
      const records = await resources.removeImage(env, row.ref, force);
      onRemoved(records.map((r) => (r.Untagged ? `Untagged: ${r.Untagged}` : r.Deleted ? `Deleted: ${r.Deleted}` : JSON.stringify(r))));
    });

  return (
    <ConfirmDialog open title="Remove image" confirmLabel="Remove" danger busy={busy} onConfirm={() => void confirm()} onCancel={onClose}>
      <p>
        Remove <span className="mono">{displayName(row)}</span>?{" "}
        {row.dangling ? "The image is deleted." : "The tag is removed; the image is deleted with its last tag."}
      </p>
      <label className="check-label">
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
        Force (also when a stopped container uses it, or it has other tags)
      </label>
      <ErrorNotice error={error} prefix="Could not remove" />
    </ConfirmDialog>
  );
}

// Upload

function UploadDialog({ env, onClose, onLoaded }: { env: string; onClose: () => void; onLoaded: () => void }) {
  const { resources } = useServices();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImageLoadMessage[] | null>(null);
  const controller = useRef<AbortController | null>(null);
  const formId = "upload-image-form";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) {
      setError(new Error("Choose an image tarball first."));
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const messages = await resources.loadImages(env, file, abort.signal);
      setResult(messages);
      onLoaded();
    } catch (cause) {
      if (!abort.signal.aborted) setError(cause);
    } finally {
      if (controller.current === abort) controller.current = null;
      setBusy(false);
    }
  };

  const close = () => {
    controller.current?.abort();
    onClose();
  };

  return (
    <Dialog
      open
      title="Upload an image"
      onClose={close}
      actions={
        <>
          {busy ? (
            <button type="button" className="button-danger" onClick={() => controller.current?.abort()}>
              Cancel upload
            </button>
          ) : (
            <button type="submit" form={formId} disabled={!file}>
              Upload
            </button>
          )}
          <button type="button" className="button-secondary" onClick={close}>
            Close
          </button>
        </>
      }
    >
      <form id={formId} className="form-stack" onSubmit={submit}>
        <div className="field">
          <label htmlFor="image-tarball">Image tarball</label>
          <input
            id="image-tarball"
            type="file"
            accept=".tar,application/x-tar"
            aria-describedby="image-tarball-hint"
            disabled={busy}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setResult(null);
              setError(null);
            }}
          />
          <p className="field-hint" id="image-tarball-hint">
            The output of docker save (a .tar file).
          </p>
        </div>
        {file ? (
          <p>
            <span className="mono">{file.name}</span> — {formatBytes(file.size)}
          </p>
        ) : null}
      </form>
      {busy ? <p role="status">Uploading {file ? formatBytes(file.size) : ""}…</p> : null}
      <ErrorNotice error={error} prefix="Could not upload" />
      {result ? (
        <div role="status">
          <p>{result.some((m) => messageText(m).failed) ? "The engine reported a problem:" : "Uploaded."}</p>
          <ul className="value-list mono small">
            {result.map((message, i) => {
              const { text, failed } = messageText(message);
              return text ? (
                <li key={i} className={failed ? "error-text" : undefined}>
                  {text}
                </li>
              ) : null;
            })}
          </ul>
        </div>
      ) : null}
    </Dialog>
  );
}

// Details

function ListOrNone({ items }: { items: string[] | null | undefined }) {
  if (!items || items.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="value-list mono">
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );
}

const HISTORY_COLUMNS: Column<ImageHistoryEntry & { index: number }>[] = [
  { id: "created", header: "Created", cell: (h) => formatRelative(h.Created) },
  { id: "by", header: "Created by", className: "cell-wrap mono small", cell: (h) => clip(h.CreatedBy ?? "", MAX_COMMAND_CHARS) },
  { id: "size", header: "Size", cell: (h) => formatBytes(h.Size) },
  { id: "comment", header: "Comment", className: "cell-wrap", cell: (h) => h.Comment ?? "" },
];

function DetailsDialog({ env, row, onClose }: { env: string; row: ImageRow; onClose: () => void }) {
  const { resources } = useServices();
  const ref = row.image.Id;
  const inspect = useLoad((signal) => resources.image(env, ref, signal), [resources, env, ref]);
  const history = useLoad((signal) => resources.imageHistory(env, ref, signal), [resources, env, ref]);
  const image = inspect.data;
  const config = image?.Config ?? {};
  const platform = image ? [image.Os, image.Architecture, image.Variant].filter(Boolean).join("/") : "";
  const layers = (history.data ?? []).map((h, index) => ({ ...h, index }));
  const title = row.name === NONE ? `Image ${shortId(row.image.Id)}` : row.name;

  return (
    <Dialog open title={title} onClose={onClose} wide>
      {inspect.loading && !image ? <p role="status">Loading the image…</p> : null}
      <ErrorNotice error={inspect.error} prefix="Could not inspect the image" />
      {image ? (
        <div className="detail-section">
          <Facts
            rows={[
              ["ID", <span className="mono">{image.Id}</span>],
              ["Tags", <ListOrNone items={image.RepoTags} />],
              ["Digests", <ListOrNone items={image.RepoDigests} />],
              ["Created", image.Created ? `${formatTime(image.Created)} (${formatRelative(image.Created)})` : ""],
              ["Platform", platform],
              ["Size", formatBytes(image.Size)],
              ["Entrypoint", config.Entrypoint?.length ? <span className="mono">{JSON.stringify(config.Entrypoint)}</span> : ""],
              ["Command", config.Cmd?.length ? <span className="mono">{JSON.stringify(config.Cmd)}</span> : ""],
              ["Working directory", config.WorkingDir ? <span className="mono">{config.WorkingDir}</span> : ""],
              ["User", config.User ? <span className="mono">{config.User}</span> : ""],
              ["Exposed ports", <ListOrNone items={Object.keys(config.ExposedPorts ?? {})} />],
              ["Environment", <ListOrNone items={config.Env} />],
            ]}
          />
          <h3>Labels</h3>
          <LabelList labels={config.Labels} />
        </div>
      ) : null}
      <div className="detail-section">
        <h3>History</h3>
        <ErrorNotice error={history.error} prefix="Could not load the history" />
        {history.loading && !history.data ? <p role="status">Loading the history…</p> : null}
        {history.data ? (
          <DataTable
            caption={`Layers of ${title}`}
            columns={HISTORY_COLUMNS}
            rows={layers}
            rowKey={(h) => String(h.index)}
            empty="No history."
          />
        ) : null}
      </div>
    </Dialog>
  );
}

// The page

const TABS: TabItem[] = [
  { id: "images", label: "Images" },
  { id: "updates", label: "Updates" },
];

type Open =
  | { kind: "pull" }
  | { kind: "upload" }
  | { kind: "tag"; row: ImageRow }
  | { kind: "remove"; row: ImageRow }
  | { kind: "details"; row: ImageRow }
  | null;

export default function ImagesPage(_props: { env: string }) {
  const { resources } = useServices();
  const session = useSession();
  const route = useRoute();
  const choice = useEnvironmentChoice();
  const env = choice.env;
  const tab = TABS.some((t) => t.id === route.query.get("tab")) ? route.query.get("tab")! : "images";
  const onUpdates = tab === "updates";
  const selectTab = (next: string) => navigate("/images", { env, tab: next === "images" ? undefined : next }, true);
  const checks = useUpdateChecks(env, onUpdates);
  const images = useLoad((signal) => (env ? resources.images(env, signal) : Promise.resolve<ImageSummary[]>([])), [resources, env]);
  const countUse = !!env && session.canIn("containers:read", env);
  const usage = useLoad(
    (signal) => (countUse ? resources.containerUsage(env, signal) : Promise.resolve(undefined)),
    [resources, env, countUse],
  );
  const reload = () => {
    images.reload();
    usage.reload();
  };
  // Member streams carry only objects with their team's label, which images never have.
  useLiveReload(env, "image", reload, false);

  const [filter, setFilter] = useState("");
  const [showDangling, setShowDangling] = useState(false);
  const [open, setOpen] = useState<Open>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const canPull = !!env && session.canIn("images:pull", env);
  const canManage = !!env && session.canIn("images:manage", env);

  const rows = useMemo(() => imageRows(images.data ?? []), [images.data]);
  const shown = rows.filter(
    (row) => (showDangling || !row.dangling) && matches(filter, [row.name, row.repository, row.image.Id, shortId(row.image.Id)]),
  );
  const danglingCount = rows.filter((r) => r.dangling).length;

  const columns: Column<ImageRow>[] = [
    {
      id: "name",
      header: "Repository:tag",
      rowHeader: true,
      className: "cell-name",
      cell: (row) => (
        <>
          <span className="mono">{row.name}</span>
          {row.dangling && row.repository ? <span className="muted small mono">{row.repository}</span> : null}
        </>
      ),
    },
    { id: "id", header: "ID", className: "mono", cell: (row) => shortId(row.image.Id) },
    { id: "size", header: "Size", cell: (row) => formatBytes(row.image.Size) },
    { id: "created", header: "Created", cell: (row) => formatRelative(row.image.Created) },
    { id: "used", header: "Used by", cell: (row) => usedBy(row.image, usage.error ? undefined : usage.data) },
    {
      id: "actions",
      header: "Actions",
      cell: (row) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${displayName(row)}`}>
          <button type="button" className="button-secondary" onClick={() => setOpen({ kind: "details", row })}>
            Details
          </button>
          {canManage ? (
            <>
              <button type="button" className="button-secondary" onClick={() => setOpen({ kind: "tag", row })}>
                Tag
              </button>
              <button type="button" className="button-danger" onClick={() => setOpen({ kind: "remove", row })}>
                Remove
              </button>
            </>
          ) : null}
        </div>
      ),
    },
  ];

  const close = () => setOpen(null);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Images</h1>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder={onUpdates ? "Image or status" : "Name or ID"}
        onRefresh={onUpdates ? checks.refresh : reload}
        options={
          onUpdates ? null : (
            <label className="check-label">
              <input type="checkbox" checked={showDangling} onChange={(e) => setShowDangling(e.target.checked)} />
              Show dangling{danglingCount > 0 ? ` (${danglingCount})` : ""}
            </label>
          )
        }
        actions={
          onUpdates ? (
            canPull ? (
              <button type="button" disabled={checks.checking || !env} onClick={() => void checks.check()}>
                {checks.checking ? "Checking…" : "Check now"}
              </button>
            ) : null
          ) : (
            <>
              {canManage ? (
                <button type="button" className="button-secondary" onClick={() => setOpen({ kind: "upload" })}>
                  Upload
                </button>
              ) : null}
              {canPull ? (
                <button type="button" onClick={() => setOpen({ kind: "pull" })}>
                  Pull
                </button>
              ) : null}
            </>
          )
        }
      />

      <Tabs label="Image views" tabs={TABS} selected={tab} onSelect={selectTab}>
        {onUpdates ? (
          <ImageUpdatesPanel env={env} checks={checks} filter={filter} canCheck={canPull} />
        ) : (
          <ResourceList
            kind={{ one: "image", many: "images" }}
            choice={choice}
            list={images}
            total={rows.length}
            outcome={outcome}
            onDismissOutcome={() => setOutcome(null)}
            columns={columns}
            rows={shown}
            rowKey={(row) => row.key}
          />
        )}
      </Tabs>

      {open?.kind === "pull" ? (
        <PullDialog
          env={env}
          onClose={close}
          onPulled={(reference) => {
            setOutcome({ title: `Pulled ${reference}.` });
            reload();
          }}
        />
      ) : null}
      {open?.kind === "upload" ? <UploadDialog env={env} onClose={close} onLoaded={reload} /> : null}
      {open?.kind === "tag" ? (
        <TagDialog
          env={env}
          row={open.row}
          onClose={close}
          onTagged={(target) => {
            close();
            setOutcome({ title: `Tagged ${displayName(open.row)} as ${target}.` });
            images.reload();
          }}
        />
      ) : null}
      {open?.kind === "remove" ? (
        <RemoveDialog
          env={env}
          row={open.row}
          onClose={close}
          onRemoved={(lines) => {
            close();
            setOutcome({ title: `Removed ${displayName(open.row)}.`, lines });
            images.reload();
          }}
        />
      ) : null}
      {open?.kind === "details" ? <DetailsDialog env={env} row={open.row} onClose={close} /> : null}
    </section>
  );
}
