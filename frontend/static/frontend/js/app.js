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
  // A table's scrolling box is a tab stop (so keyboard users can scroll it) only while its table
  // is wider than the box; otherwise it would be a stop that does nothing.
  function tabStopsForScrollingBoxes() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", tabStopsForScrollingBoxes);
  window.addEventListener("resize", tabStopsForScrollingBoxes);
  document.addEventListener("htmx:afterSettle", tabStopsForScrollingBoxes);
  // A status form marked data-save-on-leave saves by its button, or when focus leaves the form
  // after its field changed; never on each change: arrow keys on a closed select fire a change
  // per option passed, and a keyboard user must not record every value on the way.
  // A form already sent (by its button) must not be sent again when its focused button is
  // removed by the swap that answers it: Chromium fires focusout on removal, and a second, plain
  // submit would reload the page and lose the announcement.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-save-on-leave")) {
        event.target.setAttribute("data-sent", "");
      }
    },
    true
  );
  document.addEventListener("focusout", function (event) {
    var form = event.target.form || event.target.closest("form");
    if (!form || !form.hasAttribute("data-save-on-leave") || form.contains(event.relatedTarget)) {
      return;
    }
    if (!form.isConnected || form.hasAttribute("data-sent")) {
      return;
    }
    var changed = Array.prototype.some.call(form.querySelectorAll("select"), function (select) {
      var option = select.options[select.selectedIndex];
      return option && !option.defaultSelected;
    });
    if (changed) {
      form.requestSubmit();
    }
  });
  // After htmx swaps in a saved row, card or region (outerHTML), focus must not fall back to the
  // page: it goes back to the control that had it (same id), else to the control of the element
  // just saved, else to the first control of the new element, so keyboard users go on where they were.
  var focusedId = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var fresh = id && document.getElementById(id);
    var lost = !document.activeElement || document.activeElement === document.body;
    if (!fresh || !lost) {
      return;
    }
    var again = focusedId && fresh.contains(document.getElementById(focusedId)) && document.getElementById(focusedId);
    var saved = fresh.querySelector("[data-just-saved]") || (fresh.hasAttribute("data-just-saved") ? fresh : null);
    var control = again || (saved || fresh).querySelector("select, input:not([type=hidden]), button");
    if (control) {
      control.focus();
    }
  });
})();
