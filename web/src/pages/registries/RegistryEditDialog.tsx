// Changing a stored registry: its name, the login and plain HTTP. The address and the scope stay
// (another address is another registry). The password is never shown: left empty it is kept,
// and "Remove the stored password" forgets it.

import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { isApiError } from "../../lib/api";
import { useAction, useFocusInvalid } from "../../lib/hooks";
import {
  credentialsProblem,
  editOf,
  registryChanges,
  registryNameProblem,
  useRegistriesApi,
  MAX_PASSWORD_BYTES,
  MAX_REGISTRY_NAME,
  MAX_USERNAME,
  type Registry,
  type RegistryEdit,
} from "../../lib/registries";
import { CheckField } from "./RegistryParts";
import "./registries.css";

export function RegistryEditDialog({ registry, onClose, onSaved }: { registry: Registry; onClose: () => void; onSaved: (saved: Registry | null) => void }) {
  const registries = useRegistriesApi();
  const [edit, setEdit] = useState<RegistryEdit>(() => editOf(registry));
  const [problems, setProblems] = useState<Partial<Record<"name" | "username", string>>>({});
  const { busy, error, run } = useAction();
  const focus = useFocusInvalid();
  const set = (part: Partial<RegistryEdit>) => setEdit((current) => ({ ...current, ...part }));

  const nameRefused = isApiError(error) && error.code === "registry_exists" ? error : null;

  const submit = async () => {
    const next: typeof problems = {};
    const badName = registryNameProblem(edit.name);
    const keepsPassword = registry.has_password && !edit.removePassword && edit.password === "";
    const badLogin = credentialsProblem(edit.username, edit.removePassword ? "" : edit.password, keepsPassword);
    if (badName) next.name = badName;
    if (badLogin) next.username = badLogin;
    setProblems(next);
    if (Object.keys(next).length > 0) {
      focus.refused();
      return;
    }
    const changes = registryChanges(registry, edit);
    if (!changes) {
      onSaved(null);
      return;
    }
    await run(
      async () => onSaved(await registries.update(registry.id, changes)),
      () => {
        focus.refused();
      },
    );
  };

  return (
    <FormDialog
      title={`Edit ${registry.name}`}
      submitLabel="Save"
      busyLabel="Saving…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="registry-form"
      noValidate
      formRef={focus.ref}
    >
      <Field
        label="Name"
        value={edit.name}
        onChange={(e) => set({ name: e.target.value })}
        error={problems.name ?? nameRefused}
        alertError={!!nameRefused}
        hint={`1 to ${MAX_REGISTRY_NAME} characters, unique in the organization.`}
        required
        maxLength={MAX_REGISTRY_NAME}
        autoComplete="off"
      />
      <p className="muted small">
        Address <span className="mono">{registry.address}</span>: to reach another address, store another registry.
      </p>
      <Field
        label="Username"
        value={edit.username}
        onChange={(e) => set({ username: e.target.value })}
        error={problems.username}
        hint="Empty for a registry that needs no login."
        maxLength={MAX_USERNAME}
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
      />
      <Field
        label="Password"
        type="password"
        value={edit.password}
        onChange={(e) => set({ password: e.target.value })}
        disabled={edit.removePassword}
        hint={registry.has_password ? "A password is stored and never shown: leave this empty to keep it." : "No password is stored."}
        maxLength={MAX_PASSWORD_BYTES}
        autoComplete="new-password"
        spellCheck={false}
      />
      {registry.has_password ? (
        <CheckField label="Remove the stored password" checked={edit.removePassword} onChange={(checked) => set({ removePassword: checked, password: "" })} />
      ) : null}
      <CheckField
        label="Plain HTTP (no TLS)"
        checked={edit.insecure}
        onChange={(checked) => set({ insecure: checked })}
        hint="Only for a registry that does not speak HTTPS: the login travels unencrypted."
      />
      <ErrorNotice error={nameRefused ? null : error} prefix={`Could not save ${registry.name}`} />
    </FormDialog>
  );
}
