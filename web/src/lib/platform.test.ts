import { describe, expect, it } from "vitest";
import { buildUrl } from "./api";
import { auditQuery, fileStamp, localTimeToRfc3339 } from "./platform";

describe("platform helpers", () => {
  it("puts the audit filters in a fixed order and leaves out empty ones", () => {
    const query = auditQuery(
      { until: "2026-02-01T00:00:00Z", action: " users.* ", actor_id: "", result: "denied", org_id: "o-1" },
      { limit: 50, cursor: "abc" },
    );
    expect(buildUrl("/api/v1/audit", query)).toBe("/api/v1/audit?action=users.*&result=denied&org_id=o-1&until=2026-02-01T00%3A00%3A00Z&limit=50&cursor=abc");
    expect(buildUrl("/api/v1/audit/export", auditQuery({}))).toBe("/api/v1/audit/export");
  });

  it("turns a datetime-local value into RFC 3339 UTC", () => {
    expect(localTimeToRfc3339("")).toBeUndefined();
    expect(localTimeToRfc3339("not a time")).toBeUndefined();
    expect(localTimeToRfc3339("2026-03-04T05:06")).toBe(new Date(2026, 2, 4, 5, 6).toISOString().replace(".000Z", "Z"));
    expect(localTimeToRfc3339("2026-03-04T05:06:07")).toMatch(/:07Z$/);
  });

  it("makes file-name-safe stamps", () => {
    expect(fileStamp(new Date(Date.UTC(2026, 0, 31, 12, 0, 5, 250)))).toBe("2026-01-31T12-00-05Z");
  });
});
