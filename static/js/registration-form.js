// The registration form's conditional fields (progressive enhancement: without this script
// every field shows and the server ignores those the checkboxes do not ask for).
//  - [data-shown-when=NAME] shows while the checkbox NAME is ticked, [data-hidden-when=NAME]
//    while it is not;
//  - "Existing contact" offers only the contacts of the chosen company (data-company).
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
      var company = form.querySelector('select[name="company"]');
      var contact = form.querySelector('select[name="contact"]');
      if (!company || !contact) return;
      Array.prototype.forEach.call(contact.options, function (option) {
        if (!option.value) return;
        var matches = option.dataset.company === company.value;
        option.hidden = !matches;
        option.disabled = !matches;
        if (!matches && option.selected) contact.value = "";
      });
    }
    form.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-registration-form]").forEach(setup);
  });
})();
