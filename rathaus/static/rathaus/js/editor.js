// Progressive enhancement of the service editor: "add a row" without a round trip.
// Without this file the pages offer empty rows and a button that shows more.
(function () {
  "use strict";

  function renumber(node, list, from, to) {
    var old = list + "[" + from + "]";
    var fresh = list + "[" + to + "]";
    var idOld = ("in-" + old).replace(/[^A-Za-z0-9]+/g, "-");
    var idFresh = ("in-" + fresh).replace(/[^A-Za-z0-9]+/g, "-");
    node.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.split(old).join(fresh).split(idOld).join(idFresh));
      });
    });
  }

  function addRow(section, counter) {
    var rows = section.querySelectorAll("fieldset[data-row-of]");
    if (!rows.length) return;
    var last = rows[rows.length - 1];
    var list = last.getAttribute("data-row-of");
    var index = parseInt(counter.value, 10);
    var copy = last.cloneNode(true);
    renumber(copy, list, index - 1, index);
    copy.querySelectorAll("input[type=text], textarea").forEach(function (el) { el.value = ""; });
    copy.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    copy.querySelectorAll(".kern-error").forEach(function (el) { el.remove(); });
    var legend = copy.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
    last.parentNode.insertBefore(copy, last.nextSibling);
    counter.value = String(index + 1);
    var first = copy.querySelector("input[type=text], select, textarea");
    if (first) first.focus();
  }

  document.querySelectorAll("section[data-rows]").forEach(function (section) {
    var counter = section.querySelector('input[type=hidden][name^="rows:"]');
    var more = section.querySelector(".editor-more-rows");
    if (!counter || !more) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = more.className;
    button.innerHTML = '<span class="kern-label"></span>';
    button.firstChild.textContent = section.getAttribute("data-add-label") || more.textContent.trim();
    button.addEventListener("click", function () { addRow(section, counter); });
    more.parentNode.replaceChild(button, more);
  });
})();
