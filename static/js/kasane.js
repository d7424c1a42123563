// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // 相談受付票: show the part of the form for the chosen consent variant.
  function syncVariant(form) {
    var checked = form.querySelector('input[name="c-consent_state"]:checked');
    var variant = checked ? (checked.value === "given" ? "given" : "without") : "";
    form.querySelectorAll("[data-variant]").forEach(function (el) {
      el.hidden = variant !== "" && el.getAttribute("data-variant") !== variant;
    });
    var title = document.querySelector("[data-variant-title]");
    if (title && variant) {
      title.textContent = variant === "given"
        ? "相談受付票（本人同意あり）"
        : "相談受付票（本人同意なし・未確認）";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-intake]").forEach(function (form) {
      syncVariant(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "c-consent_state") { syncVariant(form); }
      });
    });
  });
})();
