// Review page: pointing at a finding outlines the cells it names.
(function () {
  "use strict";
  var cells = document.querySelectorAll("td[data-cell]");
  function named(list) {
    var want = {};
    list.split(" ").forEach(function (id) { if (id) { want[id] = true; } });
    var found = [];
    for (var i = 0; i < cells.length; i++) {
      if (want[cells[i].getAttribute("data-cell")] === true) { found.push(cells[i]); }
    }
    return found;
  }
  var items = document.querySelectorAll("li[data-cells]");
  for (var i = 0; i < items.length; i++) {
    (function (li) {
      var targets = named(li.getAttribute("data-cells"));
      li.addEventListener("mouseenter", function () {
        targets.forEach(function (c) { c.classList.add("focus"); });
      });
      li.addEventListener("mouseleave", function () {
        targets.forEach(function (c) { c.classList.remove("focus"); });
      });
    })(items[i]);
  }
  document.documentElement.setAttribute("data-js", "ready");
})();
