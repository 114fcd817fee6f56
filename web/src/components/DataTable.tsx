// A table of API objects. Long lists render only the rows in view (plus a margin) inside a
// scrolling box: thousands of rows cost as much as the few dozen on screen. Optional row
// selection with a checkbox per row and one for all rows, for bulk actions.

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, type ReactNode } from "react";

export interface Column<T> {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** The row's heading cell (<th scope="row">): the column that names the row. */
  rowHeader?: boolean;
  className?: string;
}

export interface Selection {
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  /** The accessible name of a row's checkbox. */
  rowLabel: (key: string) => string;
}

export interface DataTableProps<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  busy?: boolean;
  empty?: ReactNode;
  selection?: Selection;
  /** Lists longer than this render only the rows in view. */
  virtualizeAbove?: number;
  /** The height the stylesheet gives a row (.data-table td), for the virtual list's arithmetic. */
  rowHeight?: number;
}

/** A spacer row whose height is set through the CSS object model (no style attribute: CSP). */
function SpacerRow({ height, span }: { height: number; span: number }) {
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    ref.current?.style.setProperty("height", `${height}px`);
  }, [height]);
  if (height <= 0) return null;
  return (
    <tr ref={ref} aria-hidden="true" className="spacer-row">
      <td colSpan={span} />
    </tr>
  );
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  busy,
  empty,
  selection,
  virtualizeAbove = 150,
  rowHeight = 44,
}: DataTableProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = rows.length > virtualizeAbove;
  const virtualizer = useVirtualizer({
    count: virtual ? rows.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  const span = columns.length + (selection ? 1 : 0);
  const keys = rows.map(rowKey);
  const allSelected = !!selection && keys.length > 0 && keys.every((k) => selection.selected.has(k));
  const someSelected = !!selection && keys.some((k) => selection.selected.has(k));
  const allBoxRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (allBoxRef.current) allBoxRef.current.indeterminate = someSelected && !allSelected;
  }, [someSelected, allSelected]);

  const toggle = (key: string) => {
    if (!selection) return;
    const next = new Set(selection.selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    selection.onChange(next);
  };

  const renderRow = (row: T, key: string) => (
    <tr key={key} aria-selected={selection ? selection.selected.has(key) : undefined}>
      {selection ? (
        <td className="cell-select">
          <input type="checkbox" aria-label={selection.rowLabel(key)} checked={selection.selected.has(key)} onChange={() => toggle(key)} />
        </td>
      ) : null}
      {columns.map((column) =>
        column.rowHeader ? (
          <th key={column.id} scope="row" className={column.className}>
            {column.cell(row)}
          </th>
        ) : (
          <td key={column.id} className={column.className}>
            {column.cell(row)}
          </td>
        ),
      )}
    </tr>
  );

  let body: ReactNode;
  if (virtual) {
    const items = virtualizer.getVirtualItems();
    const first = items[0];
    const last = items[items.length - 1];
    const before = first ? first.start : 0;
    const after = last ? virtualizer.getTotalSize() - last.end : 0;
    body = (
      <>
        <SpacerRow height={before} span={span} />
        {items.map((item) => {
          const row = rows[item.index]!;
          return renderRow(row, keys[item.index]!);
        })}
        <SpacerRow height={after} span={span} />
      </>
    );
  } else {
    body = rows.map((row, i) => renderRow(row, keys[i]!));
  }

  return (
    <>
      <div ref={scrollRef} className={virtual ? "table-wrap table-scroll" : "table-wrap"} tabIndex={virtual ? 0 : undefined}>
        <table className="data-table" aria-busy={busy || undefined} aria-rowcount={virtual ? rows.length + 1 : undefined}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {selection ? (
                <th scope="col" className="cell-select">
                  <input
                    ref={allBoxRef}
                    type="checkbox"
                    aria-label="Select all rows"
                    checked={allSelected}
                    disabled={keys.length === 0}
                    onChange={() => selection.onChange(allSelected ? new Set() : new Set(keys))}
                  />
                </th>
              ) : null}
              {columns.map((column) => (
                <th key={column.id} scope="col" className={column.className}>
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{body}</tbody>
        </table>
      </div>
      {!busy && rows.length === 0 && empty ? <p className="muted">{empty}</p> : null}
    </>
  );
}
