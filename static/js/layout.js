// The page's frame, made a little easier with JavaScript; without it the menu opens and closes as a native
// <details>, and the stylesheet lays it out in a row on wide screens.
(function () {
  "use strict";
  var menu = document.querySelector(".site-menu");
  if (menu) {
    var wide = window.matchMedia("(min-width: 48rem)");
    // Open on wide screens (the row of links), folded on phones until asked for.
    var fit = function () { menu.open = wide.matches; };
    fit();
    wide.addEventListener("change", fit);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !wide.matches && !menu.contains(event.target)) { menu.open = false; }
    });
    // "My work" opens under its button on wide screens, and closes as a menu does: Escape, a click or the
    // focus elsewhere. In the folded menu on phones its entries are part of the list (open).
    var group = menu.querySelector(".menu-group details");
    if (group) {
      var fitGroup = function () { group.open = !wide.matches; };
      fitGroup();
      wide.addEventListener("change", fitGroup);
      var shut = function () { if (group.open && wide.matches) { group.open = false; } };
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && group.open && wide.matches) {
          group.open = false;
          group.querySelector("summary").focus();
        }
      });
      document.addEventListener("click", function (event) { if (!group.contains(event.target)) { shut(); } });
      group.addEventListener("focusout", function (event) {
        if (event.relatedTarget && !group.contains(event.relatedTarget)) { shut(); }
      });
    }
  }
  // Parts folded on phones only (filters above a list) are open on wide screens; the stylesheet does the same
  // where the browser can, and this covers the others.
  var wideScreen = window.matchMedia("(min-width: 48rem)");
  document.querySelectorAll("details.fold-on-phone").forEach(function (part) {
    if (wideScreen.matches) { part.open = true; }
  });
  // A refused form says what to correct next to itself: bring it into view and to the screen reader.
  var refused = document.querySelector(".form-errors[data-refused]");
  if (refused) { refused.focus(); }
}());
