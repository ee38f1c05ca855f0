// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // With scripts on, quick changes save themselves (htmx), so their "Save" buttons can hide.
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
  // After htmx swaps in a saved row or card (outerHTML), focus must not fall back to the page:
  // put it on the control of the new element, so keyboard users go on where they were.
  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var fresh = id && document.getElementById(id);
    var lost = !document.activeElement || document.activeElement === document.body;
    if (fresh && lost) {
      var control = fresh.querySelector("select, input:not([type=hidden]), button");
      if (control) {
        control.focus();
      }
    }
  });
})();
