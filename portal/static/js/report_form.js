/* Live figures for the report form (progressive enhancement: the form works without this).
 * Debounced, it posts the whole form (with its CSRF token) to the preview endpoint, which parses
 * the values and computes the derived figures with the scoring engine, then fills the side
 * panel, the per-field messages and the list of warnings that need an explanation. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var sequence = 0;

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(send, 400);
  }

  function send() {
    var mine = ++sequence;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && mine === sequence) { render(data); }
    }).catch(function () { /* the panel keeps its last figures; saving still works */ });
  }

  function setText(node, text) { if (node) { node.textContent = text; } }

  function renderFigures(figures) {
    figures.forEach(function (fig) {
      var box = document.querySelector('[data-figure="' + fig.key + '"]');
      if (!box) { return; }
      var value = box.querySelector(".fig-value");
      if (value && value.textContent !== fig.text) {
        value.textContent = fig.text;
        box.classList.remove("updated");
        void box.offsetWidth;
        box.classList.add("updated");
      }
    });
  }

  function renderMessages(messages) {
    var lists = document.querySelectorAll("ul[data-messages-for]");
    Array.prototype.forEach.call(lists, function (list) {
      var key = list.getAttribute("data-messages-for");
      var items = messages[key] || [];
      while (list.firstChild) { list.removeChild(list.firstChild); }
      var hasError = false;
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "msg-" + item.severity;
        li.textContent = item.text;
        if (item.severity === "error") { hasError = true; }
        list.appendChild(li);
      });
      var field = list.parentNode;
      field.classList.toggle("has-error", hasError);
      field.classList.toggle("has-warning", !hasError && items.length > 0);
    });
  }

  function renderWarnings(warnings) {
    var box = document.getElementById("warning-list");
    if (!box) { return; }
    var current = {};
    warnings.forEach(function (warning, index) {
      current[warning.code] = true;
      var item = box.querySelector('[data-code="' + CSS.escape(warning.code) + '"]');
      if (!item) {
        item = document.createElement("div");
        item.className = "warning-item";
        item.setAttribute("data-code", warning.code);
        var id = "explain-live-" + warning.code.replace(/[^a-zA-Z0-9_-]/g, "_");
        var label = document.createElement("label");
        label.setAttribute("for", id);
        var area = document.createElement("textarea");
        area.id = id;
        area.name = "explain-" + warning.code;
        area.rows = 2;
        item.appendChild(label);
        item.appendChild(area);
        box.appendChild(item);
      }
      setText(item.querySelector("label"), warning.text);
      item.classList.remove("stale");
    });
    Array.prototype.forEach.call(box.querySelectorAll(".warning-item"), function (item) {
      if (!current[item.getAttribute("data-code")]) { item.classList.add("stale"); }
    });
    var none = box.querySelector(".none-yet");
    if (none) { none.hidden = warnings.length > 0; }
  }

  function render(data) {
    renderFigures(data.figures || []);
    renderMessages(data.messages || {});
    renderWarnings(data.warnings || []);
    setText(document.getElementById("warning-count"), String((data.warnings || []).length));
    var errors = document.getElementById("error-count");
    if (errors) { errors.textContent = String(data.errors || 0); }
    form.setAttribute("data-preview-count", String(sequence));
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
