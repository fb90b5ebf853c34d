// The similar incidents of an incident page (templates/incidents/incident_detail.html): #related names the
// URL of its part (incidents.web.incidents.IncidentRelatedView, ?part=1) and is replaced by it once it arrives,
// so the page itself is sent without waiting for the search index. Without script, a link opens that page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const related = document.getElementById("related");
  if (!related) return;
  const failed = () => {
    const note = related.querySelector(".related-loading");
    if (note) {
      note.textContent = related.dataset.failed;
      note.setAttribute("role", "status");
    }
  };
  fetch(related.dataset.relatedUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => { related.innerHTML = html; })
    .catch(failed);
});
