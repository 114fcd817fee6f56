// A stack's redeploy webhook: a secret URL that, called with POST and no credentials (from a CI
// job or a registry's push notification), pulls the stack's images and redeploys it as "Pull and
// redeploy" does, acting as the account that issued it. The URL is shown once, when issued: the
// server keeps only a hash of its token. Afterwards the tab shows who issued it and when it was
// last used; issuing again replaces it, and revoking ends it.

import { useState } from "react";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { OneTimeSecret } from "../../components/OneTimeSecret";
import { formatRelative, formatTime } from "../../lib/format";
import { useAction, useConfirmed, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { hookAddress, hookCurlCommand, type IssuedStackHook, type StackHook, type StackView } from "../../lib/stacks";

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatTime(at)}>
      {formatRelative(at)}
    </time>
  );
}

function HookFacts({ hook }: { hook: StackHook }) {
  return (
    <dl className="facts stack-hook-facts">
      <dt>Issued by</dt>
      <dd className="mono">{hook.created_by}</dd>
      <dt>Issued</dt>
      <dd>
        <When at={hook.created_at} />
      </dd>
      <dt>Last used</dt>
      <dd>{hook.last_used_at ? <When at={hook.last_used_at} /> : <span className="muted">never used</span>}</dd>
    </dl>
  );
}

/** The URL just issued, with a Copy button and an example call: shown this once. */
function IssuedHook({ issued, onDone }: { issued: IssuedStackHook; onDone: () => void }) {
  const address = hookAddress(window.location.origin, issued.url);
  return (
    <OneTimeSecret
      className="stack-hook-issued"
      notice={
        <>
          <strong>Copy the URL now: it will not be shown again.</strong> Anyone who has it can redeploy the stack; keep it as a secret (in your CI
          system's secret variables, for example).
        </>
      }
      label="Webhook URL"
      value={address}
      fieldClassName="mono stack-hook-url"
      noun="URL"
    >
      <p>Call it with POST, for example from a CI job once it has pushed a new image:</p>
      <pre className="stack-hook-example">{hookCurlCommand(address)}</pre>
      <div className="form-actions">
        <button type="button" className="button-secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </OneTimeSecret>
  );
}

export function StackWebhookTab({ env, stack, canManage }: { env: string; stack: StackView; canManage: boolean }) {
  const { stacks } = useServices();
  const hook = useLoad((signal) => stacks.hook(env, stack.name, signal), [stacks, env, stack.name]);
  const [issued, setIssued] = useState<IssuedStackHook | null>(null);
  const [note, setNote] = useState("");

  const issue = async () => {
    const made = await stacks.issueHook(env, stack.name);
    setNote("");
    setIssued(made);
    hook.reload();
  };
  // The first URL is issued at once; a new one replaces the old after a question.
  const first = useAction();
  const replacement = useConfirmed(issue);
  const revocation = useConfirmed(async () => {
    try {
      await stacks.revokeHook(env, stack.name);
      setIssued(null);
      setNote(`Revoked the webhook of ${stack.name}: its URL no longer works.`);
    } finally {
      hook.reload();
    }
  });

  const current = hook.data;
  const busy = first.busy || replacement.busy || revocation.busy;

  return (
    <div className="stack-hook">
      <h2>Redeploy webhook</h2>
      <p>
        Calling the webhook's URL with POST, without credentials, pulls the images of <span className="mono">{stack.name}</span> again and recreates
        the containers whose image changed, as Pull and redeploy does, acting as the account that issued it. A CI job can call it once it has pushed a
        new image.
      </p>
      <ErrorNotice error={hook.error} prefix="Could not read the webhook" />
      {hook.loading && current === undefined ? <p role="status">Loading the webhook…</p> : null}
      <InfoNotice>{note}</InfoNotice>

      {issued ? <IssuedHook issued={issued} onDone={() => setIssued(null)} /> : null}

      {current === null ? <p>This stack has no webhook.</p> : null}
      {current ? <HookFacts hook={current} /> : null}

      {canManage && current !== undefined ? (
        <>
          <ErrorNotice error={first.error} prefix="Could not issue a webhook" />
          <div className="form-actions stack-hook-actions">
            {current === null ? (
              <button type="button" disabled={busy} onClick={() => void first.run(issue)}>
                {first.busy ? "Issuing…" : "Issue a webhook URL"}
              </button>
            ) : (
              <>
                <button type="button" className="button-secondary" disabled={busy} onClick={() => replacement.ask(stack.name)}>
                  Issue a new URL
                </button>
                <button type="button" className="button-danger" disabled={busy} onClick={() => revocation.ask(stack.name)}>
                  Revoke
                </button>
              </>
            )}
          </div>
        </>
      ) : null}
      {!canManage ? <p className="muted small">Issuing and revoking the webhook takes permission to deploy the stack.</p> : null}

      <ConfirmDialog
        open={replacement.subject !== null}
        title={`Issue a new webhook URL for ${stack.name}?`}
        confirmLabel="Issue a new URL"
        busy={replacement.busy}
        onConfirm={() => void replacement.confirm()}
        onCancel={replacement.cancel}
      >
        <p>The old URL stops working at once: whatever calls it needs the new one.</p>
        <ErrorNotice error={replacement.error} prefix="Could not issue a webhook" />
      </ConfirmDialog>
      <ConfirmDialog
        open={revocation.subject !== null}
        title={`Revoke the webhook of ${stack.name}?`}
        confirmLabel="Revoke"
        danger
        busy={revocation.busy}
        onConfirm={() => void revocation.confirm()}
        onCancel={revocation.cancel}
      >
        <p>Its URL stops working at once. The stack itself is not changed.</p>
        <ErrorNotice error={revocation.error} prefix="Could not revoke the webhook" />
      </ConfirmDialog>
    </div>
  );
}
