// Long operations (imports, report reading, uploads) show that they are running and cannot be sent twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset) { return; }
    if (form.dataset.actionPerRound && form.elements.round) {
      // One import form for every round: the chosen round goes into the URL.
      form.action = form.dataset.actionPerRound.replace("/0/", "/" + form.elements.round.value + "/");
    }
    if (!form.dataset.progress) { return; }
    var button = form.querySelector("button[type=submit]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; button.textContent = form.dataset.progress; }, 0);
    }
  });
})();

// A select marked data-autosubmit sends its form when changed (instead of an inline onchange handler,
// which the Content-Security-Policy forbids).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.dataset && "autosubmit" in field.dataset && field.form) { field.form.submit(); }
  });
})();
