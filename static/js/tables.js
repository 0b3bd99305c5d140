// Phone width stacks a table's rows (static/css/portal.css), each cell under its column's name
// from its data-label. Tables whose rows the server does not label get the header's text here.
(function () {
  "use strict";

  function label(root) {
    root.querySelectorAll(".table-responsive > table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.replace(/\s+/g, " ").replace(/[▲▼]/g, "").trim();
      });
      table.querySelectorAll("tbody > tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, column) {
          if (!cell.hasAttribute("data-label") && !cell.hasAttribute("colspan") && headers[column]) {
            cell.setAttribute("data-label", headers[column]);
          }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { label(document); });
  // htmx swaps a list's results in place.
  document.addEventListener("htmx:afterSwap", function (event) { label(event.target); });
})();
