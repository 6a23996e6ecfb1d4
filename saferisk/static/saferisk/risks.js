// Risk register pages: method panels of the risk form, toggled sections, added measure rows,
// "select all" on the register. Plain JS, no inline handlers (CSP).
(function () {
  "use strict";

  function showMethod(form) {
    var checked = form.querySelector("input[name=method]:checked");
    var method = checked ? checked.value : "";
    form.querySelectorAll("[data-method-panel]").forEach(function (panel) {
      var on = panel.getAttribute("data-method-panel") === method;
      panel.hidden = !on;
      panel.querySelectorAll("select, input").forEach(function (el) { el.disabled = !on; });
    });
    // Direct grading is itself a level chosen by hand: no second, "overriding" level.
    var override = form.querySelector("#override-block");
    if (override) override.hidden = method === "direct";
  }

  function init(root) {
    var form = root.querySelector("#risk-form");
    if (form && !form.dataset.ready) {
      form.dataset.ready = "1";
      showMethod(form);
      form.addEventListener("change", function (event) {
        if (event.target.matches("[data-method-switch]")) {
          showMethod(form);
          // The preview request htmx sent on this change went out before the panel was
          // enabled: ask again now that the chosen method's values are posted.
          if (window.htmx) window.htmx.trigger(form, "assess");
        }
        var target = event.target.getAttribute("data-toggle-target");
        if (target) {
          var section = form.querySelector(target);
          if (section) section.hidden = !event.target.checked;
        }
      });
      form.querySelectorAll("[data-add-row]").forEach(function (button) {
        button.addEventListener("click", function () {
          var rows = form.querySelector(button.getAttribute("data-add-row"));
          var last = rows.lastElementChild;
          var copy = last.cloneNode(true);
          copy.querySelectorAll("input").forEach(function (el) { el.value = ""; });
          rows.appendChild(copy);
          var input = copy.querySelector("input");
          if (input) input.focus();
        });
      });
      // Panels of the other methods are disabled, so only the chosen method's values are posted.
    }
    root.querySelectorAll("[data-check-all]").forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-check-all");
        var scope = box.closest("form") || document;
        scope.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (el) {
          el.checked = box.checked;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target.ownerDocument || document); });
})();
