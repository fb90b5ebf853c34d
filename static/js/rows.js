// The incident edit page: an "Add to …" button adds its row in place instead of asking the server.
// Each section (<section data-rows="PREFIX">) holds a Django formset: its rows in [data-row-list], a
// <template data-empty-row> rendered from formset.empty_form with "__prefix__" where the row's index
// goes, and the PREFIX-TOTAL_FORMS count the server reads. A contributing factor's "leads to" boxes name
// the other factors by index, so a new factor is offered in every other factor's list and they in its.
// Without JavaScript the same button posts the page, and the server adds the row and lands on it.
"use strict";

const LABEL_LENGTH = 50; // as FactorFormSet labels a factor: "F2 " and the start of its description

function firstField(row) {
  return row.querySelector("input:not([type=hidden]), select, textarea");
}

function factorLabel(prefix, index) {
  const description = document.getElementById(`id_${prefix}-${index}-description`);
  const text = (description ? description.value : "").split(/\s+/).join(" ").trim();
  const start = text.length > LABEL_LENGTH ? `${text.slice(0, LABEL_LENGTH)}…` : text;
  return `F${index + 1} ${start}`.trim();
}

function addChoice(list, value, text) {
  list.querySelector(".help")?.remove(); // "Add another factor to choose what this one led to."
  const id = `${list.dataset.choiceId}_${list.querySelectorAll("input").length}`;
  const box = document.createElement("input");
  Object.assign(box, { type: "checkbox", name: list.dataset.choiceName, value: String(value), id });
  const label = document.createElement("label");
  label.className = "choice";
  label.htmlFor = id;
  label.append(box, ` ${text}`);
  list.append(label);
}

function linkFactor(section, row, index) {
  const prefix = section.dataset.rows;
  const mine = row.querySelector("[data-leads-to]");
  const lists = section.querySelectorAll("[data-row-list] [data-leads-to]"); // one per row, in index order
  lists.forEach((list, other) => {
    if (list === mine) return;
    addChoice(list, index, factorLabel(prefix, index));
    addChoice(mine, other, factorLabel(prefix, other));
  });
}

function addRow(section) {
  const total = section.querySelector("input[name$='-TOTAL_FORMS']");
  const most = Number(section.querySelector("input[name$='-MAX_NUM_FORMS']").value);
  const index = Number(total.value);
  if (index >= most) return false; // the server says why no more rows fit
  const holder = document.createElement("div");
  holder.innerHTML = section.querySelector("template[data-empty-row]").innerHTML.replaceAll("__prefix__", String(index));
  const row = holder.querySelector("fieldset.row");
  row.querySelector("legend").textContent = `${section.dataset.numberPrefix || ""}${index + 1}`;
  section.querySelector("[data-none]")?.remove(); // "None yet."
  section.querySelector("[data-row-list]").append(row);
  total.value = String(index + 1);
  if (row.querySelector("[data-leads-to]")) linkFactor(section, row, index);
  row.scrollIntoView({ block: "center" });
  firstField(row).focus({ preventScroll: true });
  return true;
}

for (const section of document.querySelectorAll("section[data-rows]")) {
  const button = section.querySelector("button[data-add-row]");
  button?.addEventListener("click", (event) => {
    if (addRow(section)) event.preventDefault();
  });
}
