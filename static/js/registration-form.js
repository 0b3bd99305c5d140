// The registration form's conditional fields (progressive enhancement: without this script
// every field shows and the server ignores those the checkboxes do not ask for):
// [data-shown-when=NAME] shows while the checkbox NAME is ticked, [data-hidden-when=NAME]
// while it is not. "Existing contact" follows the chosen company through htmx (hx-get on the
// company select; the server offers that company's contacts only). A submit whose files exceed
// what one request may carry (data-max-total-size) is stopped with the reason next to the field,
// since the server would refuse the body (413) before the form could keep anything.
(function () {
  "use strict";

  function setup(form) {
    function sync() {
      form.querySelectorAll("[data-shown-when], [data-hidden-when]").forEach(function (el) {
        var name = el.dataset.shownWhen || el.dataset.hiddenWhen;
        var box = form.querySelector('input[type=checkbox][name="' + name + '"]');
        if (!box) return;
        el.hidden = el.dataset.shownWhen ? !box.checked : box.checked;
      });
    }
    form.addEventListener("change", sync);
    sync();
    form.addEventListener("submit", function (event) {
      if (!filesFit(form)) event.preventDefault();
    });
  }

  // A body over the server's cap is refused before the form sees it (413), and the page that
  // says so has lost what was typed: stop such a submit here, say why next to the field.
  function megabytes(bytes) {
    return new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "unit", unit: "megabyte", maximumFractionDigits: 1,
    }).format(bytes / 1000000);
  }

  function filesFit(form) {
    var fits = true;
    form.querySelectorAll("input[type=file][data-max-total-size]").forEach(function (input) {
      var limit = Number(input.dataset.maxTotalSize);
      var total = 0;
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
      var error = input.parentNode.querySelector("[data-testid=too-large-" + input.name + "]");
      if (total <= limit) {
        if (error) error.remove();
        input.removeAttribute("aria-invalid");
        return;
      }
      fits = false;
      if (!error) {
        error = document.createElement("div");
        error.className = "invalid-feedback d-block";
        error.setAttribute("role", "alert");
        error.dataset.testid = "too-large-" + input.name;
        input.insertAdjacentElement("afterend", error);
      }
      error.textContent = input.dataset.tooLarge
        .replace("{total}", megabytes(total)).replace("{limit}", megabytes(limit));
      input.setAttribute("aria-invalid", "true");
      input.focus();
    });
    return fits;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-registration-form]").forEach(setup);
  });
})();
