// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // Show the server's message instead of failing silently when an htmx request is refused.
  var target = event.detail.elt.closest("[hx-target]") || event.detail.elt;
  var note = document.createElement("p");
  note.className = "error";
  note.setAttribute("role", "alert");
  var status = event.detail.xhr.status;
  note.textContent = document.documentElement.lang === "en"
    ? "This could not be saved (error " + status + "). Please reload the page."
    : "未能保存（错误 " + status + "）。请刷新页面后重试。";
  target.appendChild(note);
});
