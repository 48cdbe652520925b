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
