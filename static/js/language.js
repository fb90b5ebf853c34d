// The language switcher in the page header: picking a language submits its form at once.
// Without JavaScript the <noscript> "Change" button does the same.
"use strict";
for (const select of document.querySelectorAll("form.language select")) {
  select.addEventListener("change", () => select.form.submit());
}
