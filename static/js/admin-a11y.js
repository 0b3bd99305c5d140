// Accessible names Django admin's own markup leaves out (axe-core's "label", "select-name",
// "aria-input-field-name" and "aria-prohibited-attr" rules; tests/browser/test_accessibility.py):
// - the controls of tabular inlines and of list_editable changelists stand in table cells whose
//   only label is the column header: each gets the header's text, and the row's, as its name;
// - the select2 boxes of autocomplete fields name themselves after an empty placeholder: they get
//   the label of the select they replace;
// - the help icons of the two-box selects carry an aria-label on a plain span: they become images.
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameTableControls(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var headers = Array.prototype.map.call(
        table.querySelectorAll("thead th"), function (th) { return text(th); });
      table.querySelectorAll("tbody tr").forEach(function (row, index) {
        var cells = row.querySelectorAll(":scope > td, :scope > th");
        var rowName = text(row.querySelector(":scope > th")) || String(index + 1);
        cells.forEach(function (cell, column) {
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
            if (control.labels && control.labels.length) return;
            if (control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby")) return;
            var header = headers[column] || headers[column - (cells.length - headers.length)] || "";
            if (header) control.setAttribute("aria-label", header + " (" + rowName + ")");
          });
        });
      });
    });
  }

  function labelOf(select) {
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    return text(label).replace(/:$/, "");
  }

  function nameSelect2(container) {
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    var name = labelOf(select);
    if (!name) return;
    container.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field')
      .forEach(function (element) {
        element.removeAttribute("aria-labelledby");
        element.setAttribute("aria-label", name);
      });
    // select2 puts the clear button (a span) straight into a <ul>: the list is only layout.
    container.querySelectorAll("ul.select2-selection__rendered").forEach(function (list) {
      list.setAttribute("role", "presentation");
    });
  }

  function nameHelpIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function fix(root) {
    nameTableControls(root);
    nameHelpIcons(root);
    root.querySelectorAll(".select2-container").forEach(nameSelect2);
  }

  // select2 and the two-box selects are built by scripts that run on DOMContentLoaded (and
  // again when an inline row is added): fix what they add as they add it.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        if (node.classList.contains("select2-container")) nameSelect2(node);
        else if (node.querySelector && node.querySelector(".select2-container, span.help-tooltip, table")) fix(node);
        else if (node.matches && node.matches("span.help-tooltip[aria-label]")) node.setAttribute("role", "img");
      });
    });
    nameTableControls(document);
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () { fix(document); });
})();
