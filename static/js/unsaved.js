// "You have unsaved changes": before leaving a page, the browser asks for confirmation when a form marked
// data-warn-unsaved has been edited and not submitted. Submitting that form (any of its buttons) disarms
// the warning; leaving by any other way (a link, another form, reload) keeps it. data-warn-unsaved="armed"
// arms it from the start: the page came back from a POST (an added row, a conflict, an error) and what it
// shows is not stored yet.
"use strict";
let unsaved = document.querySelector("form[data-warn-unsaved='armed']") !== null;
for (const form of document.querySelectorAll("form[data-warn-unsaved]")) {
  form.addEventListener("input", () => { unsaved = true; });
  form.addEventListener("change", () => { unsaved = true; });
  form.addEventListener("submit", () => { unsaved = false; });
}
window.addEventListener("beforeunload", (event) => {
  if (unsaved) {
    event.preventDefault();
    event.returnValue = "";  // Chromium before 119 shows the prompt only when this is set
  }
});
