// Keyboard grading on a grid (#grid li[data-sha256]) inside a page with #grading:
// a digit grades the focused item with that category of the case, "n" grades the whole
// page as not pertinent, the arrow keys move, Enter opens the item's page. After one
// item is graded, its near-duplicates in the case are offered ("g" grades them too).
(function () {
  "use strict";

  var panel, items, offered = null;

  function say(text) { document.getElementById("grade-status").textContent = text; }

  function send(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": panel.dataset.csrf },
      credentials: "same-origin",
      body: JSON.stringify(body),
    }).then(function (answer) {
      return answer.json().then(function (data) {
        if (!answer.ok) throw new Error(data.detail || ("refused: " + answer.status));
        return data;
      });
    });
  }

  function api(path) { return "/api/cases/" + panel.dataset.case + path; }

  function mark(shas, category) {
    items().forEach(function (li) {
      if (shas.indexOf(li.dataset.sha256) < 0) return;
      li.dataset.category = category;
      var tag = li.querySelector(".grade");
      if (tag) tag.textContent = category;
    });
  }

  function grade(li, key) {
    var chosen = document.querySelector('#grade-keys [data-key="' + key + '"]');
    if (!chosen) return;
    var category = chosen.dataset.category;
    send(api("/grades"), { media: [li.dataset.sha256], category: category })
      .then(function (done) {
        mark(done.media, done.category);
        say("Graded " + category + ".");
        return fetch(api("/media/" + li.dataset.sha256 + "/group"), { credentials: "same-origin" })
          .then(function (answer) { return answer.json(); })
          .then(function (group) { offer(li, group.media || [], category); });
      })
      .catch(function (error) { say(error.message); });
  }

  function offer(li, media, category) {
    var others = media.filter(function (sha) { return sha !== li.dataset.sha256; });
    var box = document.getElementById("group-offer");
    if (!others.length) { box.hidden = true; offered = null; return; }
    offered = { sha256: li.dataset.sha256, category: category };
    document.getElementById("group-size").textContent = String(others.length);
    box.hidden = false;
  }

  function gradeGroup() {
    if (!offered) return;
    var chosen = offered;
    offered = null;
    document.getElementById("group-offer").hidden = true;
    send(api("/media/" + chosen.sha256 + "/grade-group"), { category: chosen.category })
      .then(function (done) { mark(done.media, done.category); say("Graded " + done.media.length + " items " + done.category + "."); })
      .catch(function (error) { say(error.message); });
  }

  function gradePage() {
    var shas = items().map(function (li) { return li.dataset.sha256; });
    if (!shas.length) return;
    send(api("/grades/not-pertinent"), { media: shas })
      .then(function (done) { mark(done.media, done.category); say("Page graded " + done.category + "."); })
      .catch(function (error) { say(error.message); });
  }

  function move(li, key) {
    var all = items(), at = all.indexOf(li);
    if (at < 0) { if (all.length) all[0].focus(); return; }
    var columns = all.filter(function (x) { return x.offsetTop === all[0].offsetTop; }).length || 1;
    var step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[key];
    var next = all[Math.min(all.length - 1, Math.max(0, at + step))];
    if (next) next.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    panel = document.getElementById("grading");
    if (!panel) return;
    items = function () { return Array.prototype.slice.call(document.querySelectorAll("#grid li[data-sha256]")); };
    items().forEach(function (li) { if (!li.hasAttribute("tabindex")) li.tabIndex = 0; });
    document.getElementById("group-yes").addEventListener("click", gradeGroup);
    document.getElementById("group-no").addEventListener("click", function () { offered = null; document.getElementById("group-offer").hidden = true; });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      var li = target && target.closest ? target.closest("#grid li[data-sha256]") : null;
      var may = panel.dataset.mayGrade === "yes";
      if (event.key.indexOf("Arrow") === 0) { event.preventDefault(); move(li, event.key); return; }
      if (event.key === "Enter" && li) { window.location.href = li.dataset.open; return; }
      if (!may) return;
      if (/^[0-9]$/.test(event.key) && li) { event.preventDefault(); grade(li, event.key); return; }
      if (event.key === "n") { event.preventDefault(); gradePage(); return; }
      if (event.key === "g") { event.preventDefault(); gradeGroup(); return; }
      if (event.key === "Escape") { offered = null; document.getElementById("group-offer").hidden = true; }
    });
    var first = items()[0];
    if (first) first.focus();
  });
})();
