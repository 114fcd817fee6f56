import { describe, expect, it } from "vitest";
import {
  buildCreateBody,
  emptyForm,
  errorKey,
  HOST_BINDS_DENIED,
  HOST_NETWORK_DENIED,
  memoryBytes,
  nanoCpus,
  parseInteger,
  policyNotes,
  validateForm,
  type CreateForm,
} from "./createForm";

const ADMIN = { isAdmin: true, policy: null };
const DEFAULT_POLICY = {
  allow_host_binds: false,
  allowed_host_ips: ["0.0.0.0", "::", "127.0.0.1", "::1"],
  min_host_port: 1024,
  max_host_port: 65535,
  max_containers: 0,
  max_total_memory_bytes: 0,
  max_total_nano_cpus: 0,
};

function form(patch: Partial<CreateForm>): CreateForm {
  return { ...emptyForm(), image: "nginx:1.27", ...patch };
}

describe("buildCreateBody", () => {
  it("turns a minimal form into an Image and an empty HostConfig", () => {
    expect(buildCreateBody(form({}))).toEqual({ Image: "nginx:1.27", HostConfig: {} });
  });

  it("builds every field with the engine's own names", () => {
    const body = buildCreateBody(
      form({
        image: "  registry.example:5000/team/web:2 ",
        command: `sh -c "echo hi && sleep 1000"`,
        env: [
          { id: 1, key: "MODE", value: "prod" },
          { id: 2, key: "", value: "" },
          { id: 3, key: " EMPTY ", value: "" },
          { id: 4, key: "URL", value: "a=b=c" },
        ],
        ports: [
          { id: 1, containerPort: "80", protocol: "tcp", hostIp: "", hostPort: "8080" },
          { id: 2, containerPort: "80", protocol: "tcp", hostIp: "127.0.0.1", hostPort: "8081" },
          { id: 3, containerPort: "53", protocol: "udp", hostIp: "", hostPort: "" },
        ],
        mounts: [
          { id: 1, kind: "volume", source: "data", target: "/var/lib/data", readOnly: false },
          { id: 2, kind: "bind", source: "/srv/conf", target: "/etc/conf", readOnly: true },
        ],
        network: "backend",
        restart: "on-failure",
        maxRetries: "5",
        memoryMiB: "512",
        cpus: "0.5",
        labels: [{ id: 1, key: "tier", value: "<b>web</b>" }],
      }),
    );
    expect(body).toEqual({
      Image: "registry.example:5000/team/web:2",
      Cmd: ["sh", "-c", "echo hi && sleep 1000"],
      Env: ["MODE=prod", "EMPTY=", "URL=a=b=c"],
      Labels: { tier: "<b>web</b>" },
      ExposedPorts: { "80/tcp": {}, "53/udp": {} },
      HostConfig: {
        PortBindings: {
          "80/tcp": [
            { HostIp: "", HostPort: "8080" },
            { HostIp: "127.0.0.1", HostPort: "8081" },
          ],
          "53/udp": [{ HostIp: "", HostPort: "" }],
        },
        Mounts: [
          { Type: "volume", Source: "data", Target: "/var/lib/data" },
          { Type: "bind", Source: "/srv/conf", Target: "/etc/conf", ReadOnly: true },
        ],
        NetworkMode: "backend",
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
        Memory: 512 * 1024 * 1024,
        NanoCpus: 500_000_000,
      },
      NetworkingConfig: { EndpointsConfig: { backend: {} } },
    });
  });

  it("uses the built-in networks as modes only, and sets no restart policy for 'no'", () => {
    const body = buildCreateBody(form({ network: "host", restart: "no" }));
    expect(body.HostConfig).toEqual({ NetworkMode: "host" });
    expect(body.NetworkingConfig).toBeUndefined();
    expect(buildCreateBody(form({ restart: "unless-stopped" })).HostConfig.RestartPolicy).toEqual({ Name: "unless-stopped" });
  });

  it("refuses to build a body with a reserved label or an unbalanced command", () => {
    expect(() => buildCreateBody(form({ labels: [{ id: 1, key: "io.dokkerr.team", value: "other" }] }))).toThrow(/reserved/);
    expect(() => buildCreateBody(form({ command: "echo 'oops" }))).toThrow(/not closed/);
  });
});

describe("validateForm", () => {
  it("accepts a minimal form and asks for an image", () => {
    expect(validateForm(form({}), ADMIN)).toEqual({});
    expect(validateForm(form({ image: "  " }), ADMIN).image).toMatch(/Enter the image/);
    expect(validateForm(form({ image: "a b" }), ADMIN).image).toMatch(/no spaces/);
  });

  it("checks ports are whole numbers 1–65535, refusing huge and odd numbers", () => {
    const errors = validateForm(
      form({
        ports: [
          { id: 1, containerPort: "0", protocol: "tcp", hostIp: "", hostPort: "70000" },
          { id: 2, containerPort: "99999999999999999999999", protocol: "tcp", hostIp: "", hostPort: "1e3" },
          { id: 3, containerPort: "-5", protocol: "udp", hostIp: "<script>", hostPort: "8080" },
          { id: 4, containerPort: "81", protocol: "udp", hostIp: "", hostPort: "8080" },
          { id: 5, containerPort: "82", protocol: "udp", hostIp: "", hostPort: "8080" },
        ],
      }),
      ADMIN,
    );
    expect(errors[errorKey.port(1, "containerPort")]).toBe("Container port: Enter a number from 1 to 65535.");
    expect(errors[errorKey.port(1, "hostPort")]).toBe("Host port: Enter a number from 1 to 65535.");
    expect(errors[errorKey.port(2, "containerPort")]).toBe("Container port: Enter a whole number.");
    expect(errors[errorKey.port(2, "hostPort")]).toBe("Host port: Enter a whole number.");
    expect(errors[errorKey.port(3, "containerPort")]).toBe("Container port: Enter a whole number.");
    expect(errors[errorKey.port(3, "hostIp")]).toMatch(/IPv4 or IPv6/);
    expect(errors[errorKey.port(4, "hostPort")]).toBeUndefined();
    expect(errors[errorKey.port(5, "hostPort")]).toMatch(/already used/);
  });

  it("finds duplicate environment variables and malformed names", () => {
    const errors = validateForm(
      form({
        env: [
          { id: 1, key: "A", value: "1" },
          { id: 2, key: "A ", value: "2" },
          { id: 3, key: "B=C", value: "" },
          { id: 4, key: "", value: "orphan" },
          { id: 5, key: "", value: "" },
        ],
      }),
      ADMIN,
    );
    expect(errors).toEqual({
      [errorKey.env(2, "key")]: "A is already set above.",
      [errorKey.env(3, "key")]: "A name has no '=', spaces or control characters.",
      [errorKey.env(4, "key")]: "Enter the variable's name.",
    });
  });

  it("refuses labels under io.dokkerr. in any case, and duplicates", () => {
    const errors = validateForm(
      form({
        labels: [
          { id: 1, key: "IO.Dokkerr.Team", value: "x" },
          { id: 2, key: "io.dokkerr.request", value: "x" },
          { id: 3, key: "app", value: "a" },
          { id: 4, key: "app", value: "b" },
        ],
      }),
      ADMIN,
    );
    expect(errors[errorKey.label(1, "key")]).toBe("Labels starting with io.dokkerr. are reserved for Dokkerr.");
    expect(errors[errorKey.label(2, "key")]).toBe("Labels starting with io.dokkerr. are reserved for Dokkerr.");
    expect(errors[errorKey.label(4, "key")]).toBe("app is already set above.");
  });

  it("checks memory, CPU, retries and the command", () => {
    const errors = validateForm(form({ memoryMiB: "1e400", cpus: "0.001", restart: "on-failure", maxRetries: "-1", command: "echo 'x" }), ADMIN);
    expect(errors.memory).toMatch(/Enter a number/);
    expect(errors.cpus).toBe("Enter from 0.01 to 1024 cores.");
    expect(errors.maxRetries).toMatch(/whole number/);
    expect(errors.command).toMatch(/not closed/);
    expect(memoryBytes("9999999999999999")).toBe("That is more memory than any host has.");
    expect(memoryBytes("4")).toMatch(/at least 6 MiB/);
    expect(nanoCpus("2")).toBe(2e9);
    expect(parseInteger("0012", 1, 100)).toBe(12);
  });

  it("checks mounts: absolute paths, volume names, one mount per target", () => {
    const errors = validateForm(
      form({
        mounts: [
          { id: 1, kind: "volume", source: "", target: "data" },
          { id: 2, kind: "volume", source: "../etc", target: "/d" },
          { id: 3, kind: "bind", source: "relative", target: "/d" },
        ].map((m) => ({ ...m, readOnly: false })) as CreateForm["mounts"],
      }),
      ADMIN,
    );
    expect(errors[errorKey.mount(1, "source")]).toMatch(/Choose a volume/);
    expect(errors[errorKey.mount(1, "target")]).toMatch(/absolute path/);
    expect(errors[errorKey.mount(2, "source")]).toMatch(/volume name/);
    expect(errors[errorKey.mount(3, "source")]).toMatch(/absolute host path/);
    expect(errors[errorKey.mount(3, "target")]).toMatch(/already mounted/);
  });

  it("applies the team policy to non-admins only", () => {
    const policy = { ...DEFAULT_POLICY, allowed_host_ips: ["127.0.0.1"], max_total_memory_bytes: 1024 ** 3, max_total_nano_cpus: 2e9 };
    const risky = form({
      ports: [{ id: 1, containerPort: "80", protocol: "tcp", hostIp: "", hostPort: "80" }],
      mounts: [{ id: 1, kind: "bind", source: "/etc", target: "/host-etc", readOnly: true }],
      network: "host",
    });
    const member = validateForm(risky, { isAdmin: false, policy });
    expect(member[errorKey.port(1, "hostPort")]).toBe("The team policy allows host ports 1024–65535 (min_host_port, max_host_port).");
    expect(member[errorKey.port(1, "hostIp")]).toMatch(/allows publishing on 127\.0\.0\.1 only \(allowed_host_ips\); an empty address means 0\.0\.0\.0/);
    expect(member[errorKey.mount(1, "source")]).toBe(HOST_BINDS_DENIED);
    expect(member.network).toBe(HOST_NETWORK_DENIED);
    expect(member.memory).toMatch(/max_total_memory_bytes.*set a limit/);
    expect(member.cpus).toMatch(/max_total_nano_cpus.*set a limit/);
    expect(validateForm({ ...risky, memoryMiB: "2048", cpus: "4" }, { isAdmin: false, policy }).memory).toMatch(/1\.0 GiB in all/);
    expect(validateForm(risky, { isAdmin: true, policy })).toEqual({});
  });

  it("asks for a team when the caller has to name one", () => {
    expect(validateForm(form({}), { isAdmin: false, policy: null, teamRequired: true }).team).toMatch(/Choose the team/);
  });
});

describe("policyNotes", () => {
  it("describes the limits with the policy's key names", () => {
    const notes = policyNotes({ ...DEFAULT_POLICY, max_containers: 3, default_memory_bytes: 256 * 1024 * 1024 });
    expect(notes).toContain("The team may have at most 3 containers in an environment (max_containers).");
    expect(notes).toContain("Without a memory limit the container gets 256.0 MiB (default_memory_bytes).");
    expect(notes).toContain(HOST_BINDS_DENIED);
  });
});
