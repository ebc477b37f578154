// ruledex export: the server's search, run in the browser over the files of
// search/ (made by internal/web/staticsearch.go from the store's own index):
// words (every one must occur), "phrases", -not, prefix*, OR, column:word,
// and facets (facet=KEY=VALUE, values of one facet ORed, facets ANDed). A
// word is folded and stemmed as SQLite FTS5's tokenizer does it
// ("porter unicode61 remove_diacritics 2 tokenchars '._/-'",
// https://sqlite.org/fts5.html#tokenizers), so that it finds the terms of
// the index. Results are built with DOM methods and textContent only, never
// innerHTML, so rule text cannot become markup.
(function () {
  "use strict";
  var PER_PAGE = 50;
  var S = {};
  var index = null, terms = {}, facets = {}, texts = {}, parsed = {};
  var waiting = {};
  // The data files call these.
  S.index = function (ix) { index = ix; };
  S.terms = function (key, m) { terms[key] = m; };
  S.facet = function (name, m) { facets[name] = m; };
  S.text = function (n, a) { texts[n] = a; };
  window.RULEDEX_SEARCH = S;

  // siteRoot is the site's root relative to this page, from this script's
  // address (ROOT/static/search.js).
  function siteRoot() {
    var s = document.querySelector("script[src*='search.js']");
    var src = s ? s.getAttribute("src") : "../static/search.js";
    return src.replace(/static\/search\.js.*$/, "");
  }
  function searchBase() { return siteRoot() + "search/"; }
  // load runs the script at path (under search/) once; the promise ends
  // when it has run.
  function load(path) {
    if (waiting[path]) return waiting[path];
    waiting[path] = new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = searchBase() + path;
      el.onload = function () { resolve(); };
      el.onerror = function () { reject(new Error("cannot load " + path)); };
      document.head.appendChild(el);
    });
    return waiting[path];
  }

  // ---- the tokenizer: unicode61, tokenchars '._/-', remove_diacritics 2
  var tokenChar = /[\p{L}\p{N}\p{Co}\p{Mn}._\/-]/u;
  var sepOnly = /^[._\/-]+$/;
  function tokens(s) {
    var out = [], cur = "";
    for (var ch of s) {
      if (tokenChar.test(ch)) { cur += ch; continue; }
      if (cur && !sepOnly.test(cur)) out.push(cur);
      cur = "";
    }
    if (cur && !sepOnly.test(cur)) out.push(cur);
    return out;
  }
  function parts(tok) {
    if (!/[._\/-]/.test(tok)) return null;
    var ps = tok.split(/[._\/-]+/).filter(function (p) { return p.length > 0; });
    if (ps.length === 1 && ps[0] === tok) return null;
    return ps;
  }
  function fold(s) {
    var out = "";
    for (var ch of s.toLowerCase()) {
      if (ch.charCodeAt(0) < 128) { out += ch; continue; }
      if (/\p{Mn}/u.test(ch)) continue;
      var d = ch.normalize("NFD");
      var base = d.replace(/[\u0300-\u036f]/g, "");
      out += base.length === 1 ? base : ch;
    }
    return out;
  }

  // ---- SQLite FTS5's porter stemmer (ext/fts5/fts5_tokenize.c), on the
  // token's UTF-8 bytes as there.
  var enc = new TextEncoder(), dec = new TextDecoder();
  function isV(c, y) { return c === 97 || c === 101 || c === 105 || c === 111 || c === 117 || (y && c === 121); }
  function gobble(z, at, n, prevCons) {
    var i, cons = prevCons;
    for (i = 0; i < n; i++) { cons = !isV(z[at + i], cons); if (!cons) break; }
    for (i++; i < n; i++) { cons = !isV(z[at + i], cons); if (cons) return i + 1; }
    return 0;
  }
  function mGt0(z, n) { return gobble(z, 0, n, false) !== 0; }
  function mGt1(z, n) { var k = gobble(z, 0, n, false); return k !== 0 && gobble(z, k, n - k, true) !== 0; }
  function mEq1(z, n) { var k = gobble(z, 0, n, false); return k !== 0 && gobble(z, k, n - k, true) === 0; }
  function oStar(z, n) {
    var l = z[n - 1];
    if (l === 119 || l === 120 || l === 121) return false;
    var mask = 0, cons = false;
    for (var i = 0; i < n; i++) { cons = !isV(z[i], cons); mask = ((mask << 1) + (cons ? 1 : 0)) & 0xffff; }
    return (mask & 7) === 5;
  }
  function mGt1ST(z, n) { return (z[n - 1] === 115 || z[n - 1] === 116) && mGt1(z, n); }
  function hasV(z, n) { for (var i = 0; i < n; i++) if (isV(z[i], i > 0)) return true; return false; }
  function rules(list, cond) {
    return list.map(function (r) { return { s: Array.from(enc.encode(r[0])), r: Array.from(enc.encode(r[1])), c: r[2] || cond, ret: r[3] }; });
  }
  var step2 = rules([["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"], ["izer", "ize"], ["logi", "log"],
    ["bli", "ble"], ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"], ["ization", "ize"], ["ation", "ate"],
    ["ator", "ate"], ["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"], ["aliti", "al"],
    ["iviti", "ive"], ["biliti", "ble"]], mGt0);
  var step3 = rules([["ical", "ic"], ["ness", ""], ["icate", "ic"], ["iciti", "ic"], ["ful", ""], ["ative", ""], ["alize", "al"]], mGt0);
  var step4 = rules([["al", ""], ["ance", ""], ["ence", ""], ["er", ""], ["ic", ""], ["able", ""], ["ible", ""], ["ant", ""],
    ["ement", ""], ["ment", ""], ["ent", ""], ["ion", "", mGt1ST], ["ou", ""], ["ism", ""], ["ate", ""], ["iti", ""],
    ["ous", ""], ["ive", ""], ["ize", ""]], mGt1);
  var step1b = rules([["eed", "ee", mGt0, false], ["ed", "", hasV, true], ["ing", "", hasV, true]]);
  var step1b2 = rules([["at", "ate", null, true], ["bl", "ble", null, true], ["iz", "ize", null, true]]);
  // apply runs the first rule of a step whose suffix ends the word (the
  // generated switch of fts5_tokenize.c: one suffix tried, its condition
  // checked); it returns the new length and whether the rule says so.
  function apply(z, n, step) {
    for (var k = 0; k < step.length; k++) {
      var r = step[k], m = r.s.length;
      if (n <= m || z[n - 2] !== r.s[m - 2]) continue;
      var ok = true;
      for (var i = 0; i < m; i++) if (z[n - m + i] !== r.s[i]) { ok = false; break; }
      if (!ok) continue;
      if (r.c && !r.c(z, n - m)) return [n, false];
      for (var j = 0; j < r.r.length; j++) z[n - m + j] = r.r[j];
      return [n - m + r.r.length, !!r.ret];
    }
    return [n, false];
  }
  function stem(tok) {
    var z = Array.from(enc.encode(tok)), n = z.length;
    if (n > 64 || n < 3) return tok;
    // Step 1A.
    if (z[n - 1] === 115) {
      if (z[n - 2] === 101) {
        if ((n > 4 && z[n - 4] === 115 && z[n - 3] === 115) || (n > 3 && z[n - 3] === 105)) n -= 2; else n -= 1;
      } else if (z[n - 2] !== 115) n -= 1;
    }
    var r = apply(z, n, step1b);
    n = r[0];
    if (r[1]) {
      var r2 = apply(z, n, step1b2);
      n = r2[0];
      if (!r2[1]) {
        var c = z[n - 1];
        if (!isV(c, false) && c !== 108 && c !== 115 && c !== 122 && c === z[n - 2]) n--;
        else if (mEq1(z, n) && oStar(z, n)) z[n++] = 101;
      }
    }
    if (z[n - 1] === 121 && hasV(z, n - 1)) z[n - 1] = 105; // Step 1C.
    n = apply(z, n, step2)[0];
    n = apply(z, n, step3)[0];
    n = apply(z, n, step4)[0];
    if (z[n - 1] === 101 && (mGt1(z, n - 1) || (mEq1(z, n - 1) && !oStar(z, n - 1)))) n--; // Step 5a.
    if (n > 1 && z[n - 1] === 108 && z[n - 2] === 108 && mGt1(z, n - 1)) n--; // Step 5b.
    return dec.decode(new Uint8Array(z.slice(0, n)));
  }
  function term(tok) { return stem(fold(tok)); }
  S.stem = term;

  // ---- the query language (internal/store/text.go parseQuery)
  var columns = { title: 0, description: 1, query: 2, fields: 3, field: 3, values: 4, value: 4, vals: 4, meta: 5 };
  function isSpace(c) { return c === " " || c === "\t" || c === "\n" || c === "\r"; }
  // parseQuery returns the terms of q; ts.open is where a quote is left
  // open (-1: none), which the server answers as an error (store.CheckQuery).
  function parseQuery(q) {
    var ts = [], or = false, i = 0;
    ts.open = -1;
    while (i < q.length) {
      var start = i, c = q[i];
      if (isSpace(c)) { i++; continue; }
      var t = { text: "", phrase: false, prefix: false, neg: false, or: or, column: -1, colName: "" };
      or = false;
      if (c === "-" && i + 1 < q.length && !isSpace(q[i + 1])) { t.neg = true; i++; }
      var rest = q.slice(i), j = rest.search(/[: \t"]/);
      if (j > 0 && rest[j] === ":") {
        var col = rest.slice(0, j).toLowerCase();
        if (Object.prototype.hasOwnProperty.call(columns, col)) { t.column = columns[col]; t.colName = col; i += j + 1; }
      }
      if (i < q.length && q[i] === "\"") {
        var end = q.indexOf("\"", i + 1);
        if (end < 0) { t.text = q.slice(i + 1); ts.open = i; i = q.length; } else { t.text = q.slice(i + 1, end); i = end + 1; }
        t.phrase = true;
      } else {
        var e = q.slice(i).search(/[ \t\r\n]/);
        if (e < 0) e = q.length - i;
        t.text = q.slice(i, i + e); i += e;
      }
      if (i < q.length && q[i] === "*") { i++; t.prefix = true; }
      if (i === start) i++;
      if (!t.phrase && /\*$/.test(t.text)) { t.text = t.text.replace(/\*+$/, ""); t.prefix = true; }
      if (!t.phrase && !t.neg && t.column < 0 && t.text === "OR") { or = ts.length > 0; continue; }
      if (tokens(t.text).length === 0) continue;
      ts.push(t);
    }
    return ts;
  }

  // ---- the index
  function shardKey(tm) {
    var b = enc.encode(tm), h = "";
    for (var i = 0; i < Math.min(2, b.length); i++) h += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return h;
  }
  // shardsOf returns the shard keys that may hold tm (or, for a prefix,
  // terms starting with it).
  function shardsOf(tm, prefix) {
    var k = shardKey(tm);
    if (!prefix || k.length >= 4) return index.shards.indexOf(k) >= 0 ? [k] : [];
    return index.shards.filter(function (s) { return s.slice(0, k.length) === k; });
  }
  // places decodes a term's postings: doc → column → positions.
  function places(tm) {
    if (parsed[tm]) return parsed[tm];
    var m = terms[shardKey(tm)], s = m && m[tm], out = new Map();
    if (s) {
      var doc = 0;
      s.split(";").forEach(function (ent) {
        var re = /([0-9a-z]+)|([A-G])|,/g, mm, col = -1, last = 0, cols = {}, first = true;
        while ((mm = re.exec(ent)) !== null) {
          if (mm[1] !== undefined) {
            var v = parseInt(mm[1], 36);
            if (first) { doc += v; first = false; } else { last += v; cols[col].push(last); }
          } else if (mm[2] !== undefined) { col = mm[2].charCodeAt(0) - 65; cols[col] = []; last = 0; }
        }
        out.set(doc, cols);
      });
    }
    parsed[tm] = out;
    return out;
  }
  // placesPrefix merges the places of every term starting with tm.
  function placesPrefix(tm) {
    var out = new Map();
    shardsOf(tm, true).forEach(function (k) {
      var m = terms[k] || {};
      Object.keys(m).forEach(function (t) {
        if (t.slice(0, tm.length) !== tm) return;
        places(t).forEach(function (cols, d) {
          var o = out.get(d);
          if (!o) { o = {}; out.set(d, o); }
          Object.keys(cols).forEach(function (c) { o[c] = (o[c] || []).concat(cols[c]); });
        });
      });
    });
    return out;
  }
  // phrase returns the docs (a Set) where the terms occur in a row in one
  // of the columns (all when cols is null); the last may be a prefix.
  function phrase(tms, prefix, cols) {
    var ps = tms.map(function (tm, i) { return prefix && i === tms.length - 1 ? placesPrefix(tm) : places(tm); });
    var out = new Set();
    ps[0].forEach(function (c0, d) {
      for (var i = 1; i < ps.length; i++) if (!ps[i].has(d)) return;
      for (var c in c0) {
        if (cols !== null && cols.indexOf(+c) < 0) continue;
        var first = c0[c];
        for (var a = 0; a < first.length; a++) {
          var ok = true;
          for (var k = 1; k < ps.length && ok; k++) {
            var pk = ps[k].get(d)[c];
            ok = !!pk && pk.indexOf(first[a] + k) >= 0;
          }
          if (ok) { out.add(d); return; }
        }
      }
    });
    return out;
  }
  // The term's phrases: its tokens whole, and, for a token with
  // separators, its parts in the parts column, or the metadata's, which
  // holds its own parts (store's ftsTerm).
  function termPlan(t) {
    var toks = tokens(t.text), split = [];
    toks.forEach(function (tok) { var p = parts(tok); split = split.concat(p || [tok]); });
    var cols = t.column >= 0 ? [t.column] : null;
    var plan = [{ tms: toks.map(term), cols: cols }];
    var splitOK = t.column < 0 || t.colName === "query" || t.column === 2 || t.column === 4 || t.column === 3;
    if (split.length !== toks.length && splitOK) plan.push({ tms: split.map(term), cols: t.column < 0 ? [5, 6] : [6] });
    return plan;
  }
  function shardsFor(ts) {
    var ks = {};
    ts.forEach(function (t) {
      termPlan(t).forEach(function (p) {
        p.tms.forEach(function (tm, i) { shardsOf(tm, t.prefix && i === p.tms.length - 1).forEach(function (k) { ks[k] = 1; }); });
      });
    });
    return Object.keys(ks);
  }
  function evalTerm(t) {
    var out = new Set();
    termPlan(t).forEach(function (p) { phrase(p.tms, t.prefix, p.cols).forEach(function (d) { out.add(d); }); });
    return out;
  }
  function intersect(a, b) { var o = new Set(); a.forEach(function (d) { if (b.has(d)) o.add(d); }); return o; }

  // ---- actions (internal/store/actions.go match): a one-word search also
  // finds the rules that look at the action it names.
  function isAlnum(c) { return /[0-9A-Za-z]/.test(c); }
  function partialMatches(full, p, match) {
    switch (match) {
      case "startswith": return full.slice(0, p.length) === p;
      case "endswith": return p.length <= full.length && full.slice(full.length - p.length) === p;
      case "contains": return full.indexOf(p) >= 0;
      case "has":
        for (var from = 0; p !== "" && from <= full.length - p.length;) {
          var i = full.indexOf(p, from);
          if (i < 0) return false;
          var end = i + p.length;
          if ((i === 0 || !isAlnum(full[i - 1]) || !isAlnum(p[0])) && (end === full.length || !isAlnum(full[end]) || !isAlnum(p[p.length - 1]))) return true;
          from = i + 1;
        }
    }
    return false;
  }
  function actionDocs(value) {
    var v = value.trim().toLowerCase(), out = new Set();
    if (v === "") return out;
    var provider = "", id = v, sp = v.lastIndexOf(" ");
    if (sp > 0) { provider = v.slice(0, sp).trim(); id = v.slice(sp + 1); }
    var digits = /^[0-9]+$/.test(id);
    var vt = v.replace(/\.$/, "");
    var partOf = v.length >= 3 && /[\/.:]/.test(v);
    index.actions.forEach(function (a) {
      var space = a[0], val = a[1], match = a[2], d = a[3];
      if (match !== "") { if (partialMatches(v, val, match)) out.add(d); return; }
      if (space === "windows") {
        var wid = val.slice(val.indexOf(":") + 1);
        if (digits && wid === id && (provider === "" || val.slice(0, provider.length + 1) === provider + ":")) out.add(d);
        return;
      }
      if (val === v || (vt !== v && space === "entra" && val === vt) || (partOf && val !== v && partialMatches(val, v, "has"))) out.add(d);
    });
    return out;
  }

  // facetsOf reads facet=KEY=VALUE (and the server's f=KEY:VALUE) from the
  // page's parameters.
  function facetsOf(params) {
    var out = [];
    ["facet", "f"].forEach(function (name) {
      params.getAll(name).forEach(function (f) {
        var i = f.search(/[=:]/);
        if (i > 0) out.push({ key: f.slice(0, i).trim().toLowerCase(), value: f.slice(i + 1) });
      });
    });
    return out;
  }

  // search returns a promise of the docs matching q and facets: positive
  // terms ANDed (OR between terms joined by it: AND binds first), less
  // the docs of any negative term; no positive term means every rule less
  // those.
  function search(q, fs) {
    var ts = parseQuery(q);
    if (ts.open >= 0) {
      return Promise.reject(new Error("unterminated quote at character " + (ts.open + 1) +
        " of the search: a \"phrase\" needs its closing quote"));
    }
    var need = shardsFor(ts).map(function (k) { return load("t/" + k + ".js"); });
    fs.forEach(function (f) { if (index.facets.indexOf(f.key) >= 0) need.push(load("f/" + f.key + ".js")); });
    return Promise.all(need).then(function () {
      var pos = ts.filter(function (t) { return !t.neg; }), neg = ts.filter(function (t) { return t.neg; });
      var result;
      if (pos.length > 0) {
        var groups = [], cur = null;
        pos.forEach(function (t) {
          var s = evalTerm(t);
          if (cur === null || t.or) { if (cur !== null) groups.push(cur); cur = s; } else cur = intersect(cur, s);
        });
        groups.push(cur);
        result = new Set();
        groups.forEach(function (g) { g.forEach(function (d) { result.add(d); }); });
      } else {
        result = new Set();
        for (var d = 0; d < index.docs.length; d++) result.add(d);
      }
      neg.forEach(function (t) { evalTerm(t).forEach(function (d) { result.delete(d); }); });
      if (ts.length === 1 && !ts[0].neg && !ts[0].prefix && ts[0].column < 0) {
        actionDocs(ts[0].text).forEach(function (d) { result.add(d); });
      }
      var byKey = {};
      fs.forEach(function (f) { (byKey[f.key] = byKey[f.key] || []).push(f.value.trim().toLowerCase()); });
      Object.keys(byKey).forEach(function (k) {
        var m = facets[k] || {}, ok = new Set();
        byKey[k].forEach(function (v) {
          var s = m[v];
          if (!s) return;
          var d = 0;
          s.split(",").forEach(function (x) { d += parseInt(x, 36); ok.add(d); });
        });
        result = intersect(result, ok);
      });
      return { terms: ts, docs: result };
    });
  }
  // ids runs a search and returns the ids of the rules it finds (for tests).
  S.ids = function (q, fs) {
    return start().then(function () { return search(q, fs || []); }).then(function (r) {
      var out = [];
      r.docs.forEach(function (d) { out.push(index.docs[d][0]); });
      return out.sort();
    });
  };
  function start() { return index ? Promise.resolve() : load("index.js"); }

  // ---- ranking and snippets
  // A rule found by its metadata alone (column 5: a technique's name, a
  // tag) ranks after the others, as the store's rankRange ranks it.
  var weights = [10, 4, 1, 2, 2, 3, 0.5];
  function score(d, ts) {
    var s = 0, own = false;
    ts.forEach(function (t) {
      if (t.neg) return;
      termPlan(t)[0].tms.forEach(function (tm) {
        var cols = places(tm).get(d);
        if (cols) for (var c in cols) { s += weights[c] * cols[c].length; if (+c !== 5) own = true; }
      });
    });
    return own ? s + 1e6 : s;
  }
  // marks returns the [start, end) ranges of text whose tokens are terms of
  // the search.
  function marks(text, ts) {
    var want = [];
    ts.forEach(function (t) {
      if (t.neg) return;
      termPlan(t).forEach(function (p) { p.tms.forEach(function (tm, i) { want.push({ tm: tm, prefix: t.prefix && i === p.tms.length - 1 }); }); });
    });
    var out = [], re = /[\p{L}\p{N}\p{Co}\p{Mn}._\/-]+/gu, m;
    while ((m = re.exec(text)) !== null) {
      var pieces = [{ s: m[0], at: m.index }];
      // a compound token's parts match too (the parts column)
      var sub = /[^._\/-]+/g, mm;
      while ((mm = sub.exec(m[0])) !== null) if (mm[0] !== m[0]) pieces.push({ s: mm[0], at: m.index + mm.index });
      for (var i = 0; i < pieces.length; i++) {
        var tm = term(pieces[i].s);
        var hit = want.some(function (w) { return w.prefix ? tm.slice(0, w.tm.length) === w.tm : tm === w.tm; });
        if (hit) { out.push([pieces[i].at, pieces[i].at + pieces[i].s.length]); break; }
      }
    }
    return out;
  }
  // snippet cuts the part of the rule's texts (query, description, title)
  // where the search matched first, with its marks.
  function snippet(d, ts) {
    var tx = texts[Math.floor(d / index.textn)], t = tx ? tx[d % index.textn] : ["", ""];
    var cands = [t[1] || "", t[0] || "", index.docs[d][1] || ""];
    for (var i = 0; i < cands.length; i++) {
      var ms = marks(cands[i], ts);
      if (ms.length === 0) continue;
      var text = cands[i], from = Math.max(0, ms[0][0] - 80), to = Math.min(text.length, from + 240);
      while (from > 0 && /[\p{L}\p{N}]/u.test(text[from - 1])) from--;
      var out = { text: text.slice(from, to), marks: [], pre: from > 0, post: to < text.length };
      ms.forEach(function (m) { if (m[0] >= from && m[1] <= to) out.marks.push([m[0] - from, m[1] - from]); });
      return out;
    }
    var desc = t[0] || "";
    return { text: desc.slice(0, 240), marks: [], pre: false, post: desc.length > 240 };
  }
  function appendMarked(el, sn) {
    var pos = 0;
    if (sn.pre) el.appendChild(document.createTextNode("…"));
    sn.marks.forEach(function (m) {
      if (m[0] < pos) return;
      if (m[0] > pos) el.appendChild(document.createTextNode(sn.text.slice(pos, m[0])));
      var k = document.createElement("mark");
      k.textContent = sn.text.slice(m[0], m[1]);
      el.appendChild(k);
      pos = m[1];
    });
    el.appendChild(document.createTextNode(sn.text.slice(pos) + (sn.post ? "…" : "")));
  }

  function run() {
    var params = new URLSearchParams(window.location.search);
    var q = params.get("q") || "";
    var fs = facetsOf(params);
    var page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    var input = document.getElementById("q");
    var count = document.getElementById("search-count");
    var list = document.getElementById("search-results");
    var chips = document.getElementById("search-facets");
    var pager = document.getElementById("search-pager");
    if (!input || !count || !list) return;
    input.value = q;
    if (chips) {
      fs.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = f.key + "=" + f.value + " ";
        var a = document.createElement("a");
        var p2 = new URLSearchParams(params);
        p2.delete("facet"); p2.delete("f"); p2.delete("page");
        fs.forEach(function (g) { if (g !== f) p2.append("facet", g.key + "=" + g.value); });
        a.href = "?" + p2.toString();
        a.textContent = "×";
        a.setAttribute("aria-label", "remove " + f.key + "=" + f.value);
        li.appendChild(a);
        chips.appendChild(li);
      });
      // the facets ride along with the next search
      var form = document.getElementById("search-form");
      fs.forEach(function (f) {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "facet"; h.value = f.key + "=" + f.value;
        if (form) form.appendChild(h);
      });
    }
    if (q.trim() === "" && fs.length === 0) {
      start().then(function () {
        count.textContent = index.docs.length + " rules in the index. Words must all occur; \"a phrase\", -word, word*, a OR b, title:word; facet=KEY=VALUE in the address.";
      });
      return;
    }
    start().then(function () { return search(q, fs); }).then(function (r) {
      var hits = [];
      r.docs.forEach(function (d) { hits.push({ d: d, s: score(d, r.terms) }); });
      hits.sort(function (a, b) { return b.s - a.s || a.d - b.d; });
      var from = (page - 1) * PER_PAGE, shown = hits.slice(from, from + PER_PAGE);
      count.textContent = hits.length + (hits.length === 1 ? " rule" : " rules") +
        (hits.length > PER_PAGE ? " (" + (from + 1) + "–" + (from + shown.length) + ")" : "");
      var need = {};
      shown.forEach(function (h) { need[Math.floor(h.d / index.textn)] = 1; });
      return Promise.all(Object.keys(need).map(function (n) { return load("x/" + n + ".js"); })).then(function () {
        shown.forEach(function (h) {
          var en = index.docs[h.d];
          var li = document.createElement("li");
          li.className = "hit";
          var a = document.createElement("a");
          a.className = "title";
          a.href = siteRoot() + (en[3] || "rules/" + en[0] + "/index.html");
          appendMarked(a, { text: en[1] || en[0], marks: marks(en[1] || en[0], r.terms), pre: false, post: false });
          li.appendChild(a);
          var meta = document.createElement("div");
          meta.className = "meta";
          var badge = document.createElement("span");
          badge.className = "badge p-" + en[2];
          badge.textContent = en[2];
          meta.appendChild(badge);
          meta.appendChild(document.createTextNode(" " + en[0]));
          li.appendChild(meta);
          var p = document.createElement("p");
          p.className = "snip";
          appendMarked(p, snippet(h.d, r.terms));
          li.appendChild(p);
          list.appendChild(li);
        });
        if (pager && hits.length > PER_PAGE) {
          [[page - 1, "← previous"], [page + 1, "next →"]].forEach(function (x) {
            if (x[0] < 1 || (x[0] - 1) * PER_PAGE >= hits.length) return;
            var p3 = new URLSearchParams(params);
            p3.set("page", String(x[0]));
            var a = document.createElement("a");
            a.href = "?" + p3.toString();
            a.textContent = x[1];
            pager.appendChild(a);
            pager.appendChild(document.createTextNode(" "));
          });
        }
      });
    }).catch(function (e) {
      count.textContent = "Cannot search: " + e.message;
    });
  }
  document.addEventListener("DOMContentLoaded", run);
})();
