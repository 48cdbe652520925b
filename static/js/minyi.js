// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // Say so when an htmx request is refused, instead of failing silently. The message comes
  // translated from the page (body[data-htmx-error]), so this file holds no user-visible text.
  var target = event.detail.elt.closest("[hx-target]") || event.detail.elt;
  if (target.tagName === "TR") { target = target.lastElementChild; }
  var note = document.createElement("p");
  note.className = "error";
  note.setAttribute("role", "alert");
  var told = event.detail.xhr.getResponseHeader("X-Error-Message");  // the server's own words, translated
  note.textContent = told ? decodeURIComponent(told) : document.body.dataset.htmxError + " (" + event.detail.xhr.status + ")";
  target.appendChild(note);
});

// Character counters for limited fields (the limit_note macro of server/templates/_forms.html). The page leaves
// out the browser's maxlength, which cuts a long paste without a word: here the person sees how much room is
// left as they type, and the server's refusal, with everything typed kept, if they send too much anyway. The
// words come translated from the note's data attributes. The visible count changes with every key; screen
// readers hear it once the typing pauses (a live region, polite), not at every key.
(function () {
  var PAUSE = 1000;  // milliseconds without typing before the count is spoken

  function length(text) {
    // As the server counts (core.fields.text_field): line breaks once, the ends trimmed, characters not
    // UTF-16 units (an emoji is one).
    return text.trim().replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "_").length;
  }

  function setUp(note) {
    var field = document.getElementById(note.dataset.countFor);
    if (!field || note.dataset.counting) { return; }
    note.dataset.counting = "yes";
    var limit = Number(note.dataset.limit), threshold = Number(note.dataset.threshold || 0);
    var number = new Intl.NumberFormat(document.documentElement.lang || undefined);
    var shown = document.createElement("p");
    shown.className = "char-count";
    shown.setAttribute("aria-hidden", "true");  // the spoken copy below says it, at a pause
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    note.classList.add("visually-hidden");  // still read with the field (aria-describedby): "up to 200"
    note.parentNode.insertBefore(spoken, note.nextSibling);
    note.parentNode.insertBefore(shown, note.nextSibling);
    var timer = null, said = "";

    function words() {
      var left = limit - length(field.value), n = Math.abs(left);
      var pattern = left < 0 ? (n === 1 ? note.dataset.overOne : note.dataset.overOther)
        : (n === 1 ? note.dataset.leftOne : note.dataset.leftOther);
      return {text: pattern.replace("{n}", number.format(n)), over: left < 0, near: limit - left >= threshold};
    }
    function show() {
      var now = words();
      shown.textContent = now.text;
      shown.hidden = !now.near;
      shown.classList.toggle("over", now.over);
      field.classList.toggle("over-limit", now.over);
      return now;
    }
    function say() {
      var now = words();
      if (now.near && now.text !== said) { spoken.textContent = said = now.text; }
    }
    field.addEventListener("input", function () {
      show();
      clearTimeout(timer);
      timer = setTimeout(say, PAUSE);
    });
    show();
  }

  function setUpAll(root) {
    if (root.matches && root.matches("[data-count-for]")) { setUp(root); }
    Array.prototype.forEach.call(root.querySelectorAll("[data-count-for]"), setUp);
  }
  document.addEventListener("htmx:load", function (event) { setUpAll(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  } else {
    setUpAll(document);
  }
}());

// A button that prints the page (the ballot-code slip): no inline script, which the CSP forbids.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
