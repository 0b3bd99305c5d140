// The registration form's conditional fields (progressive enhancement: without this script
// every field shows and the server ignores those the checkboxes do not ask for):
// [data-shown-when=NAME] shows while the checkbox NAME is ticked, [data-hidden-when=NAME]
// while it is not. "Existing contact" follows the chosen company through htmx (hx-get on the
// company select; the server offers that company's contacts only).
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
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-registration-form]").forEach(setup);
  });
})();
