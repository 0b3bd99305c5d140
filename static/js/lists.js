// List filters: a request carries only the filters that are set, so the address people share
// or bookmark says what the list shows and nothing else (htmx would send every field).
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt.closest && event.detail.elt.closest("form[data-testid=filters]");
  if (!form || event.detail.verb !== "get") {
    return;
  }
  const parameters = event.detail.parameters;
  const names = parameters instanceof FormData ? Array.from(parameters.keys()) : Object.keys(parameters);
  for (const name of names) {
    const value = parameters instanceof FormData ? parameters.getAll(name) : [parameters[name]].flat();
    if (value.every((item) => item === "" || item === null || item === undefined)) {
      if (parameters instanceof FormData) {
        parameters.delete(name);
      } else {
        delete parameters[name];
      }
    }
  }
});

// Without htmx (no script, or it failed) the form submits itself: the same rule applies.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.testid !== "filters") {
    return;
  }
  for (const field of form.elements) {
    if (field.name && "value" in field && field.value === "") {
      field.disabled = true;
    }
  }
});
