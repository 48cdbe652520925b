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

// A touch anywhere on the screen (not only on a button) counts as "I am still here": it keeps a receipt or an
// answer on screen, and answers "Are you still there?".
document.addEventListener("pointerdown", function (event) {
  if (!event.target.closest("button")) {
    htmx.ajax("POST", "/do/touch", { target: "#screen", swap: "outerHTML" });
  }
});

// Each new screen starts at its top.
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "screen") {
    window.scrollTo(0, 0);
  }
});
