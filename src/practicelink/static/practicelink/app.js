/* Phones show list tables (`table.cards`) as one card a row: each cell gets its column's
   heading as `data-label`, which app.css prints beside the value. Without this script the
   tables keep scrolling sideways inside themselves. Runs on the page and on every part htmx
   swaps in (the proposals list's results, a team row). The ARIA roles keep the table a
   table for screen readers, which drop its meaning once its parts are shown as blocks. */
function labelCells(root) {
  const tables = new Set(root.querySelectorAll("table.cards"));
  const around = root.closest && root.closest("table.cards");
  if (around) tables.add(around);
  for (const table of tables) {
    const headings = Array.from(table.querySelectorAll("thead th"), (th) =>
      th.textContent.replace(/[\u2191\u2193]/g, "").trim(),
    );
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        row.setAttribute("role", "row");
        let column = 0; // a cell spanning columns (a total, a note) gets no label
        for (const cell of row.cells) {
          if (cell.colSpan === 1) cell.dataset.label = headings[column] || "";
          cell.setAttribute("role", "cell");
          column += cell.colSpan;
        }
      }
    }
    table.setAttribute("role", "table");
    for (const group of table.querySelectorAll(":scope > thead, :scope > tbody")) {
      group.setAttribute("role", "rowgroup");
    }
    for (const row of table.tHead?.rows || []) row.setAttribute("role", "row");
    for (const th of table.querySelectorAll("thead th")) th.setAttribute("role", "columnheader");
    table.classList.add("labelled");
  }
}
htmx.onLoad(labelCells);
