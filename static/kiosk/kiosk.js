// The space bar does what the big button does (for a keyboard at the kiosk, and for testing).
document.addEventListener("keydown", function (event) {
  if (event.code === "Space" && !event.repeat) {
    event.preventDefault();
    htmx.ajax("POST", "/do/press", { target: "#screen", swap: "outerHTML" });
  }
});

// The poll says which screen is on display, so the kiosk answers "no change" (204) only when that is true: a
// swap whose target was replaced meanwhile (two quick touches) is mended at the next poll.
document.addEventListener("htmx:configRequest", function (event) {
  if (event.detail.path === "/screen") {
    var screen = document.getElementById("screen");
    event.detail.parameters.seen = screen ? screen.dataset.fingerprint : "";
  }
});
