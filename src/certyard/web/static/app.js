// Progressive enhancement only: every page works without it.
// Choosing a purpose reloads the dialog so key lengths and hashes follow the purpose.
document.addEventListener("DOMContentLoaded", () => {
  for (const id of ["purpose-select"]) {
    const el = document.getElementById(id);
    if (el && el.form) el.addEventListener("change", () => el.form.submit());
  }
  // Ask before any form marked data-confirm is sent.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
});
