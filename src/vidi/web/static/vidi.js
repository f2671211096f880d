// Hold-to-reveal: while a picture is held (mouse, touch or the space key), its clear
// thumbnail is fetched through the audited reveal route and shown; letting go puts the
// server-blurred one back and forgets the clear bytes.
(function () {
  "use strict";

  function reveal(img) {
    if (img.dataset.revealing) return;
    img.dataset.revealing = "1";
    img.dataset.blurred = img.src;
    fetch(img.dataset.reveal, {
      method: "POST",
      headers: { "X-CSRF-Token": img.dataset.csrf },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (answer) {
        if (!answer.ok) throw new Error("reveal refused: " + answer.status);
        return answer.blob();
      })
      .then(function (blob) {
        if (!img.dataset.revealing) return;
        img.src = URL.createObjectURL(blob);
      })
      .catch(function () { hide(img); });
  }

  function hide(img) {
    if (!img.dataset.revealing) return;
    delete img.dataset.revealing;
    if (img.src.indexOf("blob:") === 0) URL.revokeObjectURL(img.src);
    img.src = img.dataset.blurred;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("img[data-reveal]").forEach(function (img) {
      img.tabIndex = 0;
      img.addEventListener("pointerdown", function (event) { event.preventDefault(); reveal(img); });
      ["pointerup", "pointerleave", "pointercancel", "blur"].forEach(function (name) {
        img.addEventListener(name, function () { hide(img); });
      });
      img.addEventListener("keydown", function (event) { if (event.key === " ") { event.preventDefault(); reveal(img); } });
      img.addEventListener("keyup", function (event) { if (event.key === " ") hide(img); });
      img.addEventListener("contextmenu", function (event) { event.preventDefault(); });
    });
  });
})();
