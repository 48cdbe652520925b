// The space bar does what the big button does (for a keyboard at the kiosk, and for testing).
document.addEventListener("keydown", function (event) {
  if (event.code === "Space" && !event.repeat) {
    event.preventDefault();
    htmx.ajax("POST", "/do/press", { target: "#screen", swap: "outerHTML" });
  }
});
