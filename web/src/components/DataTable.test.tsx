import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DataTable, type Column } from "./DataTable";

interface Row {
  id: string;
  name: string;
}

const columns: Column<Row>[] = [{ id: "name", header: "Name", rowHeader: true, cell: (r) => r.name }];
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: `container-${i}` }));

describe("DataTable", () => {
  afterEach(cleanup);

  it("renders a short list whole", () => {
    render(<DataTable caption="Short" columns={columns} rows={rows(20)} rowKey={(r) => r.id} />);
    expect(screen.getAllByRole("row")).toHaveLength(21);
  });

  it("renders only the rows in view of a long list, and says how many there are", () => {
    // jsdom lays nothing out: give the scrolling box the height a screen would.
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(800);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(1000);
    const { container } = render(<DataTable caption="Long" columns={columns} rows={rows(5000)} rowKey={(r) => r.id} />);
    const table = screen.getByRole("table");
    expect(table.getAttribute("aria-rowcount")).toBe("5001");
    const shown = container.querySelectorAll("tbody tr:not(.spacer-row)").length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(100);
    expect(screen.getByText("container-0")).toBeTruthy();
    expect(screen.queryByText("container-4999")).toBeNull();
  });

  it("selects rows one by one or all at once", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(
      <DataTable
        caption="Selectable"
        columns={columns}
        rows={rows(3)}
        rowKey={(r) => r.id}
        selection={{ selected: new Set(["c1"]), onChange, rowLabel: (key) => `Select ${key}` }}
      />,
    );
    const all = screen.getByRole("checkbox", { name: "Select all rows" }) as HTMLInputElement;
    expect(all.indeterminate).toBe(true);
    await user.click(screen.getByRole("checkbox", { name: "Select c2" }));
    expect([...onChange.mock.calls[0]![0]].sort()).toEqual(["c1", "c2"]);
    await user.click(all);
    expect([...onChange.mock.calls[1]![0]].sort()).toEqual(["c0", "c1", "c2"]);
    expect(within(screen.getAllByRole("row")[2]!).getByRole("checkbox")).toBeTruthy();
  });
});
