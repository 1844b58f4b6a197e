// Index page: filters over the table rows (their data-* attributes). The
// filters are kept in the address (#agency=…&year=…&rule=…&sev=…&status=…),
// so a filtered view can be bookmarked or sent.
(function () {
  "use strict";
  var rows = document.querySelectorAll("#reports tbody tr");
  var keys = ["agency", "year", "rule", "sev", "status"];
  var box = {};
  keys.forEach(function (k) { box[k] = document.getElementById("f-" + k); });
  var shown = document.getElementById("shown");

  function apply() {
    var agency = box.agency.value.trim().toLowerCase();
    var year = box.year.value, rule = box.rule.value;
    var sev = box.sev.value, status = box.status.value;
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var tr = rows[i];
      var ok = true;
      if (agency && (tr.getAttribute("data-agency") || "").toLowerCase().indexOf(agency) < 0) { ok = false; }
      if (year && (tr.getAttribute("data-year") || "none") !== year) { ok = false; }
      if (status && tr.getAttribute("data-status") !== status) { ok = false; }
      var rs = " " + (tr.getAttribute("data-rs") || "") + " ";
      if (rule && sev) {
        if (rs.indexOf(" " + rule + ":" + sev + " ") < 0) { ok = false; }
      } else if (rule) {
        if (rs.indexOf(" " + rule + ":") < 0) { ok = false; }
      } else if (sev) {
        if (rs.indexOf(":" + sev + " ") < 0) { ok = false; }
      }
      tr.hidden = !ok;
      if (ok) { n++; }
    }
    shown.textContent = String(n);
  }

  function save() {
    var parts = [];
    keys.forEach(function (k) {
      var v = box[k].value.trim();
      if (v) { parts.push(k + "=" + encodeURIComponent(v)); }
    });
    var url = parts.length ? "#" + parts.join("&") : location.pathname + location.search;
    if (window.history && history.replaceState) {
      try { history.replaceState(null, "", url); } catch (e) { /* some browsers refuse on file:// */ }
    }
  }

  function load() {
    var h = location.hash.replace(/^#/, "");
    if (h.indexOf("=") < 0) { return; }
    keys.forEach(function (k) { box[k].value = ""; });
    h.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) { return; }
      var k = part.slice(0, eq), v;
      try { v = decodeURIComponent(part.slice(eq + 1)); } catch (e) { return; }
      if (box[k]) { box[k].value = v; }
    });
  }

  keys.forEach(function (k) {
    box[k].addEventListener(k === "agency" ? "input" : "change", function () { apply(); save(); });
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    keys.forEach(function (k) { box[k].value = ""; });
    apply(); save();
  });
  window.addEventListener("hashchange", function () { load(); apply(); });
  load();
  apply();
  document.documentElement.setAttribute("data-js", "ready");
})();
