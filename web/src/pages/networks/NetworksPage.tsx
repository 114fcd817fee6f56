// The networks of one environment with their team, create (for a team), remove and details.

import { useMemo, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime, shortId } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import {
  cidrProblem,
  inSubnet,
  ipVersion,
  parseLabels,
  teamOf,
  useLiveReload,
  type ContainerUsage,
  type IpamConfig,
  type NetworkCreateBody,
  type NetworkSummary,
} from "../../lib/resources";
import { useTeamNames, type TeamNames } from "../../lib/teams";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { Facts, LabelList, LabelsField, matches, OutcomeNotice, TeamSelect, teamOptions } from "./ResourceParts";
import "./resources.css";

/** The engine's own networks: they cannot be removed. */
export const BUILTIN_NETWORKS = new Set(["bridge", "host", "none"]);
/** Drivers offered to admins; members may create bridge networks only. */
const ADMIN_DRIVERS = ["bridge", "overlay", "macvlan", "ipvlan"] as const;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function subnets(network: NetworkSummary): IpamConfig[] {
  return (network.IPAM?.Config ?? []).filter((c) => c && (c.Subnet || c.Gateway));
}

/** From the container list when it could be read; the engine's network list carries no endpoints. */
function attachedCount(network: NetworkSummary, usage: ContainerUsage | undefined): string {
  if (usage) return `${usage.byNetwork.get(network.Id) ?? 0}${usage.complete ? "" : "+"}`;
  const listed = Object.keys(network.Containers ?? {}).length;
  return listed > 0 ? String(listed) : "—";
}

function SubnetList({ network }: { network: NetworkSummary }) {
  const list = subnets(network);
  if (list.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="value-list mono small">
      {list.map((c, i) => (
        <li key={i}>
          {c.Subnet ?? ""}
          {c.Gateway ? ` via ${c.Gateway}` : ""}
        </li>
      ))}
    </ul>
  );
}

function TeamCell({ id, teams }: { id: string; teams: TeamNames }) {
  if (!id) return <span className="muted">—</span>;
  return <>{teams.nameOf(id)}</>;
}

// Create

function CreateDialog({ env, teams, onClose, onCreated }: { env: string; teams: TeamNames; onClose: () => void; onCreated: (name: string) => void }) {
  const { resources } = useServices();
  const session = useSession();
  const admin = session.permissions?.is_admin ?? false;
  const options = teamOptions(admin, session.teamsWith("networks:create", env), teams.teams);
  const [name, setName] = useState("");
  const [driver, setDriver] = useState("bridge");
  const [subnet, setSubnet] = useState("");
  const [gateway, setGateway] = useState("");
  const [internal, setInternal] = useState(false);
  const [attachable, setAttachable] = useState(false);
  const [labels, setLabels] = useState("");
  const [team, setTeam] = useState(admin ? "" : (options[0]?.id ?? ""));
  const [formError, setFormError] = useState<string | null>(null);
  const [labelError, setLabelError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = "create-network-form";

  const check = (): NetworkCreateBody | null => {
    const n = name.trim();
    if (!n || n.length > 128 || !NAME_PATTERN.test(n)) {
      setFormError("A name is 1 to 128 letters, digits, '_', '.' and '-', starting with a letter or digit.");
      return null;
    }
    const s = subnet.trim();
    const g = gateway.trim();
    if (s) {
      const problem = cidrProblem(s);
      if (problem) {
        setFormError(`Subnet: ${problem}`);
        return null;
      }
    }
    if (g) {
      if (!s) {
        setFormError("A gateway needs a subnet.");
        return null;
      }
      const version = ipVersion(g);
      if (!version) {
        setFormError("Gateway: give an IP address without a prefix, such as 172.28.0.1.");
        return null;
      }
      if (version !== ipVersion(s.slice(0, s.indexOf("/"))) || !inSubnet(g, s)) {
        setFormError("The gateway must be an address inside the subnet.");
        return null;
      }
    }
    const parsed = parseLabels(labels);
    if ("error" in parsed) {
      setLabelError(parsed.error);
      return null;
    }
    if (!admin && !team) {
      setFormError("Choose the team the network is for.");
      return null;
    }
    const body: NetworkCreateBody = { Name: n, Driver: admin ? driver : "bridge", Internal: internal, Attachable: attachable, Labels: parsed.labels };
    if (s) body.IPAM = { Config: [g ? { Subnet: s, Gateway: g } : { Subnet: s }] };
    return body;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setLabelError(null);
    setError(null);
    const body = check();
    if (!body) return;
    setBusy(true);
    try {
      await resources.createNetwork(env, body, team || undefined);
      onCreated(body.Name);
    } catch (cause) {
      setError(cause);
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title="Create a network"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} disabled={busy}>
            {busy ? "Creating…" : "Create"}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} maxLength={128} required autoComplete="off" spellCheck={false} />
        <div className="field">
          <label htmlFor="network-driver">Driver</label>
          <select id="network-driver" value={admin ? driver : "bridge"} onChange={(e) => setDriver(e.target.value)} disabled={!admin}>
            {(admin ? ADMIN_DRIVERS : (["bridge"] as const)).map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </div>
        <div className="form-row">
          <Field
            label="Subnet"
            hint="Optional, CIDR. Empty: the engine picks one from its own pools."
            value={subnet}
            onChange={(e) => setSubnet(e.target.value)}
            placeholder="172.28.0.0/16"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
          />
          <Field
            label="Gateway"
            hint="Optional, an address in the subnet."
            value={gateway}
            onChange={(e) => setGateway(e.target.value)}
            placeholder="172.28.0.1"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <label className="check-label">
          <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} />
          Internal (no access to outside networks)
        </label>
        <label className="check-label">
          <input type="checkbox" checked={attachable} onChange={(e) => setAttachable(e.target.checked)} />
          Attachable
        </label>
        <LabelsField value={labels} onChange={setLabels} error={labelError} />
        <TeamSelect
          options={options}
          value={team}
          onChange={setTeam}
          allowNone={admin}
          hint={admin ? "A network without a team is seen by admins only." : "The team that owns the network."}
        />
        {formError ? (
          <p className="error-text" role="alert">
            {formError}
          </p>
        ) : null}
      </form>
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <ErrorNotice error={error} prefix="Could not create the network" />
    </Dialog>
  );
}

// Details

function DetailsDialog({ env, network, teams, onClose }: { env: string; network: NetworkSummary; teams: TeamNames; onClose: () => void }) {
  const { resources } = useServices();
  const inspect = useLoad((signal) => resources.network(env, network.Id, signal), [resources, env, network.Id]);
  const data = inspect.data;
  const team = data ? teamOf(data) : "";
  const endpoints = Object.entries(data?.Containers ?? {}).map(([id, endpoint]) => ({ id, ...endpoint }));
  return (
    <Dialog open title={`Network ${network.Name}`} onClose={onClose} wide>
      {inspect.loading && !data ? <p role="status">Loading the network…</p> : null}
      <ErrorNotice error={inspect.error} prefix="Could not inspect the network" />
      {data ? (
        <>
          <Facts
            rows={[
              ["ID", <span className="mono">{data.Id}</span>],
              ["Driver", data.Driver ?? ""],
              ["Scope", data.Scope ?? ""],
              ["Created", data.Created ? `${formatTime(data.Created)} (${formatRelative(data.Created)})` : ""],
              ["Subnets", <SubnetList network={data} />],
              ["Internal", data.Internal ? "yes" : "no"],
              ["Attachable", data.Attachable ? "yes" : "no"],
              ["IPv6", data.EnableIPv6 ? "yes" : "no"],
              ["Team", team ? teams.nameOf(team) : "none"],
            ]}
          />
          <div className="detail-section">
            <h3>Connected containers</h3>
            <DataTable
              caption={`Containers on ${network.Name}`}
              columns={[
                { id: "name", header: "Name", rowHeader: true, className: "mono", cell: (e) => e.Name || shortId(e.id) },
                { id: "ipv4", header: "IPv4", className: "mono", cell: (e) => e.IPv4Address || "—" },
                { id: "ipv6", header: "IPv6", className: "mono", cell: (e) => e.IPv6Address || "—" },
              ]}
              rows={endpoints}
              rowKey={(e) => e.id}
              empty="No container is connected."
            />
          </div>
          <div className="detail-section">
            <h3>Labels</h3>
            <LabelList labels={data.Labels} />
          </div>
        </>
      ) : null}
    </Dialog>
  );
}

// The page

type Open = { kind: "create" } | { kind: "remove"; network: NetworkSummary } | { kind: "details"; network: NetworkSummary } | null;

export default function NetworksPage(_props: { env: string }) {
  const { resources } = useServices();
  const session = useSession();
  const choice = useEnvironmentChoice();
  const env = choice.env;
  const teams = useTeamNames();
  const networks = useLoad((signal) => (env ? resources.networks(env, signal) : Promise.resolve<NetworkSummary[]>([])), [resources, env]);
  const countUse = !!env && session.canIn("containers:read", env);
  const usage = useLoad(
    (signal) => (countUse ? resources.containerUsage(env, signal) : Promise.resolve(undefined)),
    [resources, env, countUse],
  );
  const reload = () => {
    networks.reload();
    usage.reload();
  };
  // Connect and disconnect are network events too: the counts follow.
  useLiveReload(env, "network", reload);

  const [filter, setFilter] = useState("");
  const [open, setOpen] = useState<Open>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<unknown>(null);
  const [removing, setRemoving] = useState(false);

  const canCreate = !!env && session.canIn("networks:create", env);
  const canDelete = !!env && session.canIn("networks:delete", env);

  const rows = useMemo(() => [...(networks.data ?? [])].sort((a, b) => a.Name.localeCompare(b.Name)), [networks.data]);
  const shown = rows.filter((n) => {
    const team = teamOf(n);
    return matches(filter, [n.Name, n.Id, n.Driver, team ? teams.nameOf(team) : "", ...subnets(n).map((c) => c.Subnet)]);
  });

  const close = () => {
    setOpen(null);
    setRemoveError(null);
  };

  const remove = async (network: NetworkSummary) => {
    setRemoving(true);
    setRemoveError(null);
    try {
      await resources.removeNetwork(env, network.Id);
      setOpen(null);
      setOutcome(`Removed the network ${network.Name}.`);
      reload();
    } catch (cause) {
      setRemoveError(cause);
    } finally {
      setRemoving(false);
    }
  };

  const columns: Column<NetworkSummary>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (n) => (
        <>
          <span className="mono">{n.Name}</span>
          <span className="muted small mono">{shortId(n.Id)}</span>
        </>
      ),
    },
    { id: "driver", header: "Driver", cell: (n) => n.Driver ?? "" },
    { id: "scope", header: "Scope", cell: (n) => n.Scope ?? "" },
    { id: "subnet", header: "Subnet / gateway", cell: (n) => <SubnetList network={n} /> },
    { id: "internal", header: "Internal", cell: (n) => (n.Internal ? "yes" : "no") },
    { id: "team", header: "Team", cell: (n) => <TeamCell id={teamOf(n)} teams={teams} /> },
    { id: "containers", header: "Containers", cell: (n) => attachedCount(n, usage.error ? undefined : usage.data) },
    {
      id: "actions",
      header: "Actions",
      cell: (n) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${n.Name}`}>
          <button type="button" className="button-secondary" onClick={() => setOpen({ kind: "details", network: n })}>
            Details
          </button>
          {canDelete && !BUILTIN_NETWORKS.has(n.Name) ? (
            <button type="button" className="button-danger" onClick={() => setOpen({ kind: "remove", network: n })}>
              Remove
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Networks</h1>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <EnvironmentSelect choice={choice} />
        <label className="inline-label">
          <span>Filter</span>
          <input type="search" value={filter} maxLength={200} placeholder="Name, driver, team, subnet" onChange={(e) => setFilter(e.target.value)} />
        </label>
        <div className="toolbar-actions">
          <button type="button" className="button-secondary" onClick={reload} disabled={!env}>
            Refresh
          </button>
          {canCreate ? (
            <button type="button" onClick={() => setOpen({ kind: "create" })}>
              Create network
            </button>
          ) : null}
        </div>
      </form>

      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}
      <ErrorNotice error={networks.error} prefix="Could not load the networks" />
      {networks.loading || choice.loaded.loading ? <p role="status">Loading networks…</p> : null}
      {!choice.loaded.loading && !choice.loaded.error && choice.environments.length === 0 ? (
        <p className="muted">No environment is available to you.</p>
      ) : null}

      <DataTable
        caption={`Networks${env ? ` in ${env}` : ""}`}
        columns={columns}
        rows={shown}
        rowKey={(n) => n.Id}
        busy={networks.loading}
        empty={networks.error || !env ? undefined : rows.length === 0 ? "No networks in this environment." : "No network matches."}
      />

      {open?.kind === "create" ? (
        <CreateDialog
          env={env}
          teams={teams}
          onClose={close}
          onCreated={(name) => {
            close();
            setOutcome(`Created the network ${name}.`);
            reload();
          }}
        />
      ) : null}
      {open?.kind === "remove" ? (
        <ConfirmDialog
          open
          title="Remove network"
          confirmLabel="Remove"
          danger
          busy={removing}
          onConfirm={() => void remove(open.network)}
          onCancel={close}
        >
          <p>
            Remove the network <span className="mono">{open.network.Name}</span>? Containers still connected to it make the engine refuse.
          </p>
          <ErrorNotice error={removeError} prefix="Could not remove" />
        </ConfirmDialog>
      ) : null}
      {open?.kind === "details" ? <DetailsDialog env={env} network={open.network} teams={teams} onClose={close} /> : null}
    </section>
  );
}
