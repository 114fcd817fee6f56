// The team security policy's fields as a form shows them: grouped, each with what it lets a
// team do, and the conversions between the server's document (bytes, nano-CPUs, arrays) and
// what a person types (MiB/GiB, CPUs, comma-separated text). Bounds are the server's
// (src/policy/policy.cpp, kPolicyFields).

import { formatBytes } from "../../lib/format";

export type PolicyKind = "flag" | "list" | "integer" | "bytes" | "cpus";

export interface PolicyField {
  key: string;
  kind: PolicyKind;
  label: string;
  /** What the field lets the team do, in one line. */
  explain: string;
  /** Set on relaxations that weaken the host's isolation: why. */
  risk?: string;
  min?: number;
  max?: number;
  /** What 0 means, where it means something else than the number. */
  zero?: string;
}

export interface PolicyGroup {
  id: string;
  title: string;
  fields: PolicyField[];
}

const TAKEOVER = "lets containers take over the host";

export const POLICY_GROUPS: PolicyGroup[] = [
  {
    id: "privileges",
    title: "Privileges",
    fields: [
      { key: "allow_privileged", kind: "flag", label: "Privileged containers", explain: "Create containers with Privileged: every device and every capability of the host.", risk: TAKEOVER },
      { key: "allow_privileged_exec", kind: "flag", label: "Privileged exec", explain: "Run exec sessions with Privileged inside the team's containers.", risk: TAKEOVER },
      { key: "allow_root_exec", kind: "flag", label: "Exec as root", explain: "Exec as root in containers whose image or create chose another user.", risk: "undoes the image's choice to run without root" },
      {
        key: "extra_capabilities",
        kind: "list",
        label: "Extra capabilities",
        explain: "Linux capabilities containers may add beyond Docker's default set, e.g. NET_ADMIN (ALL is refused).",
        risk: "some (SYS_ADMIN, SYS_MODULE, SYS_PTRACE) let containers take over the host",
      },
    ],
  },
  {
    id: "host",
    title: "Host access",
    fields: [
      { key: "allow_host_binds", kind: "flag", label: "Host bind mounts", explain: "Mount paths of the host into containers (Binds, bind mounts).", risk: TAKEOVER },
      { key: "allow_bind_volume_options", kind: "flag", label: "Host paths in volume options", explain: "Create local volumes whose driver options mount host paths or devices.", risk: TAKEOVER },
      { key: "allow_host_namespaces", kind: "flag", label: "Host namespaces", explain: "Share the host's PID, IPC, UTS, network, user or cgroup namespace.", risk: "lets containers see and reach the host's processes and network" },
      { key: "allow_devices", kind: "flag", label: "Devices", explain: "Pass host devices, device cgroup rules and device requests (GPUs) to containers.", risk: "raw devices reach around the container's isolation" },
      { key: "allow_cgroup_parent", kind: "flag", label: "Cgroup parent", explain: "Put containers in a chosen cgroup (CgroupParent, Cgroup).", risk: "escapes the resource limits the host sets" },
      {
        key: "allow_unconfined_security",
        kind: "flag",
        label: "Unconfined security options",
        explain: "Set any SecurityOpt (seccomp or AppArmor unconfined) and change MaskedPaths and ReadonlyPaths.",
        risk: "removes the kernel protections that contain a breakout",
      },
      {
        key: "extra_sysctls",
        kind: "list",
        label: "Extra sysctls",
        explain: "Kernel parameters containers may set beyond the namespaced safe set: names, or prefixes ending in *.",
        risk: "some tune the host's network stack",
      },
    ],
  },
  {
    id: "drivers",
    title: "Drivers & runtimes",
    fields: [
      { key: "allowed_runtimes", kind: "list", label: "Runtimes", explain: "OCI runtimes containers may name (an empty Runtime, the engine's default, is always allowed)." },
      { key: "allowed_volume_drivers", kind: "list", label: "Volume drivers", explain: "Drivers the team may create volumes with." },
      { key: "allowed_network_drivers", kind: "list", label: "Network drivers", explain: "Drivers the team may create networks with." },
      {
        key: "allowed_log_drivers",
        kind: "list",
        label: "Log drivers",
        explain: "Log drivers containers may use; remote ones (syslog, gelf, fluentd, awslogs…) run with the host's network and credentials.",
      },
    ],
  },
  {
    id: "ports",
    title: "Ports",
    fields: [
      { key: "allowed_host_ips", kind: "list", label: "Host addresses", explain: "Host addresses ports may be published on (an empty HostIp counts as 0.0.0.0)." },
      { key: "min_host_port", kind: "integer", label: "Lowest host port", explain: "The lowest host port containers may publish; ports below 1024 are the host's own services'.", min: 1, max: 65535 },
      { key: "max_host_port", kind: "integer", label: "Highest host port", explain: "The highest host port containers may publish.", min: 1, max: 65535 },
    ],
  },
  {
    id: "limits",
    title: "Limits & quotas",
    fields: [
      { key: "max_pids", kind: "integer", label: "Processes per container", explain: "The most processes a container may run; a create without a limit gets this one.", min: 1, max: 2 ** 22 },
      { key: "max_shm_bytes", kind: "bytes", label: "Shared memory per container", explain: "The largest /dev/shm a container may ask for (memory its own limit may not cover).", min: 0, max: 2 ** 40 },
      {
        key: "allow_oom_score_protection",
        kind: "flag",
        label: "OOM score protection",
        explain: "Set OomScoreAdj below 0, so that under memory pressure the kernel kills other processes first.",
        risk: "the host's own services may be killed before these containers",
      },
      { key: "max_containers", kind: "integer", label: "Containers per environment", explain: "The most containers, in any state, the team may have on one environment; 0 is no limit.", min: 0, max: 100000, zero: "no limit" },
      { key: "default_memory_bytes", kind: "bytes", label: "Default memory limit", explain: "The memory limit of a container created without one; 0 leaves it unlimited.", min: 0, max: 2 ** 44, zero: "unlimited" },
      {
        key: "max_total_memory_bytes",
        kind: "bytes",
        label: "Total memory per environment",
        explain: "The sum of the memory limits of the team's containers on one environment; 0 is no limit (while set, every container must set one).",
        min: 0,
        max: 2 ** 50,
        zero: "no limit",
      },
      {
        key: "max_total_nano_cpus",
        kind: "cpus",
        label: "Total CPUs per environment",
        explain: "The sum of the CPU limits of the team's containers on one environment, in CPUs; 0 is no limit (while set, every container must set one).",
        min: 0,
        max: 2 ** 50,
        zero: "no limit",
      },
    ],
  },
];

export const POLICY_FIELDS: PolicyField[] = POLICY_GROUPS.flatMap((g) => g.fields);

export type ByteUnit = "MiB" | "GiB";
export const BYTE_UNITS: Record<ByteUnit, number> = { MiB: 2 ** 20, GiB: 2 ** 30 };
const NANO = 1e9;

/** What the form holds: a flag's state, or the text typed; bytes fields also their unit. */
export interface PolicyFormState {
  values: Record<string, string | boolean>;
  units: Record<string, ByteUnit>;
}

function bytesUnit(bytes: number): ByteUnit {
  return bytes > 0 && bytes % BYTE_UNITS.GiB === 0 ? "GiB" : "MiB";
}

export function policyToForm(doc: Record<string, unknown>): PolicyFormState {
  const values: Record<string, string | boolean> = {};
  const units: Record<string, ByteUnit> = {};
  for (const field of POLICY_FIELDS) {
    const raw = doc[field.key];
    switch (field.kind) {
      case "flag":
        values[field.key] = raw === true;
        break;
      case "list":
        values[field.key] = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string").join(", ") : "";
        break;
      case "integer":
        values[field.key] = typeof raw === "number" ? String(raw) : "";
        break;
      case "bytes": {
        const bytes = typeof raw === "number" ? raw : 0;
        const unit = bytesUnit(bytes);
        units[field.key] = unit;
        values[field.key] = typeof raw === "number" ? String(bytes / BYTE_UNITS[unit]) : "";
        break;
      }
      case "cpus":
        values[field.key] = typeof raw === "number" ? String(raw / NANO) : "";
        break;
    }
  }
  return { values, units };
}

/** A list field's text as the entries it names: separated by commas or new lines, trimmed. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function range(field: PolicyField): string {
  if (field.kind === "bytes") return `from ${formatBytes(field.min ?? 0)} to ${formatBytes(field.max ?? 0, 0)}`;
  return `from ${field.min ?? 0} to ${field.max ?? 0}`;
}

export interface PolicyBuild {
  body: Record<string, unknown>;
  /** Field key → what is wrong with it. */
  errors: Record<string, string>;
}

/**
 * The document to PUT: the server's document as loaded (every key, in its order, including any
 * this form does not know) with the form's values in place.
 */
export function formToPolicy(base: Record<string, unknown>, form: PolicyFormState): PolicyBuild {
  const body: Record<string, unknown> = { ...base };
  const errors: Record<string, string> = {};
  for (const field of POLICY_FIELDS) {
    const value = form.values[field.key];
    if (field.kind === "flag") {
      body[field.key] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value.trim() : "";
    if (field.kind === "list") {
      const entries = splitList(text);
      const spaced = entries.find((entry) => /\s/.test(entry));
      if (spaced !== undefined) errors[field.key] = `"${spaced}" has a space in it; separate entries with commas.`;
      body[field.key] = entries;
      continue;
    }
    let amount: number;
    if (field.kind === "integer") {
      if (!/^\d+$/.test(text)) {
        errors[field.key] = `Enter a whole number ${range(field)}.`;
        continue;
      }
      amount = Number(text);
    } else {
      if (!/^\d+(\.\d+)?$/.test(text)) {
        errors[field.key] = field.kind === "cpus" ? `Enter a number of CPUs, such as 2 or 0.5.` : `Enter a size ${range(field)}.`;
        continue;
      }
      const scale = field.kind === "cpus" ? NANO : BYTE_UNITS[form.units[field.key] ?? "MiB"];
      amount = Math.round(Number(text) * scale);
    }
    if (!Number.isSafeInteger(amount) || amount < (field.min ?? 0) || amount > (field.max ?? Number.MAX_SAFE_INTEGER)) {
      errors[field.key] =
        field.kind === "integer" ? `Enter a whole number ${range(field)}.` : field.kind === "cpus" ? `Enter at most ${(field.max ?? 0) / NANO} CPUs.` : `Enter a size ${range(field)}.`;
      continue;
    }
    body[field.key] = amount;
  }
  const min = body.min_host_port;
  const max = body.max_host_port;
  if (!errors.min_host_port && !errors.max_host_port && typeof min === "number" && typeof max === "number" && min > max) {
    errors.min_host_port = "The lowest port must not be above the highest.";
  }
  return { body, errors };
}

/** The field a server problem names in its detail (the longest key found), if any. */
export function fieldInDetail(detail: string): string | null {
  let found: string | null = null;
  for (const field of POLICY_FIELDS) {
    if (detail.includes(field.key) && (found === null || field.key.length > found.length)) found = field.key;
  }
  return found;
}

/** A field's value as the read-only view shows it. */
export function describeValue(field: PolicyField, raw: unknown): string {
  switch (field.kind) {
    case "flag":
      return raw === true ? "Allowed" : "Refused";
    case "list":
      return Array.isArray(raw) && raw.length > 0 ? raw.join(", ") : "none";
    case "integer":
      return typeof raw === "number" ? (raw === 0 && field.zero ? `0 (${field.zero})` : String(raw)) : "—";
    case "bytes":
      return typeof raw === "number" ? (raw === 0 && field.zero ? `0 (${field.zero})` : formatBytes(raw)) : "—";
    case "cpus":
      return typeof raw === "number" ? (raw === 0 && field.zero ? `0 (${field.zero})` : `${raw / NANO} CPUs`) : "—";
  }
}
