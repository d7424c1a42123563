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
  // 世帯員の入力欄を追加: a new row from the empty form, without sending the form.
  function addMemberRow(form) {
    var total = form.querySelector('input[name="m-TOTAL_FORMS"]');
    var template = form.querySelector("template[data-member-template]");
    var rows = form.querySelector("[data-member-rows]");
    if (!total || !template || !rows) { return false; }
    var index = parseInt(total.value, 10) || 0;
    var max = parseInt((form.querySelector('input[name="m-MAX_NUM_FORMS"]') || {}).value, 10);
    if (max && index >= max) { return true; }
    var html = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    var empty = rows.querySelector("[data-no-members]");
    if (empty) { empty.remove(); }
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = rows.lastElementChild;
    var first = added && added.querySelector("input:not([type=hidden]), select");
    if (first) { first.focus(); }
    return true;
  }

  // Enter in a one-line field never sends the form by another button (adding a row,
  // say): it does what the main button does, as staff expect.
  function enterSubmitsMain(form, event) {
    if (event.key !== "Enter" || event.isComposing) { return; }
    var target = event.target;
    if (!target || target.tagName !== "INPUT" || target.type === "submit") { return; }
    var main = form.querySelector("[data-main-submit]");
    if (!main) { return; }
    event.preventDefault();
    main.click();
  }

  // On a narrow screen tables stack (kasane.css): each cell carries its column title.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { return; }
    var titles = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) { titles.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && titles[column]) {
            cell.setAttribute("data-label", titles[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table").forEach(labelCells);
    document.querySelectorAll("form[data-intake]").forEach(function (form) {
      syncVariant(form);
      var add = form.querySelector("[data-add-member]");
      if (add) {
        add.addEventListener("click", function (event) {
          if (addMemberRow(form)) { event.preventDefault(); }
        });
      }
      form.addEventListener("keydown", function (event) { enterSubmitsMain(form, event); });
      form.addEventListener("change", function (event) {
        if (event.target.name === "c-consent_state") { syncVariant(form); }
      });
    });
  });
})();
