// The networks of one environment with their team, create (for a team), remove and details.

import { useLiveReload } from "../../lib/events";
import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime, shortId } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import {
  cidrProblem,
  inSubnet,
  ipVersion,
  teamOf,
  type ContainerUsage,
  type IpamConfig,
  type NetworkCreateBody,
  type NetworkSummary,
} from "../../lib/resources";
import { useTeamNames, type TeamNames } from "../../lib/teams";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import {
  Facts,
  LabelList,
  matches,
  NAME_PATTERN,
  ResourceList,
  ResourceToolbar,
  TeamCell,
  TeamOwnedFields,
  useTeamOwnedForm,
  type Outcome,
} from "./ResourceParts";
import "./resources.css";

/** The engine's own networks: they cannot be removed. */
export const BUILTIN_NETWORKS = new Set(["bridge", "host", "none"]);
/** Drivers offered to admins; members may create bridge networks only. */
const ADMIN_DRIVERS = ["bridge", "overlay", "macvlan", "ipvlan"] as const;

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

// Create

function CreateDialog({ env, teams, onClose, onCreated }: { env: string; teams: TeamNames; onClose: () => void; onCreated: (name: string) => void }) {
  const { resources } = useServices();
  const form = useTeamOwnedForm("network", "networks:create", env, teams);
  const admin = form.admin;
  const [name, setName] = useState("");
  const [driver, setDriver] = useState("bridge");
  const [subnet, setSubnet] = useState("");
  const [gateway, setGateway] = useState("");
  const [internal, setInternal] = useState(false);
  const [attachable, setAttachable] = useState(false);
  const { busy, error, setError, run } = useAction();
  const setFormError = form.setProblem;

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
    const labels = form.checkLabelsAndTeam();
    if (!labels) return null;
    const body: NetworkCreateBody = { Name: n, Driver: admin ? driver : "bridge", Internal: internal, Attachable: attachable, Labels: labels };
    if (s) body.IPAM = { Config: [g ? { Subnet: s, Gateway: g } : { Subnet: s }] };
    return body;
  };

  const submit = async () => {
    form.clear();
    setError(null);
    const body = check();
    if (!body) return;
    await run(async () => {
      await resources.createNetwork(env, body, form.team || undefined);
      onCreated(body.Name);
    });
  };

  return (
    <FormDialog
      title="Create a network"
      submitLabel="Create"
      busyLabel="Creating…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="form-stack"
      noValidate
    >
      <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} maxLength={128} required autoComplete="off" spellCheck={false} />
      <SelectField label="Driver" value={admin ? driver : "bridge"} onChange={(e) => setDriver(e.target.value)} disabled={!admin}>
        {(admin ? ADMIN_DRIVERS : (["bridge"] as const)).map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </SelectField>
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
      <TeamOwnedFields form={form} teamsError={teams.error} error={error} />
    </FormDialog>
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
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const removal = useAction();

  const canCreate = !!env && session.canIn("networks:create", env);
  const canDelete = !!env && session.canIn("networks:delete", env);

  const rows = useMemo(() => [...(networks.data ?? [])].sort((a, b) => a.Name.localeCompare(b.Name)), [networks.data]);
  const shown = rows.filter((n) => {
    const team = teamOf(n);
    return matches(filter, [n.Name, n.Id, n.Driver, team ? teams.nameOf(team) : "", ...subnets(n).map((c) => c.Subnet)]);
  });

  const close = () => {
    setOpen(null);
    removal.setError(null);
  };

  const remove = (network: NetworkSummary) =>
    removal.run(async () => {
      await resources.removeNetwork(env, network.Id);
      setOpen(null);
      setOutcome({ title: `Removed the network ${network.Name}.` });
      reload();
    });

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
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, driver, team, subnet"
        onRefresh={reload}
        actions={
          canCreate ? (
            <button type="button" onClick={() => setOpen({ kind: "create" })}>
              Create network
            </button>
          ) : null
        }
      />

      <ResourceList
        kind={{ one: "network", many: "networks" }}
        choice={choice}
        list={networks}
        total={rows.length}
        outcome={outcome}
        onDismissOutcome={() => setOutcome(null)}
        columns={columns}
        rows={shown}
        rowKey={(n) => n.Id}
      />

      {open?.kind === "create" ? (
        <CreateDialog
          env={env}
          teams={teams}
          onClose={close}
          onCreated={(name) => {
            close();
            setOutcome({ title: `Created the network ${name}.` });
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
          busy={removal.busy}
          onConfirm={() => void remove(open.network)}
          onCancel={close}
        >
          <p>
            Remove the network <span className="mono">{open.network.Name}</span>? Containers still connected to it make the engine refuse.
          </p>
          <ErrorNotice error={removal.error} prefix="Could not remove" />
        </ConfirmDialog>
      ) : null}
      {open?.kind === "details" ? <DetailsDialog env={env} network={open.network} teams={teams} onClose={close} /> : null}
    </section>
  );
}
