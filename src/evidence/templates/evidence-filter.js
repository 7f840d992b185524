/* evidence: the full page's filters, inlined into index.html (nothing is fetched).
   Without this script the page shows every study, grouped; with it, the form filters by
   topic, condition, evidence level, design, route, years and words, and sorts by level or
   year. The filter state lives in the address (?topic=&condition=&level=...), so a link to
   a filtered list works, and links of that form inside the page filter in place.
   (This file is included by a Jinja template: it must not contain a brace followed by a
   percent sign, a hash or another brace.) */
(function () {
  "use strict";
  // Run from the page's head: before the list is parsed, let items off screen skip layout
  // until scrolled to (what keeps a filter over 10,000 studies quick). Set here rather than
  // in the page's CSS, which the HTML checker validates against a CSS level without it.
  var base = document.createElement("style");
  base.textContent =
    "#ev-studies li.ev-study{content-visibility:auto;contain-intrinsic-size:auto 5em}" +
    "#ev-studies .ev-level{content-visibility:auto;contain-intrinsic-size:auto 40em}";
  document.head.appendChild(base);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

function start() {
  var form = document.getElementById("ev-filters");
  var root = document.getElementById("ev-studies");
  var status = document.getElementById("ev-count");
  if (!form || !root || !status || !window.URLSearchParams || !document.querySelectorAll) {
    return;
  }
  var FIELDS = ["topic", "condition", "level", "design", "route", "from", "to", "q", "sort"];
  var topics = Array.prototype.slice.call(root.querySelectorAll(".ev-topic"));
  var items = [];
  var groups = [];  // {box, head, topic, included, count}
  var byYear = [];  // per topic: the group that holds its studies when sorted by year
  var tIds = [], tHeads = [], tCounts = [];

  topics.forEach(function (section, t) {
    tIds.push(section.getAttribute("data-topic"));
    tHeads.push(section.querySelector("h3.ev-head"));
    tCounts.push(0);
    var boxes = section.querySelectorAll(".ev-level, .ev-excluded");
    Array.prototype.forEach.call(boxes, function (box) {
      var g = groups.length;
      groups.push({
        box: box,
        head: box.querySelector(".ev-head"),
        topic: t,
        included: box.classList.contains("ev-level"),
        count: 0
      });
      Array.prototype.forEach.call(box.querySelectorAll("li.ev-study"), function (li, k) {
        items.push({
          li: li,
          pmid: li.id.slice(li.id.lastIndexOf("-") + 1),
          topic: tIds[t],
          t: t,
          group: g,
          home: li.parentNode,
          order: k,
          c: " " + (li.getAttribute("data-c") || "") + " ",
          l: li.getAttribute("data-l") || "",
          d: li.getAttribute("data-d") || "",
          y: parseInt(li.getAttribute("data-y"), 10) || 0,
          r: li.getAttribute("data-r") || "",
          text: null,
          shown: true
        });
      });
    });
    byYear.push(null);
  });
  var total = parseInt(status.getAttribute("data-total"), 10) || 0;
  var sortedBy = "level";

  function values() {
    var v = {};
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      v[name] = el ? String(el.value || "").trim() : "";
    });
    return v;
  }

  function yearGroup(t) {
    if (byYear[t] === null) {
      var section = document.createElement("section");
      section.className = "ev-level ev-by-year";
      section.setAttribute("aria-label", tHeads[t].getAttribute("data-label") + ": newest first");
      var head = document.createElement("h4");
      head.className = "ev-head";
      head.setAttribute("data-label", "All included studies, newest first");
      var list = document.createElement("ol");
      list.className = "ev-list";
      section.appendChild(head);
      section.appendChild(list);
      var first = topics[t].querySelector(".ev-level");
      topics[t].insertBefore(section, first);
      byYear[t] = groups.length;
      groups.push({box: section, head: head, topic: t, included: true, count: 0, list: list});
    }
    return byYear[t];
  }

  function sort(order) {
    if (order === sortedBy) {
      return;
    }
    var included = items.filter(function (it) { return groups[it.group].included; });
    if (order === "year") {
      included.sort(function (a, b) { return b.y - a.y || a.group - b.group || a.order - b.order; });
      included.forEach(function (it) { groups[yearGroup(it.t)].list.appendChild(it.li); });
    } else {
      included.sort(function (a, b) { return a.group - b.group || a.order - b.order; });
      included.forEach(function (it) { it.home.appendChild(it.li); });
    }
    sortedBy = order;
  }

  // Which studies show is decided by one generated style rule (attribute selectors on the
  // data-* of each item): no per-item DOM writes, so a filter over 10,000 studies stays
  // quick. Only the word search, which no selector can express, marks items one by one.
  var rule = document.createElement("style");
  document.head.appendChild(rule);

  function attr(name, value) {
    return "[" + name + "=\"" + (window.CSS && CSS.escape ? CSS.escape(value) : value) + "\"]";
  }

  function apply() {
    var v = values();
    var cond = v.condition.split(":");
    var topic = v.topic || (v.condition ? cond[0] : "");
    var condition = v.condition ? cond.slice(1).join(":") : "";
    var padded = " " + condition + " ";
    var from = parseInt(v.from, 10) || 0, to = parseInt(v.to, 10) || 0;
    var words = v.q.toLowerCase().split(/\s+/).filter(Boolean);
    var order = v.sort === "year" ? "year" : "level";
    sort(order);
    var g, t, i, it, match, matched = new Set(), years = new Set();
    for (g = 0; g < groups.length; g++) { groups[g].count = 0; }
    for (t = 0; t < tCounts.length; t++) { tCounts[t] = 0; }
    for (i = 0; i < items.length; i++) {
      it = items[i];
      match = (!topic || it.topic === topic) &&
        (!condition || it.c.indexOf(padded) >= 0) &&
        (!v.level || it.l === v.level) &&
        (!v.design || it.d === v.design) &&
        (!v.route || it.r === v.route) &&
        (!from || (it.y && it.y >= from)) &&
        (!to || (it.y && it.y <= to));
      if ((from || to) && match) {
        years.add(it.y);
      }
      var found = true;
      if (match && words.length) {
        if (it.text === null) {
          it.text = it.li.textContent.toLowerCase();
        }
        for (var w = 0; w < words.length && found; w++) {
          found = it.text.indexOf(words[w]) >= 0;
        }
      }
      if (it.shown !== (found || !match)) {  // items the rule hides need no mark
        it.shown = found || !match;
        it.li.hidden = !it.shown;
      }
      if (match && found) {
        var home = groups[it.group].included && order === "year" ? byYear[it.t] : it.group;
        groups[home].count++;
        if (groups[it.group].included) {
          tCounts[it.t]++;
          matched.add(it.pmid);
        }
      }
    }
    var wanted = "";
    if (condition) { wanted += "[data-c~=\"" + (window.CSS ? CSS.escape(condition) : condition) + "\"]"; }
    if (v.level) { wanted += attr("data-l", v.level); }
    if (v.design) { wanted += attr("data-d", v.design); }
    if (v.route) { wanted += attr("data-r", v.route); }
    if (from || to) {
      wanted += ":is(" + (years.size ? Array.from(years).map(function (y) {
        return attr("data-y", String(y));
      }).join(",") : "[data-y=\"none\"]") + ")";
    }
    var text = wanted ? "#ev-studies li.ev-study:not(" + wanted + "){display:none}" : "";
    if (rule.textContent !== text) {
      rule.textContent = text;
    }
    var filtering = !!(topic || condition || v.level || v.design || v.route || from || to ||
      words.length);
    for (g = 0; g < groups.length; g++) {
      var group = groups[g];
      var inactive = group.included && (order === "year") !== (byYear[group.topic] === g);
      var hide = inactive || (filtering && group.count === 0);
      if (group.box.hidden !== hide) { group.box.hidden = hide; }
      label(group.head, group.count);
    }
    for (t = 0; t < topics.length; t++) {
      var none = filtering && tCounts[t] === 0;
      if (topics[t].hidden !== none) { topics[t].hidden = none; }
      label(tHeads[t], tCounts[t]);
    }
    var n = matched.size;
    status.textContent = filtering
      ? "Showing " + n.toLocaleString("en") + " of " + total.toLocaleString("en") +
        (total === 1 ? " study." : " studies.")
      : "Showing all " + total.toLocaleString("en") + (total === 1 ? " study." : " studies.");
    var params = new URLSearchParams();
    var shown = {topic: topic, condition: condition};
    FIELDS.forEach(function (name) {
      var value = name in shown ? shown[name] : v[name];
      if (value && !(name === "sort" && value === "level")) {
        params.set(name, value);
      }
    });
    var query = params.toString();
    if (window.history && history.replaceState) {
      history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash);
    }
  }

  function label(head, count) {
    if (head) {
      head.textContent = head.getAttribute("data-label") + " (" + count.toLocaleString("en") +
        ")" + (head.getAttribute("data-suffix") || "");
    }
  }

  function load(search) {
    var params = new URLSearchParams(search);
    form.reset();
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      var value = params.get(name);
      if (!el || value === null) {
        return;
      }
      if (name === "condition") {
        value = (params.get("topic") || "") + ":" + value;
      }
      el.value = value;
    });
    if (params.get("condition") && form.elements.topic) {
      form.elements.topic.value = "";  // the condition names its topic
    }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  document.addEventListener("click", function (event) {
    var a = event.target.closest ? event.target.closest("a[href^='?']") : null;
    if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    load(a.getAttribute("href").split("#")[0]);
    apply();
    root.scrollIntoView();
  });
  form.hidden = false;
  load(location.search);
  apply();
}
})();
