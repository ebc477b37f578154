// ruledex export: client-side search over window.RULEDEX_INDEX (search/index.js).
// Results are built with DOM methods and textContent only, never innerHTML,
// so rule text cannot become markup.
(function () {
  "use strict";
  var MAX = 200;
  function terms(q) {
    return q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
  }
  // appendMarked appends text to el with every term in a <mark>.
  function appendMarked(el, text, ts) {
    var low = text.toLowerCase();
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var i = 0; i < ts.length; i++) {
        var k = low.indexOf(ts[i], pos);
        if (k >= 0 && (best < 0 || k < best)) { best = k; len = ts[i].length; }
      }
      if (best < 0 || low.length !== text.length) {
        el.appendChild(document.createTextNode(text.slice(pos)));
        return;
      }
      if (best > pos) el.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement("mark");
      m.textContent = text.slice(best, best + len);
      el.appendChild(m);
      pos = best + len;
    }
  }
  function snippet(text, ts) {
    var low = text.toLowerCase(), at = -1;
    for (var i = 0; i < ts.length; i++) {
      var k = low.indexOf(ts[i]);
      if (k >= 0 && (at < 0 || k < at)) at = k;
    }
    if (at < 0) at = 0;
    var start = Math.max(0, at - 60), end = Math.min(text.length, start + 200);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }
  function run() {
    var idx = window.RULEDEX_INDEX || [];
    var params = new URLSearchParams(window.location.search);
    var q = params.get("q") || "";
    var input = document.getElementById("q");
    var count = document.getElementById("search-count");
    var list = document.getElementById("search-results");
    if (!input || !count || !list) return;
    input.value = q;
    var ts = terms(q);
    if (ts.length === 0) {
      count.textContent = idx.length + " rules in the index. Type words to search; every word must occur.";
      return;
    }
    var hits = [];
    for (var i = 0; i < idx.length; i++) {
      var e = idx[i];
      var title = (e.t || "").toLowerCase(), hay = title + "\n" + (e.x || "").toLowerCase() + "\n" + e.p + " " + e.l;
      var ok = true, score = 0;
      for (var j = 0; j < ts.length; j++) {
        if (hay.indexOf(ts[j]) < 0) { ok = false; break; }
        if (title.indexOf(ts[j]) >= 0) score += 10;
      }
      if (ok) hits.push({ e: e, s: score });
    }
    hits.sort(function (a, b) { return b.s - a.s; });
    count.textContent = hits.length + (hits.length === 1 ? " rule" : " rules") + (hits.length > MAX ? " (first " + MAX + " shown)" : "");
    var root = document.body.getAttribute("data-root") || "../";
    for (var h = 0; h < hits.length && h < MAX; h++) {
      var en = hits[h].e;
      var li = document.createElement("li");
      li.className = "hit";
      var a = document.createElement("a");
      a.className = "title";
      a.href = root + en.h;
      appendMarked(a, en.t || en.i, ts);
      li.appendChild(a);
      var meta = document.createElement("div");
      meta.className = "meta";
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = en.p;
      meta.appendChild(badge);
      meta.appendChild(document.createTextNode(" " + en.i));
      li.appendChild(meta);
      var p = document.createElement("p");
      p.className = "snip";
      appendMarked(p, snippet(en.x || "", ts), ts);
      li.appendChild(p);
      list.appendChild(li);
    }
  }
  document.addEventListener("DOMContentLoaded", run);
})();
