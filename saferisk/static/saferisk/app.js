// Small behaviours shared by many pages, declared by data attributes (no inline scripts).
//
// Forms:
// - data-confirm="… {n} …": ask before submitting; {n} is the text of the element named by
//   data-confirm-count (e.g. the preview's count);
// - data-refresh="#id": for forms whose answer is a download (the page stays), reload that
//   element with the form's values a moment later and show data-done as a message;
// - data-autosubmit on a field: changing it submits its form (a <noscript> button does it
//   without JavaScript).
//
// Behaviour shared by every list page (filters in a form, results swapped in by htmx, the URL
// pushed to history):
// - "Export to Excel" links (data-export) take the filters from the address bar at the moment
//   of the click, so an export after an htmx search exports what is on screen; a value of the
//   attribute adds its own parameters (data-export="block=trend": which table of the page);
// - after Back/Forward, the filter form shows the filters of the restored address again.
(function () {
  "use strict";
  var PAGING = ["page", "after", "before", "n", "format"];

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-export]") : null;
    if (!link) { return; }
    var params = new URLSearchParams(window.location.search);
    PAGING.forEach(function (name) { params.delete(name); });
    params.set("format", "xlsx");
    new URLSearchParams(link.getAttribute("data-export") || "").forEach(function (value, name) {
      params.set(name, value);
    });
    link.href = window.location.pathname + "?" + params.toString();
  });

  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[hx-push-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.type === "submit") { return; }
        var value = params.get(field.name) || "";
        if (field.type === "checkbox") { field.checked = value !== ""; } else { field.value = value; }
        if (field.tagName === "SELECT" && field.selectedIndex < 0) { field.selectedIndex = 0; }
      });
    });
  }
  document.addEventListener("htmx:historyRestore", syncFilters);
  window.addEventListener("popstate", function () { window.setTimeout(syncFilters, 0); });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) { field.form.requestSubmit(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question) {
      var counter = document.querySelector(form.getAttribute("data-confirm-count") || "#none");
      if (!window.confirm(question.replace("{n}", counter ? counter.textContent.trim() : ""))) {
        event.preventDefault();
        return;
      }
    }
    var target = form.getAttribute("data-refresh");
    if (target && window.htmx) {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrfmiddlewaretoken");
      window.setTimeout(function () {
        window.htmx.ajax("GET", form.action + "?" + params.toString(), { target: target, select: target, swap: "outerHTML" });
        var done = form.getAttribute("data-done");
        if (done && !form.parentNode.querySelector("[data-done-note]")) {
          var note = document.createElement("div");
          note.className = "alert alert-success";
          note.setAttribute("role", "status");
          note.setAttribute("data-done-note", "");
          note.textContent = done;
          form.parentNode.insertBefore(note, form);
        }
      }, 1500);
    }
  });
})();
