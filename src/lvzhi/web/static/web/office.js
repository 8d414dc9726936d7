// The office's pages: "select all" boxes and confirmations, bound here because the Content-Security-Policy
// forbids inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("input[data-select-all]")) {
    box.addEventListener("change", () => {
      for (const b of box.closest("table").querySelectorAll("input[name=evaluation]")) b.checked = box.checked;
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
