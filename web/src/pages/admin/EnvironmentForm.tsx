// Adding a remote engine or changing one: name, URL and the TLS material (pasted or read from
// files). The private key lives in this dialog's state only, which goes when it closes.

import { useId, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { ApiError } from "../../lib/api";
import type { Environment } from "../../lib/dokkerr";
import { useAction, useFocusInvalid } from "../../lib/hooks";
import { MAX_PEM_BYTES, type EnvironmentInput, type EnvironmentTls } from "../../lib/platform";
import { useServices } from "../../lib/services";
import "./EnvironmentsSection.css";
import "./PlatformForms.css";

type PemName = "ca" | "cert" | "key";

const PEM_LABELS: Record<PemName, string> = {
  ca: "CA certificate",
  cert: "Client certificate",
  key: "Client key",
};

const PEM_FILE_LABELS: Record<PemName, string> = {
  ca: "Read the CA certificate from a file",
  cert: "Read the client certificate from a file",
  key: "Read the client key from a file",
};

const PEM_HINTS: Record<PemName, string> = {
  ca: "The certificate authority that signed the engine's certificate (PEM).",
  cert: "The certificate Dokkerr presents to the engine (PEM); goes with the key.",
  key: "The private key of the client certificate (PEM). It is stored sealed and never shown again.",
};

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** What is wrong with one PEM field, as the server would say it, or "". */
export function pemProblem(text: string): string {
  if (!text) return "";
  if (byteLength(text) > MAX_PEM_BYTES) return "Larger than 64 KiB.";
  if (!text.includes("-----BEGIN ")) return "Not PEM: expected a “-----BEGIN …” line.";
  return "";
}

/** Reads a chosen file as text, refusing anything larger than the server accepts. */
export async function readPemFile(file: File): Promise<string> {
  if (file.size > MAX_PEM_BYTES) throw new Error(`${file.name} is larger than 64 KiB.`);
  if (typeof file.text === "function") return file.text();
  return new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
    reader.onerror = () => reject(reader.error ?? new Error(`Could not read ${file.name}.`));
    reader.readAsText(file);
  });
}

function PemInput({
  name,
  value,
  problem,
  onChange,
}: {
  name: PemName;
  value: string;
  problem: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const [fileError, setFileError] = useState("");
  const label = PEM_LABELS[name];
  const shown = fileError || problem;
  const onFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    // Cleared at once: choosing the same file again reads it again, and no File is kept.
    input.value = "";
    if (!file) return;
    try {
      onChange(await readPemFile(file));
      setFileError("");
    } catch (error) {
      setFileError(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <div className="field pem-input">
      <label htmlFor={`${id}-text`}>{label}</label>
      <textarea
        id={`${id}-text`}
        value={value}
        rows={4}
        spellCheck={false}
        autoComplete="off"
        maxLength={MAX_PEM_BYTES}
        aria-invalid={shown ? true : undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setFileError("");
          onChange(e.target.value);
        }}
      />
      <p className="field-hint" id={`${id}-hint`}>
        {shown ? <span className="error-text">{shown} </span> : null}
        {PEM_HINTS[name]}
      </p>
      <label className="inline-label small">
        <span>{PEM_FILE_LABELS[name]}</span>
        <input type="file" accept=".pem,.crt,.cer,.key,text/plain" onChange={(e) => void onFile(e.currentTarget)} />
      </label>
    </div>
  );
}

type TlsMode = "keep" | "set" | "off";

export interface EnvironmentDialogProps {
  /** The environment to change; absent to add one. */
  environment?: Environment;
  onClose: () => void;
  onSaved: (environment: Environment) => void;
}

export function EnvironmentDialog({ environment, onClose, onSaved }: EnvironmentDialogProps) {
  const { platform } = useServices();
  const editing = !!environment;
  const [name, setName] = useState(environment?.name ?? "");
  const [url, setUrl] = useState(environment?.url ?? "");
  const [tlsMode, setTlsMode] = useState<TlsMode>(editing ? "keep" : "off");
  const [pem, setPem] = useState<Record<PemName, string>>({ ca: "", cert: "", key: "" });
  const [verify, setVerify] = useState(true);
  const [problems, setProblems] = useState<Partial<Record<PemName | "pair" | "name" | "url", string>>>({});
  const { busy, error, setError, run } = useAction();
  const focus = useFocusInvalid();
  const tlsId = useId();

  const setOne = (key: PemName) => (value: string) => {
    setPem((current) => ({ ...current, [key]: value }));
    setProblems((current) => ({ ...current, [key]: undefined, pair: undefined }));
  };

  const validate = (): boolean => {
    const next: typeof problems = {};
    if (!name.trim()) next.name = "A name is needed.";
    if (!url.trim()) next.url = "A URL is needed.";
    if (tlsMode === "set") {
      for (const key of ["ca", "cert", "key"] as const) {
        const problem = pemProblem(pem[key]);
        if (problem) next[key] = problem;
      }
      if (!pem.cert !== !pem.key) next.pair = "The client certificate and its key go together.";
      else if (!pem.ca && !pem.cert) next.pair = "Give a CA certificate, a client certificate and key, or both.";
    }
    setProblems(next);
    const ok = Object.keys(next).length === 0;
    if (!ok) focus.refused();
    return ok;
  };

  const body = (): EnvironmentInput | null => {
    const tls: EnvironmentTls | undefined =
      tlsMode === "set"
        ? { ca: pem.ca, cert: pem.cert, key: pem.key, verify }
        : tlsMode === "off" && editing && environment?.tls
          ? { ca: "", cert: "", key: "", verify: true }
          : undefined;
    if (!editing) return { name: name.trim(), url: url.trim(), ...(tls ? { tls } : {}) };
    const changes: EnvironmentInput = {};
    if (name.trim() !== environment?.name) changes.name = name.trim();
    if (url.trim() !== (environment?.url ?? "")) changes.url = url.trim();
    if (tls) changes.tls = tls;
    return Object.keys(changes).length > 0 ? changes : null;
  };

  const submit = async () => {
    setError(null);
    if (!validate()) return;
    const input = body();
    if (!input) {
      if (environment) onSaved(environment);
      return;
    }
    await run(
      async () => onSaved(environment ? await platform.updateEnvironment(environment.id, input) : await platform.createEnvironment(input)),
      (cause) => {
        const code = cause instanceof ApiError ? cause.code : "";
        if (code === "environment_name_conflict") setProblems({ name: "Another environment has this name." });
        if (code === "invalid_docker_host") setProblems({ url: "The server cannot use this address." });
        if (code === "environment_name_conflict" || code === "invalid_docker_host") focus.refused();
      },
    );
  };

  return (
    <FormDialog
      title={environment ? `Edit ${environment.name}` : "Add a remote engine"}
      submitLabel={editing ? "Save" : "Add environment"}
      busyLabel="Connecting…"
      busy={busy}
      wide
      onClose={onClose}
      onSubmit={submit}
      formClassName="platform-form"
      noValidate
      formRef={focus.ref}
    >
      <ErrorNotice error={error} prefix={editing ? "Could not save the environment" : "Could not add the environment"} />
      <div className="platform-form">
        <Field
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={64}
          autoComplete="off"
          error={problems.name}
          hint={problems.name ? undefined : "1 to 64 characters; “local” is taken by the built-in engine."}
        />
        <Field
          label="URL"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          required
          maxLength={512}
          placeholder="tcp://host:2376"
          autoComplete="off"
          spellCheck={false}
          error={problems.url}
          hint={problems.url ? undefined : "The engine's address, such as tcp://host:2376."}
        />
      </div>
      <fieldset className="platform-fieldset">
        <legend>TLS</legend>
        {editing ? (
          <div className="platform-options">
            <label className="inline-label">
              <input type="radio" name={`${tlsId}-tls`} checked={tlsMode === "keep"} onChange={() => setTlsMode("keep")} />
              Keep as it is ({environment?.tls ? "TLS on" : "no TLS"})
            </label>
            <label className="inline-label">
              <input type="radio" name={`${tlsId}-tls`} checked={tlsMode === "set"} onChange={() => setTlsMode("set")} />
              Replace with new material
            </label>
            {environment?.tls ? (
              <label className="inline-label">
                <input type="radio" name={`${tlsId}-tls`} checked={tlsMode === "off"} onChange={() => setTlsMode("off")} />
                Remove it (connect without TLS)
              </label>
            ) : null}
          </div>
        ) : (
          <label className="inline-label">
            <input type="checkbox" checked={tlsMode === "set"} onChange={(e) => setTlsMode(e.target.checked ? "set" : "off")} />
            Connect with TLS
          </label>
        )}
        {tlsMode === "set" ? (
          <>
            <p className="muted small">Paste each PEM or read it from a file (64 KiB at most each).</p>
            <PemInput name="ca" value={pem.ca} problem={problems.ca ?? ""} onChange={setOne("ca")} />
            <PemInput name="cert" value={pem.cert} problem={problems.cert ?? ""} onChange={setOne("cert")} />
            <PemInput name="key" value={pem.key} problem={problems.key ?? ""} onChange={setOne("key")} />
            {problems.pair ? <p className="error-text">{problems.pair}</p> : null}
            <label className="inline-label">
              <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
              Verify the engine's certificate
            </label>
            {!verify ? <p className="notice notice-info">Without verification anyone between Dokkerr and the engine can pose as it.</p> : null}
          </>
        ) : null}
      </fieldset>
    </FormDialog>
  );
}
