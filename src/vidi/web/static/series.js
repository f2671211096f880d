// Series and clue changes through the JSON API, with the session's CSRF token:
// a form[data-api] posts its fields as JSON (a textarea[data-list] becomes a list of
// lines, a select[data-number] a number); a button[data-api] posts its data-body.
// On success the page reloads, or goes to the new series (data-then="series").
(function () {
  "use strict";

  function post(element, body) {
    return fetch(element.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": element.dataset.csrf },
      credentials: "same-origin",
      body: JSON.stringify(body),
    }).then(function (answer) {
      return answer.json().then(function (data) {
        if (!answer.ok) throw new Error(typeof data.detail === "string" ? data.detail : "refused: " + answer.status);
        return data;
      });
    });
  }

  function fields(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      if (field.dataset.list) {
        body[field.name] = field.value.split(/[\s,]+/).filter(function (line) { return line; });
      } else if (field.dataset.number) {
        body[field.name] = Number(field.value);
      } else {
        body[field.name] = field.value;
      }
    });
    return body;
  }

  function shown(form, error) {
    var where = form.querySelector("[data-error]");
    if (where) where.textContent = error.message;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        post(form, fields(form))
          .then(function (data) {
            if (form.dataset.then === "series" && data.id) {
              window.location.href = window.location.pathname.replace(/\/series.*$/, "/series/" + data.id);
            } else {
              window.location.reload();
            }
          })
          .catch(function (error) { shown(form, error); });
      });
    });
    document.querySelectorAll("button[data-api]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        post(button, JSON.parse(button.dataset.body))
          .then(function () { window.location.reload(); })
          .catch(function (error) { button.disabled = false; button.title = error.message; });
      });
    });
  });
})();
