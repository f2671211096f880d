// The "publish an object" page: shift-drag over the picture to draw the object's box
// (a plain press is the hold-to-reveal), or type it; the box is drawn over the picture
// either way. Without JavaScript the number fields alone do the job.
(function () {
  "use strict";

  var FIELDS = ["x", "y", "w", "h"];

  function show(form, rect) {
    var values = FIELDS.map(function (name) { return Number(form.elements[name].value) || 0; });
    rect.setAttribute("x", values[0]);
    rect.setAttribute("y", values[1]);
    rect.setAttribute("width", values[2]);
    rect.setAttribute("height", values[3]);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("publish-form");
    var figure = document.getElementById("publish-picture");
    var rect = document.getElementById("crop-box");
    if (!form || !figure || !rect) return;
    var view = rect.ownerSVGElement.viewBox.baseVal, start = null;

    function at(event) {
      var box = figure.getBoundingClientRect();
      return {
        x: Math.max(0, Math.min(view.width, Math.round((event.clientX - box.left) / box.width * view.width))),
        y: Math.max(0, Math.min(view.height, Math.round((event.clientY - box.top) / box.height * view.height))),
      };
    }
    function fill(end) {
      form.elements.x.value = Math.min(start.x, end.x);
      form.elements.y.value = Math.min(start.y, end.y);
      form.elements.w.value = Math.max(1, Math.abs(end.x - start.x));
      form.elements.h.value = Math.max(1, Math.abs(end.y - start.y));
      show(form, rect);
    }

    figure.addEventListener("pointerdown", function (event) {
      if (!event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      start = at(event);
    }, true);
    figure.addEventListener("pointermove", function (event) {
      if (start) fill(at(event));
    }, true);
    figure.addEventListener("pointerup", function (event) {
      if (!start) return;
      fill(at(event));
      start = null;
    }, true);
    FIELDS.forEach(function (name) {
      form.elements[name].addEventListener("input", function () { show(form, rect); });
    });
    show(form, rect);
  });
})();
