// twitapp's only script. The pages work without it; it adds a live character counter to
// the message box (its words come translated, in the box's data-left-*/data-over-* attributes)
// and puts the site's own picture in place of a Gravatar that fails.
(function () {
  "use strict";

  // Characters as the server counts them: code points, a line break being one.
  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function counter(box) {
    var max = parseInt(box.getAttribute("data-max-length"), 10);
    var out = document.getElementById("text-count");
    var form = box.form;
    if (!max || !out) return;
    var wasOver = box.getAttribute("aria-invalid") === "true";
    function update() {
      var left = max - length(box.value);
      var over = left < 0;
      var count = over ? -left : left;
      var words = box.getAttribute(
        "data-" + (over ? "over" : "left") + "-" + (count === 1 ? "one" : "other"));
      out.textContent = words.replace("{n}", count).replace("{max}", max);
      out.classList.toggle("over", over);
      box.classList.toggle("over", over);
      if (over || wasOver) box.setAttribute("aria-invalid", over ? "true" : "false");
      if (form) form.classList.toggle("over-limit", over);
    }
    box.addEventListener("input", update);
    update();
  }

  function avatarFallbacks() {
    var pictures = document.querySelectorAll("img[data-fallback]");
    Array.prototype.forEach.call(pictures, function (img) {
      function useOwn() {
        img.removeEventListener("error", useOwn);
        img.src = img.getAttribute("data-fallback");
      }
      img.addEventListener("error", useOwn);
      // An error before this script ran leaves a picture with no size.
      if (img.complete && img.naturalWidth === 0) useOwn();
    });
  }

  function start() {
    var box = document.querySelector("textarea[data-max-length]");
    if (box) counter(box);
    avatarFallbacks();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
