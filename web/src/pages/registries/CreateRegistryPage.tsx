// A new stored registry: its name, address (HOST[:PORT]), scope (every team of an organization, or
// one team), the login (the password is sealed on the server and never shown again) and whether
// it is reached over plain HTTP. The scopes offered are those the caller manages.

import { useState, type FormEvent } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { isApiError } from "../../lib/api";
import { useAction, useFocusInvalid } from "../../lib/hooks";
import {
  credentialsProblem,
  mayCreateRegistry,
  registryAddressProblem,
  registryNameProblem,
  scopeBody,
  scopeOptions,
  useOrganizationNames,
  useRegistriesApi,
  MAX_PASSWORD_BYTES,
  MAX_REGISTRY_NAME,
  MAX_USERNAME,
} from "../../lib/registries";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { CheckField, ScopeSelect } from "./RegistryParts";
import "./registries.css";

export default function CreateRegistryPage() {
  const session = useSession();
  const mayCreate = mayCreateRegistry(session.permissions);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">New registry</h1>
      <div className="toolbar">
        <Link to="/registries">Back to the registries</Link>
      </div>
      {session.loading && !session.permissions ? <p role="status">Loading…</p> : null}
      {session.permissions && !mayCreate ? (
        <div className="notice notice-info">
          <p>
            You may not store registries: that takes <span className="mono">org:manage</span> in an organization or{" "}
            <span className="mono">team:manage</span> in a team.
          </p>
        </div>
      ) : null}
      {mayCreate ? <CreateRegistryForm /> : null}
    </section>
  );
}

type Problems = Partial<Record<"name" | "address" | "scope" | "username", string>>;

function CreateRegistryForm() {
  const registries = useRegistriesApi();
  const session = useSession();
  const teams = useTeamNames();
  const orgs = useOrganizationNames();
  const options = scopeOptions(session.permissions, teams.teams, orgs.organizations);
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [chosenScope, setScope] = useState<string | null>(null);
  // The first scope offered unless the person chose another (the lists load after the form shows).
  const scope = chosenScope ?? options[0]?.value ?? "";
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [insecure, setInsecure] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const { busy, error, run } = useAction();
  const focus = useFocusInvalid();

  // Problems the server names a field for are shown at the field.
  const nameRefused = isApiError(error) && error.code === "registry_exists" ? error : null;
  const addressRefused = isApiError(error) && error.code.includes("address") ? error : null;
  const pageError = nameRefused || addressRefused ? null : error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = scopeBody(scope);
    const next: Problems = {};
    const badName = registryNameProblem(name);
    const badAddress = registryAddressProblem(address);
    const badLogin = credentialsProblem(username, password);
    if (badName) next.name = badName;
    if (badAddress) next.address = badAddress;
    if (!body) next.scope = "Choose who the registry is for.";
    if (badLogin) next.username = badLogin;
    setProblems(next);
    if (Object.keys(next).length > 0 || !body) {
      focus.refused();
      return;
    }
    await run(
      async () => {
        const created = await registries.create({
          name: name.trim(),
          address: address.trim(),
          ...body,
          ...(username.trim() ? { username: username.trim() } : {}),
          ...(password ? { password } : {}),
          insecure,
        });
        navigate("/registries/view", { id: created.id });
      },
      () => {
        focus.refused();
      },
    );
  };

  return (
    <form ref={focus.ref} className="registry-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy || undefined}>
      <div className="form-row">
        <Field
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={problems.name ?? nameRefused}
          alertError={!!nameRefused}
          hint={`1 to ${MAX_REGISTRY_NAME} characters, unique in the organization.`}
          required
          maxLength={MAX_REGISTRY_NAME}
          autoComplete="off"
        />
        <Field
          label="Address"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          error={problems.address ?? addressRefused}
          alertError={!!addressRefused}
          hint="HOST[:PORT] as image names start, such as registry.example.com, 127.0.0.1:5000 or docker.io."
          placeholder="registry.example.com"
          required
          maxLength={255}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
        />
      </div>
      <ScopeSelect options={options} value={scope} onChange={setScope} error={problems.scope} />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <ErrorNotice error={orgs.error} prefix="Could not load the organizations" />
      <div className="form-row">
        <Field
          label="Username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={problems.username}
          hint="Leave it empty for a registry that needs no login."
          maxLength={MAX_USERNAME}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
        />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint="Or an access token. Stored sealed; it is never shown again."
          maxLength={MAX_PASSWORD_BYTES}
          autoComplete="new-password"
          spellCheck={false}
        />
      </div>
      <CheckField
        label="Plain HTTP (no TLS)"
        checked={insecure}
        onChange={setInsecure}
        hint="Only for a registry that does not speak HTTPS, such as a local test registry: the login travels unencrypted."
      />
      <ErrorNotice error={pageError} prefix="Could not store the registry" />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save registry"}
        </button>
      </div>
    </form>
  );
}
