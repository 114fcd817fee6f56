import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY as DEFAULTS } from "../../test/policy";
import { describeValue, fieldInDetail, formToPolicy, POLICY_FIELDS, policyToForm, splitList } from "./PolicyFields";

describe("PolicyFields", () => {
  it("covers every key of the server's policy document, once", () => {
    expect(POLICY_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it("round-trips the server's document unchanged", () => {
    const odd = { ...DEFAULTS, max_shm_bytes: 1536 * 1024, default_memory_bytes: 3 * 2 ** 30, max_total_nano_cpus: 1_250_000_000, extra_sysctls: ["net.core.*"] };
    for (const doc of [DEFAULTS, odd]) {
      const built = formToPolicy(doc, policyToForm(doc));
      expect(built.errors).toEqual({});
      expect(built.body).toEqual(doc);
    }
  });

  it("keeps keys it does not know", () => {
    const doc = { ...DEFAULTS, future_setting: true };
    expect(formToPolicy(doc, policyToForm(doc)).body).toEqual(doc);
  });

  it("shows sizes in GiB when whole, else MiB", () => {
    const form = policyToForm({ ...DEFAULTS, max_shm_bytes: 2 ** 31, default_memory_bytes: 512 * 2 ** 20 });
    expect([form.values.max_shm_bytes, form.units.max_shm_bytes]).toEqual(["2", "GiB"]);
    expect([form.values.default_memory_bytes, form.units.default_memory_bytes]).toEqual(["512", "MiB"]);
    expect([form.values.max_total_memory_bytes, form.units.max_total_memory_bytes]).toEqual(["0", "MiB"]);
  });

  it("splits lists on commas and new lines, dropping empty entries", () => {
    expect(splitList(" a, b ,,\nc\n")).toEqual(["a", "b", "c"]);
    expect(splitList("  ")).toEqual([]);
  });

  it("refuses values outside the server's bounds", () => {
    const form = policyToForm(DEFAULTS);
    form.values.max_pids = "0";
    form.values.max_host_port = "1.5";
    form.values.max_shm_bytes = "2048";
    form.values.max_total_nano_cpus = "-1";
    form.values.allowed_runtimes = "runc, my runtime";
    const { errors } = formToPolicy(DEFAULTS, form);
    expect(Object.keys(errors).sort()).toEqual(["allowed_runtimes", "max_host_port", "max_pids", "max_shm_bytes", "max_total_nano_cpus"]);
    expect(errors.max_shm_bytes).toBe("Enter a size from 0 B to 1 TiB.");
  });

  it("refuses a port range that is upside down", () => {
    const form = policyToForm(DEFAULTS);
    form.values.min_host_port = "9000";
    form.values.max_host_port = "8000";
    expect(formToPolicy(DEFAULTS, form).errors).toEqual({ min_host_port: "The lowest port must not be above the highest." });
  });

  it("finds the field a problem's detail names, preferring the longest key", () => {
    expect(fieldInDetail("Invalid team policy: max_total_memory_bytes must be a whole number")).toBe("max_total_memory_bytes");
    expect(fieldInDetail("Invalid team policy: allow_privileged_exec must be a boolean.")).toBe("allow_privileged_exec");
    expect(fieldInDetail("something else")).toBeNull();
  });

  it("describes values for reading", () => {
    const byKey = (key: string) => POLICY_FIELDS.find((f) => f.key === key)!;
    expect(describeValue(byKey("allow_devices"), true)).toBe("Allowed");
    expect(describeValue(byKey("max_containers"), 0)).toBe("0 (no limit)");
    expect(describeValue(byKey("max_shm_bytes"), 2 ** 30)).toBe("1.0 GiB");
    expect(describeValue(byKey("max_total_nano_cpus"), 1.5e9)).toBe("1.5 CPUs");
    expect(describeValue(byKey("extra_capabilities"), [])).toBe("none");
  });
});
