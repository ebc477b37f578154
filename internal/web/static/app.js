// ruledex: the theme toggle, "/" to search, and a copy button for rule
// bodies. Every page works without JavaScript.
(function () {
  "use strict";
  var root = document.documentElement;
  var key = "ruledex-theme";
  try {
    var saved = localStorage.getItem(key);
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (e) { /* storage may be unavailable */ }
  function current() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("theme");
    if (b) {
      b.addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem(key, next); } catch (e) { /* ignore */ }
      });
    }
    // "/" focuses the search box, as on most sites.
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      var q = document.querySelector("form[role=search] input[type=search]");
      if (q) { ev.preventDefault(); q.focus(); q.select(); }
    });
    // Copy buttons: copy the text of the element named by data-copy, without line numbers.
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (ev) {
        var btn = ev.currentTarget;
        var el = document.getElementById(btn.getAttribute("data-copy"));
        if (!el || !navigator.clipboard) return;
        navigator.clipboard.writeText(el.textContent).then(function () {
          var old = btn.textContent;
          btn.textContent = "copied";
          setTimeout(function () { btn.textContent = old; }, 1500);
        });
      });
    }
  });
})();
