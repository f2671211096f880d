// The media page's clue form: kind, value, an optional region (x, y, w, h in pixels of
// the picture; drag over the picture to fill it in) and a note, sent as JSON with the
// session's CSRF token; the page reloads to show the clue and its box.
(function () {
  "use strict";

  function number(form, name) {
    var value = form.elements[name].value.trim();
    return value === "" ? null : Number(value);
  }

  function body(form) {
    var sent = { kind: form.elements.kind.value, value: form.elements.value.value };
    var box = ["x", "y", "w", "h"].map(function (name) { return number(form, name); });
    if (box.every(function (v) { return v !== null; })) {
      sent.region = { x: box[0], y: box[1], w: box[2], h: box[3] };
    }
    if (form.elements.note.value.trim()) sent.note = form.elements.note.value.trim();
    return sent;
  }

  function drawing(form) {
    var svg = document.querySelector("#picture svg.regions");
    var figure = document.getElementById("picture");
    if (!svg || !figure) return;
    var view = svg.viewBox.baseVal, start = null;
    function at(event) {
      var rect = figure.getBoundingClientRect();
      return {
        x: Math.round((event.clientX - rect.left) / rect.width * view.width),
        y: Math.round((event.clientY - rect.top) / rect.height * view.height),
      };
    }
    figure.addEventListener("pointerdown", function (event) {
      if (!event.shiftKey) return; // a plain press is the hold-to-reveal
      event.preventDefault();
      event.stopPropagation();
      start = at(event);
    }, true);
    figure.addEventListener("pointerup", function (event) {
      if (!start) return;
      var end = at(event);
      form.elements.x.value = Math.max(0, Math.min(start.x, end.x));
      form.elements.y.value = Math.max(0, Math.min(start.y, end.y));
      form.elements.w.value = Math.max(1, Math.abs(end.x - start.x));
      form.elements.h.value = Math.max(1, Math.abs(end.y - start.y));
      start = null;
    }, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("clue-add");
    if (!form) return;
    drawing(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.dataset.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
        credentials: "same-origin",
        body: JSON.stringify(body(form)),
      })
        .then(function (answer) {
          return answer.json().then(function (data) {
            if (!answer.ok) throw new Error(typeof data.detail === "string" ? data.detail : "refused: " + answer.status);
            window.location.reload();
          });
        })
        .catch(function (error) { form.querySelector("[data-error]").textContent = error.message; });
    });
  });
})();
