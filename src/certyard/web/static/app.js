// Progressive enhancement only: every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // Choosing a purpose reloads the dialog so key lengths and hashes follow the purpose;
  // the node picked in the dialog goes along, so the choice is never lost.
  const purpose = document.getElementById("purpose-select");
  if (purpose && purpose.form) {
    purpose.addEventListener("change", () => {
      const node = document.getElementById("node-select");
      const hidden = purpose.form.querySelector("input[name=node]");
      if (node && hidden) hidden.value = node.value;
      // What was typed so far (common name, SANs, distribution) goes along too.
      const generate = document.getElementById("generate-form");
      for (const carry of purpose.form.querySelectorAll("input[data-carry]")) {
        const field = generate && generate.elements.namedItem(carry.dataset.carry);
        if (field) carry.value = field.value;
      }
      purpose.form.submit();
    });
  }
  // Ask before any form marked data-confirm is sent (the text names the effect).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
  // Copy buttons: copy the text of the element named by data-copy.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = "Copied";
      } catch (err) {
        const range = document.createRange();
        range.selectNodeContents(source);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }
});
