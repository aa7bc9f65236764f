// The project form. Drafts never get lost: the form is saved on the server as the member works
// (a few seconds after typing stops, at once when a field changes) with a visible "saved at
// HH:MM"; when a save cannot reach the server, the login has expired or the page is stale, the
// form is kept in this browser (localStorage), the member is told what to do, and the kept form
// is put back when the page is opened again. Also: budget rows added and removed in place with
// a live total, the count of ordered items, a filter for the menu, confirmations.
// Without this script the page still works: the save button posts the form, a spare budget row
// is there to fill in, and a need box appears (through CSS) when its item is ticked.
(function () {
  "use strict";

  var form = document.getElementById("project-form");
  if (!form) { return; }
  var d = form.dataset;
  var statusEl = document.getElementById("save-status");
  var table = document.getElementById("budget-table");
  var tbody = table.tBodies[0];
  var totalEl = document.getElementById("budget-total");
  var countEl = document.getElementById("items-count");
  var DELAY = 3000, MAX_WAIT = 15000, RETRY = 20000;
  var timer = null, retryTimer = null, firstChange = 0, inflight = null, lastSaved = null, proceeding = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? values[name] : whole; });
  }

  // ---- what the form holds --------------------------------------------------------------------

  function entries() {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "action" && typeof value === "string") { out.push([name, value]); }
    });
    return out;
  }

  function serialize() { return JSON.stringify(entries()); }

  function keep(version) {
    try {
      localStorage.setItem(d.storageKey, JSON.stringify({ version: version || d.version, at: Date.now(), entries: entries() }));
    } catch (e) { /* storage full or turned off: the status line still says what happened */ }
  }

  function forget() {
    try { localStorage.removeItem(d.storageKey); } catch (e) { /* nothing kept */ }
  }

  function kept() {
    try { return JSON.parse(localStorage.getItem(d.storageKey) || "null"); } catch (e) { return null; }
  }

  // ---- status line and problems beside their fields -------------------------------------------

  function setStatus(text, failed, withLogin) {
    statusEl.textContent = text || "";
    statusEl.classList.toggle("failed", !!failed);
    if (withLogin) {
      var link = document.createElement("a");
      link.href = d.loginUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = d.msgLoginLink;
      statusEl.append(" ", link);
    }
  }

  function clearProblems() {
    form.querySelectorAll(".js-problem").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[data-js-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      el.removeAttribute("data-js-invalid");
    });
  }

  function showProblems(problems) {
    clearProblems();
    Object.keys(problems || {}).forEach(function (name) {
      var text = problems[name].join("；");
      var box = form.querySelector('[data-problems-for="' + name + '"]');
      var el = form.elements.namedItem(name);
      if (box || !el || el instanceof RadioNodeList) {
        var p = document.createElement("p");
        p.className = "field-error js-problem";
        p.setAttribute("role", "alert");
        p.textContent = text;
        (box || statusEl.parentNode).append(p);
        return;
      }
      var small = document.createElement("small");
      small.className = "field-error js-problem";
      small.id = name + "-js-error";
      small.textContent = text;
      el.insertAdjacentElement("afterend", small);
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", small.id);
      el.setAttribute("data-js-invalid", "");
    });
  }

  // A problem the server showed goes away once its field is edited.
  function clearServerError(el) {
    if (!el.getAttribute || el.getAttribute("aria-invalid") !== "true" || el.hasAttribute("data-js-invalid")) { return; }
    var note = document.getElementById(el.getAttribute("aria-describedby") || "");
    if (note && note.classList.contains("field-error")) { note.remove(); }
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }

  // ---- saving ---------------------------------------------------------------------------------

  function token() {
    var field = form.elements.namedItem("csrf_token");
    return field ? field.value : "";
  }

  function updateIds(ids) {
    Object.keys(ids || {}).forEach(function (index) {
      var field = form.elements.namedItem("budget-" + index + "-id");
      if (field && !field.value) { field.value = String(ids[index]); }
    });
  }

  function retryLater() {
    if (!retryTimer) {
      retryTimer = setTimeout(function () { retryTimer = null; save(false); }, RETRY);
    }
  }

  // Resolves to "saved", "unchanged", "invalid" (a submitted project must stay complete),
  // "refused" (e.g. after the deadline), or "blocked" (login expired, stale page, offline:
  // posting the form now would lose it).
  function save(force) {
    if (inflight) { return inflight.then(function () { return save(force); }); }
    var body = serialize();
    if (!force && body === lastSaved) { return Promise.resolve("unchanged"); }
    clearTimeout(timer);
    timer = null;
    firstChange = 0;
    setStatus(d.msgSaving);
    var data = new FormData(form);
    data.delete("action");
    inflight = fetch(d.saveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) { return answered(response.status, json, body); });
    }, function () {
      keep();
      setStatus(d.msgOffline, true);
      retryLater();
      return "blocked";
    }).then(function (outcome) {
      inflight = null;
      return outcome;
    });
    return inflight;
  }

  function answered(status, json, body) {
    if (status === 200 && json.saved) {
      var untouched = serialize() === body;
      updateIds(json.budget_ids);
      lastSaved = untouched ? serialize() : body;
      d.version = json.version;
      showProblems(json.problems);
      var hint = document.getElementById("submit-hint");
      if (hint) { hint.hidden = !!json.submit_ready; }
      if (Object.keys(json.problems || {}).length) {
        keep(json.version);  // what could not be stored stays in this browser
        setStatus(fill(d.msgPartly, { t: json.saved_at }), true);
      } else {
        forget();
        setStatus(fill(d.msgSaved, { t: json.saved_at }));
      }
      if (!untouched) { schedule(); }
      return "saved";
    }
    keep(json.version);
    if (status === 401) {
      setStatus(d.msgLogin, true, true);
      retryLater();
      return "blocked";
    }
    if (status === 422) {
      lastSaved = body;  // the server has seen it; send again once it changes
      showProblems(json.problems);
      setStatus(json.error, true);
      return "invalid";
    }
    setStatus(json.error || d.msgOffline, true);
    return status === 400 || !json.error ? "blocked" : "refused";
  }

  function schedule() {
    var now = Date.now();
    if (!firstChange) { firstChange = now; }
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, Math.max(0, Math.min(DELAY, firstChange + MAX_WAIT - now)));
  }

  // ---- budget rows, item counts, menu filter --------------------------------------------------

  function rowIndex(row) {
    var field = row.querySelector("input[name$='-what']");
    var m = field && field.name.match(/^budget-(\d+)-/);
    return m ? parseInt(m[1], 10) : -1;
  }

  function newRow(index) { return window.gongyiRows.create(table, index); }

  function fen(text) {
    var m = text.replace(/[,，\s¥￥]/g, "").match(/^(\d+)(?:\.(\d{1,2}))?$/);
    return m ? parseInt(m[1], 10) * 100 + (m[2] ? parseInt((m[2] + "0").slice(0, 2), 10) : 0) : null;
  }

  function yuan(amount) {
    var whole = String(Math.floor(amount / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return whole + "." + String(amount % 100).padStart(2, "0");
  }

  function updateTotal() {
    var total = 0;
    tbody.querySelectorAll("input[name$='-amount']").forEach(function (el) {
      var amount = fen(el.value.trim());
      if (amount !== null) { total += amount; }
    });
    totalEl.textContent = yuan(total);
  }

  function updateCounts() {
    var n = form.querySelectorAll("input[name='items']:checked").length;
    countEl.textContent = fill(d.msgCount, { n: n, min: d.minItems, max: d.maxItems });
    document.querySelectorAll(".menu-category").forEach(function (group) {
      var chosen = group.querySelectorAll("input[name='items']:checked").length;
      group.querySelector("[data-chosen]").textContent = chosen ? fill(d.msgChosen, { n: chosen }) : "";
    });
  }

  function restore(list) {
    var values = {};
    list.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var rows = {};
    Object.keys(values).forEach(function (name) {
      var m = name.match(/^budget-(\d+)-/);
      if (m) { rows[m[1]] = true; }
    });
    Array.prototype.slice.call(tbody.rows).forEach(function (row) {
      if (!rows[rowIndex(row)]) { row.remove(); }
    });
    Object.keys(rows).forEach(function (index) {
      if (!form.elements.namedItem("budget-" + index + "-what")) { tbody.append(newRow(index)); }
    });
    Array.prototype.slice.call(tbody.rows)
      .sort(function (a, b) { return rowIndex(a) - rowIndex(b); })
      .forEach(function (row) { tbody.append(row); });
    if (!tbody.rows.length) { tbody.append(newRow(0)); }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "submit" || el.type === "button") { return; }
      if (el.type === "checkbox") {
        el.checked = (values[el.name] || []).indexOf(el.value) >= 0;
        if (el.checked) { el.closest("details").open = true; }
      } else if (el.name in values) {
        el.value = values[el.name][0];
      }
    });
    tbody.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
    updateCounts();
    updateTotal();
  }

  // ---- wiring ---------------------------------------------------------------------------------

  table.addEventListener("rows-changed", function () { updateTotal(); save(false); });  // rows: site.js

  var filter = document.getElementById("menu-filter");
  filter.hidden = false;
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    document.querySelectorAll(".menu-category").forEach(function (group) {
      var any = false;
      group.querySelectorAll(".pick").forEach(function (pick) {
        var hit = !q || pick.dataset.search.indexOf(q) >= 0 || pick.querySelector("input").checked;
        pick.hidden = !hit;
        any = any || (hit && !!q);
      });
      group.hidden = !!q && !any;
      if (q && any) { group.open = true; }
    });
  });

  form.addEventListener("input", function (event) {
    if (event.target === filter) { return; }
    clearServerError(event.target);
    updateTotal();
    updateCounts();
    schedule();
  });
  form.addEventListener("change", function (event) {
    if (event.target === filter) { return; }
    updateCounts();
    save(false);
  });

  // Posting a form leaves the page: first make sure the server has the project form, and stay
  // here (with the form kept in this browser) when it cannot.
  document.addEventListener("submit", function (event) {
    if (proceeding || event.defaultPrevented) { return; }
    var target = event.target;
    var submitter = event.submitter;
    if (target !== form && serialize() === lastSaved) { return; }
    event.preventDefault();
    save(target === form).then(function (outcome) {
      if (outcome === "blocked") { return; }
      proceeding = true;
      target.requestSubmit(submitter || undefined);
    });
  });

  window.addEventListener("pagehide", function () {
    if (serialize() !== lastSaved) { keep(); }
  });

  // ---- start: what the server has, then anything kept in this browser -------------------------

  lastSaved = serialize();
  updateCounts();
  updateTotal();
  if (document.getElementById("problems")) { window.scrollTo(0, 0); }  // the list of problems, not where the browser was
  var saved = kept();
  if (saved && saved.entries) {
    if (saved.version === d.version) {
      restore(saved.entries);
      if (serialize() !== lastSaved) {
        setStatus(d.msgRestored);
        save(false);
      }
    } else {
      var ask = document.getElementById("restore-prompt");
      ask.querySelector("[data-text]").textContent = fill(d.msgAsk, { t: new Date(saved.at).toLocaleString() });
      ask.hidden = false;
      ask.addEventListener("click", function (event) {
        var choice = event.target.getAttribute("data-restore");
        if (!choice) { return; }
        ask.hidden = true;
        if (choice === "yes") {
          restore(saved.entries);
          save(false);
        } else {
          forget();
        }
      });
    }
  }
}());
