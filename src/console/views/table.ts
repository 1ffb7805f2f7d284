import { html, type Interpolation, type SafeHtml } from '../html.js';

/** One column of a table: its header and what each row shows under it. */
export interface Column<T> {
  /** The header; on a narrow screen, where a row's cells stack, also shown above each cell. */
  label: string;
  /** A header for screen readers only (a column of buttons), and none above its cells. */
  hideLabel?: boolean;
  className?: string;
  cell: (row: T) => Interpolation;
}

export interface TableSpec<T> {
  className: string;
  /** The table's accessible name, when the page has several tables and no caption names it. */
  label?: string;
  caption?: Interpolation;
  columns: readonly Column<T>[];
  rows: readonly T[];
  /** The row's own attributes (an id, data-*), for links to it and for tests. */
  rowAttributes?: (row: T) => SafeHtml;
}

function cellAttributes<T>(column: Column<T>): SafeHtml {
  const classAttribute = column.className === undefined ? '' : html` class="${column.className}"`;
  return html`${classAttribute}${column.hideLabel ? '' : html` data-label="${column.label}"`}`;
}

/**
 * A table of rows under named columns. Each cell carries its column's name in `data-label`, which
 * the stylesheet shows above the cell at phone width, where the header row is hidden and a row's
 * cells stack: a figure is never shown without what it counts.
 */
export function dataTable<T>(spec: TableSpec<T>): SafeHtml {
  const { columns } = spec;
  const labelAttribute = spec.label === undefined ? '' : html` aria-label="${spec.label}"`;
  const tableAttributes = html`class="${spec.className}"${labelAttribute}`;
  return html`<table ${tableAttributes}>
    ${
      spec.caption === undefined
        ? ''
        : html`<caption>
            ${spec.caption}
          </caption>`
    }
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c.hideLabel ? html`<span class="visually-hidden">${c.label}</span>` : c.label}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${spec.rows.map(
        (row) =>
          html`<tr${spec.rowAttributes === undefined ? '' : html` ${spec.rowAttributes(row)}`}>
            ${columns.map((c) => html`<td${cellAttributes(c)}>${c.cell(row)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
