import { describe, expect, it } from "vitest";
import { cidrProblem, inSubnet, ipVersion, parseLabels, teamOf } from "./resources";

describe("resources helpers", () => {
  it("tells IPv4 and IPv6 addresses from anything else", () => {
    expect(ipVersion("172.28.0.1")).toBe(4);
    expect(ipVersion("fd00:1::1")).toBe(6);
    expect(ipVersion("::1")).toBe(6);
    expect(ipVersion("::ffff:10.0.0.1")).toBe(6);
    expect(ipVersion("1:2:3:4:5:6:7:8")).toBe(6);
    for (const bad of ["", "10.0.0", "10.0.0.256", "010.0.0.1", ":1:2:3:4:5:6:7", "1::2::3", "a:::b", "1:2:3:4:5:6:7:8:9", "host", "10.0.0.1/24"]) {
      expect(ipVersion(bad), bad).toBeNull();
    }
  });

  it("checks CIDR subnets and whether a gateway lies inside", () => {
    expect(cidrProblem("172.28.0.0/16")).toBeNull();
    expect(cidrProblem("fd00:1::/64")).toBeNull();
    expect(cidrProblem("172.28.0.0")).toContain("CIDR");
    expect(cidrProblem("172.28.0.0/33")).toContain("0 to 32");
    expect(cidrProblem("fd00::/129")).toContain("0 to 128");
    expect(cidrProblem("nope/8")).toContain("not an IP address");
    expect(inSubnet("172.28.5.1", "172.28.0.0/16")).toBe(true);
    expect(inSubnet("172.29.0.1", "172.28.0.0/16")).toBe(false);
    expect(inSubnet("10.0.0.1", "10.0.0.1/32")).toBe(true);
    expect(inSubnet("192.168.1.1", "0.0.0.0/0")).toBe(true);
  });

  it("parses labels one key=value a line, refusing Dokkerr's reserved prefix in any case", () => {
    expect(parseLabels(" a = 1 \n\nb=x=y\nflag")).toEqual({ labels: { a: "1", b: "x=y", flag: "" } });
    expect(parseLabels("IO.Dokkerr.team=x")).toEqual({ error: expect.stringContaining("reserved") });
    expect(parseLabels("=v")).toEqual({ error: expect.stringContaining("Line 1") });
    expect(parseLabels("a=1\na=2")).toEqual({ error: expect.stringContaining("given twice") });
  });

  it("finds the owning team in the server's Dokkerr key or the team label", () => {
    expect(teamOf({ Labels: { "io.dokkerr.team": "t-1" } })).toBe("t-1");
    expect(teamOf({ Labels: { "io.dokkerr.team": "t-1" }, Dokkerr: { team: "t-2" } })).toBe("t-2");
    expect(teamOf({ Labels: null })).toBe("");
  });
});
