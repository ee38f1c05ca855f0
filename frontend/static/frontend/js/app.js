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
  // After htmx swaps in a saved row or card, keep keyboard focus on the control the user used.
  document.addEventListener("htmx:afterSwap", function (event) {
    var select = event.detail.target && event.detail.target.querySelector && event.detail.target.querySelector("select");
    if (select && !document.activeElement.closest("#" + event.detail.target.id)) {
      select.focus();
    }
  });
})();
