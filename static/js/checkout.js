// Checkout: show only the customer fieldset that matches the chosen mode. Without JavaScript
// both fieldsets stay visible and the server uses the one the radio button names.
(function () {
  "use strict";
  function sync(form) {
    var chosen = form.querySelector('input[name="customer_mode"]:checked');
    form.querySelectorAll("[data-customer-mode]").forEach(function (fieldset) {
      fieldset.hidden = !chosen || fieldset.dataset.customerMode !== chosen.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("checkout-form");
    if (!form) {
      return;
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "customer_mode") {
        sync(form);
      }
    });
    sync(form);
  });
})();
