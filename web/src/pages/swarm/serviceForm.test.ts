import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../lib/swarm";
import { checkServiceForm, emptyServiceForm, formatPorts, formOf, parseConstraints, parseEnv, parsePorts, serviceNameProblem, toggleReference } from "./serviceForm";

describe("service names", () => {
  it("takes 1 to 63 letters, digits and '-', starting with a letter or digit", () => {
    expect(serviceNameProblem("web")).toBeNull();
    expect(serviceNameProblem("9-lives")).toBeNull();
    expect(serviceNameProblem("a".repeat(63))).toBeNull();
    expect(serviceNameProblem("")).toBe("Give the service a name.");
    expect(serviceNameProblem("a".repeat(64))).toMatch(/1 to 63/);
    expect(serviceNameProblem("-web")).toMatch(/starting and ending with/);
    expect(serviceNameProblem("web-")).toMatch(/starting and ending with/);
    expect(serviceNameProblem("web_1")).toMatch(/letters, digits/);
    expect(serviceNameProblem("web.1")).toMatch(/letters, digits/);
  });
});

describe("environment lines", () => {
  it("reads KEY=value lines, keeping '=' in values and skipping blanks and comments", () => {
    expect(parseEnv("A=1\n\n# note\nB=x=y\nEMPTY=\n")).toEqual({ env: { A: "1", B: "x=y", EMPTY: "" } });
  });

  it("names the line of a problem", () => {
    expect(parseEnv("A=1\nB")).toEqual({ error: "Line 2: write KEY=value." });
    expect(parseEnv("A=1\nA=2")).toEqual({ error: "Line 2: the variable A is given twice." });
    expect("error" in parseEnv("=1")).toBe(true);
    expect("error" in parseEnv("MY VAR=1")).toBe(true);
  });
});

describe("published ports", () => {
  it("reads the CLI's short form, published before target, leaving the mode to the server", () => {
    expect(parsePorts("8080:80\n53:53/udp\n9000")).toEqual({
      ports: [
        { target: 80, published: 8080, protocol: "tcp" },
        { target: 53, published: 53, protocol: "udp" },
        { target: 9000, protocol: "tcp" },
      ],
    });
  });

  it("reads the long form, with a mode", () => {
    expect(parsePorts("published=8443,target=443,mode=host")).toEqual({ ports: [{ target: 443, published: 8443, protocol: "tcp", mode: "host" }] });
    expect(parsePorts("target=53,protocol=sctp,mode=ingress")).toEqual({ ports: [{ target: 53, protocol: "sctp", mode: "ingress" }] });
    expect(parsePorts("target=53")).toEqual({ ports: [{ target: 53, protocol: "tcp" }] });
  });

  it("names the line of a problem", () => {
    expect(parsePorts("8080:80\n80:http")).toEqual({ error: "Line 2: write PUBLISHED:TARGET/PROTOCOL, such as 8080:80/tcp." });
    expect(parsePorts("70000:80")).toEqual({ error: "Line 1: the published port is a number from 1 to 65535." });
    expect(parsePorts("80/icmp")).toEqual({ error: "Line 1: the protocol is tcp, udp or sctp." });
    expect(parsePorts("8080:80\n8080:81")).toEqual({ error: "Line 2: port 8080/tcp is published twice." });
    expect(parsePorts("target=80,mode=bridge")).toEqual({ error: "Line 1: the mode is ingress or host." });
    expect("error" in parsePorts("port=80")).toBe(true);
  });

  it("writes them back in the short form when the server's default mode would give them theirs", () => {
    const ports = [
      { target: 80, published: 8080, protocol: "tcp" as const, mode: "ingress" as const },
      { target: 53, protocol: "udp" as const },
      { target: 443, published: 8443, protocol: "tcp" as const, mode: "host" as const },
    ];
    const admin = formatPorts(ports, "ingress");
    expect(admin).toBe("8080:80/tcp\n53/udp\npublished=8443,target=443,protocol=tcp,mode=host");
    expect(parsePorts(admin)).toEqual({ ports: [{ target: 80, published: 8080, protocol: "tcp" }, ports[1], ports[2]] });
    const member = formatPorts(ports, "host");
    expect(member).toBe("published=8080,target=80,protocol=tcp,mode=ingress\n53/udp\n8443:443/tcp");
  });
});

describe("constraints", () => {
  it("takes ATTRIBUTE==VALUE and ATTRIBUTE!=VALUE lines", () => {
    expect(parseConstraints("node.role==manager\n\n node.labels.zone != b ")).toEqual({ constraints: ["node.role==manager", "node.labels.zone != b"] });
    expect(parseConstraints("node.role=manager")).toEqual({
      error: "Line 1: write ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, such as node.role==manager.",
    });
    expect("error" in parseConstraints("==x")).toBe(true);
  });
});

describe("the spec", () => {
  it("sends only what a new service was given", () => {
    const form = { ...emptyServiceForm(), name: " web ", image: "nginx:1.27" };
    expect(checkServiceForm(form)).toEqual({
      spec: { name: "web", image: "nginx:1.27", mode: "replicated", replicas: 1, update: { parallelism: 1, delay_seconds: 0, order: "stop-first", failure_action: "pause" } },
    });
  });

  it("leaves replicas out of a global service", () => {
    const form = { ...emptyServiceForm(), name: "agent", image: "agent:1", mode: "global" as const, replicas: "not a number" };
    const checked = checkServiceForm(form);
    expect("spec" in checked && checked.spec.mode).toBe("global");
    expect("spec" in checked && "replicas" in checked.spec).toBe(false);
  });

  it("collects every problem at once", () => {
    const form = { ...emptyServiceForm(), replicas: "101", env: "X", ports: "x", constraints: "y", parallelism: "-1", delay: "1.5", command: "'open" };
    expect(checkServiceForm(form)).toEqual({
      problems: {
        name: "Give the service a name.",
        image: "Give the image the tasks run, such as nginx:1.27.",
        command: "A single quote (') is not closed.",
        replicas: "Replicas is a whole number from 0 to 100.",
        env: "Line 1: write KEY=value.",
        ports: "Line 1: write PUBLISHED:TARGET/PROTOCOL, such as 8080:80/tcp.",
        constraints: "Line 1: write ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, such as node.role==manager.",
        parallelism: "Parallelism is a whole number from 0 to 100.",
        delay: "The delay is a whole number from 0 to 86400.",
      },
    });
  });

  it("keeps in an edit what the form does not show, and clears what was emptied", () => {
    const base: ServiceSpec = {
      name: "web",
      image: "nginx:1.26",
      command: ["nginx", "-g", "daemon off;"],
      args: ["--verbose"],
      env: { A: "1" },
      labels: { tier: "front" },
      mode: "replicated",
      replicas: 3,
      ports: [{ target: 80, published: 8080, protocol: "tcp", mode: "ingress" }],
      mounts: [{ type: "volume", source: "data", target: "/data" }],
      networks: ["front"],
      secrets: [{ name: "tls", target: "server.pem" }],
      constraints: ["node.role==worker"],
      limits: { memory_bytes: 1 << 28 },
      update: { parallelism: 2, delay_seconds: 10, monitor_seconds: 30, max_failure_ratio: 0.2 },
      rollback: { parallelism: 1 },
      user: "nginx",
    };
    const form = formOf(base, "ingress");
    expect(form.command).toBe("nginx -g 'daemon off;'");
    expect(form.ports).toBe("8080:80/tcp");
    expect(form.env).toBe("A=1");
    const checked = checkServiceForm({ ...form, name: "ignored", image: "nginx:1.27", env: "", constraints: "", secrets: toggleReference(form.secrets, "db", true), order: "start-first" }, base);
    expect(checked).toEqual({
      spec: {
        ...base,
        image: "nginx:1.27",
        env: {},
        // In the caller's default mode: the server gives it back.
        ports: [{ target: 80, published: 8080, protocol: "tcp" }],
        constraints: [],
        secrets: [{ name: "tls", target: "server.pem" }, { name: "db" }],
        update: { parallelism: 2, delay_seconds: 10, monitor_seconds: 30, max_failure_ratio: 0.2, order: "start-first", failure_action: "pause" },
      },
    });
  });
});
