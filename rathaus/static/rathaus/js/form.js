// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function fieldValue(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === "radio") {
      for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) return inputs[i].value;
      return "";
    }
    if (first.type === "checkbox") {
      var values = [];
      for (var j = 0; j < inputs.length; j++) if (inputs[j].checked) values.push(inputs[j].value);
      return inputs.length === 1 ? (values.length ? "yes" : "") : values;
    }
    return first.value;
  }

  function matches(actual, expected) {
    if (typeof expected === "boolean") return actual === (expected ? "yes" : "no");
    if (Array.isArray(actual)) return actual.indexOf(String(expected)) !== -1;
    return String(actual) === String(expected);
  }

  function holds(cond, form, scope) {
    if (cond.all) return cond.all.every(function (c) { return holds(c, form, scope); });
    if (cond.any) return cond.any.some(function (c) { return holds(c, form, scope); });
    if (cond.not) return !holds(cond.not, form, scope);
    var value = fieldValue(form, scope + cond.field);
    if (value === undefined) value = fieldValue(form, cond.field);
    if (value === undefined) return true; // answered on another step: the server decided
    if ("filled" in cond) return (Array.isArray(value) ? value.length > 0 : value !== "") === cond.filled;
    if ("in" in cond) return cond["in"].some(function (item) { return matches(value, item); });
    if ("not_equals" in cond) return !matches(value, cond.not_equals);
    return matches(value, cond.equals);
  }

  function update(form) {
    var nodes = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var cond;
      try { cond = JSON.parse(node.getAttribute("data-show-if")); } catch (e) { continue; }
      node.hidden = !holds(cond, form, node.getAttribute("data-scope") || "");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    var forms = document.querySelectorAll("form.application-form");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        update(form);
        form.addEventListener("change", function () { update(form); });
        form.addEventListener("input", function () { update(form); });
        var group = form.getAttribute("data-focus");
        if (group && !summary) {
          var items = form.querySelectorAll("#" + group + " .repeat-group__item");
          var last = items[items.length - 1];
          var input = last && last.querySelector("input:not([type=hidden]), select, textarea");
          if (input) input.focus();
        }
      })(forms[i]);
    }
  });
})();
