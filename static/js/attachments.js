// The incident edit page: files into Markdown boxes. Paste an image (Ctrl+V / ⌘V), drop a file onto a box, or
// pick one with the box's "Add a file" button: it is uploaded to the API (POST …/attachments/, the session's
// CSRF token in X-CSRFToken) and its Markdown, ![alt](attachment:N), replaces a placeholder at the cursor; the
// alt text is the file's name without its extension, to be edited in the text. Progress and errors show
// beside the box. The boxes are the textareas marked data-markdown (rows added later included); the form
// carries the API's URL (only for an incident already saved), the size limit and the translated texts.
// Without JavaScript the Attachments section below the form adds files.
"use strict";

const form = document.querySelector("form.incident-form");
const BOX = "textarea[data-markdown]";
const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.log";

function say(key, values = {}) {
  return (form.dataset[key] || "").replace(/%\((\w+)\)s/g, (_all, name) => values[name] ?? "");
}

function barOf(box) {
  return box.closest(".field")?.querySelector(".attach-bar");
}

function show(box, message, kind = "") {
  const status = barOf(box)?.querySelector(".attach-status");
  if (!status) return;
  status.textContent = message;
  status.className = `attach-status ${kind}`.trim();
}

function altText(name) {
  const stem = name.replace(/\.[^.]*$/, "");
  return (stem || name).replace(/[[\]]/g, " ").trim();
}

function changed(box) {
  box.dispatchEvent(new Event("input", { bubbles: true })); // unsaved.js: the text is not saved yet
}

function replace(box, from, to) {
  const at = box.value.indexOf(from);
  if (at < 0) {
    if (to) box.setRangeText(to, box.selectionStart, box.selectionEnd, "end");
  } else {
    // the cursor stays where it was: after the Markdown when it was after (or in) the placeholder
    const end = at + from.length;
    const moved = (position) => (position <= at ? position : position >= end ? position + to.length - from.length
      : at + to.length);
    const [start, stop] = [moved(box.selectionStart), moved(box.selectionEnd)];
    box.setRangeText(to, at, end);
    box.setSelectionRange(start, stop);
  }
  changed(box);
}

function listed(attachment) {
  // the Attachments section below the form lists it too (deleting it there needs the page reloaded)
  const list = document.querySelector("#attachments .attachment-edit-list")
    ?? document.querySelector("#attachments form.attachment-upload")?.insertAdjacentElement(
      "beforebegin", Object.assign(document.createElement("ul"), { className: "attachment-edit-list" }));
  if (!list) return;
  const item = document.createElement("li");
  const link = Object.assign(document.createElement("a"), { href: attachment.url });
  if (attachment.content_type.startsWith("image/")) {
    link.append(Object.assign(document.createElement("img"), {
      src: attachment.thumbnail_url || attachment.url, alt: attachment.alt, className: "attachment-thumb" }));
  } else {
    Object.assign(link, { className: "attachment-thumb attachment-icon", textContent: attachment.name.split(".").pop().toUpperCase() });
  }
  const about = Object.assign(document.createElement("div"), { className: "attachment-about" });
  about.append(Object.assign(document.createElement("strong"), { textContent: attachment.name }),
    Object.assign(document.createElement("code"), { className: "attachment-markdown", textContent: attachment.markdown }));
  item.append(link, about);
  list.append(item);
}

async function problem(response) {
  try {
    const body = await response.json();
    const first = body.file ?? body.detail ?? Object.values(body)[0];
    return Array.isArray(first) ? first.join(" ") : String(first);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function upload(box, file, placeholder) {
  const body = new FormData();
  body.append("file", file, file.name);
  body.append("alt", altText(file.name));
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  try {
    const response = await fetch(form.dataset.attachUrl, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json", "Accept-Language": document.documentElement.lang },
    });
    if (response.status !== 201) throw new Error(await problem(response));
    const attachment = await response.json();
    replace(box, placeholder, attachment.markdown);
    listed(attachment);
    show(box, say("textAdded", { name: file.name }), "done");
  } catch (error) {
    replace(box, placeholder, "");
    show(box, say("textFailed", { name: file.name, problem: error.message }), "error");
  }
}

function attach(box, files) {
  if (!form.dataset.attachUrl) {
    show(box, say("textSaveFirst"), "error");
    return;
  }
  const limit = Number(form.dataset.attachMax || Infinity);
  files.forEach((file, index) => {
    if (file.size > limit) {
      show(box, say("textFailed", { name: file.name, problem: say("textTooLarge") }), "error");
      return;
    }
    const placeholder = `![${say("textUploading", { name: altText(file.name) })}]()`;
    box.focus();
    box.setRangeText(index ? `\n${placeholder}` : placeholder, box.selectionStart, box.selectionEnd, "end");
    changed(box);
    show(box, say("textUploading", { name: file.name }), "busy");
    upload(box, file, placeholder);
  });
}

function enhance(box) {
  box.dataset.attachReady = "1";
  const field = box.closest(".field");
  if (!field) return;
  const bar = document.createElement("div");
  bar.className = "attach-bar";
  if (form.dataset.attachUrl) {
    const picker = document.createElement("input");
    Object.assign(picker, { type: "file", multiple: true, accept: ACCEPT, hidden: true, tabIndex: -1 });
    const button = document.createElement("button");
    Object.assign(button, { type: "button", className: "link-button", textContent: say("textPick") });
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      attach(box, [...picker.files]);
      picker.value = "";
    });
    bar.append(button, picker);
  }
  const status = document.createElement("span");
  status.className = "attach-status";
  status.setAttribute("role", "status");
  bar.append(status);
  box.after(bar);
}

function enhanceAll() {
  for (const box of form.querySelectorAll(BOX)) {
    if (!box.dataset.attachReady) enhance(box);
  }
}

function filesOf(transfer) {
  return transfer ? [...transfer.files] : [];
}

if (form) {
  enhanceAll();
  new MutationObserver(enhanceAll).observe(form, { childList: true, subtree: true }); // rows added by rows.js

  form.addEventListener("paste", (event) => {
    const box = event.target;
    if (!box.matches?.(BOX)) return;
    const files = filesOf(event.clipboardData);
    // a copied spreadsheet range carries its text and a picture of it: the text wins
    if (!files.length || event.clipboardData.getData("text/plain")) return;
    event.preventDefault();
    attach(box, files);
  });
  form.addEventListener("dragover", (event) => {
    if (!event.target.matches?.(BOX) || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    event.target.classList.add("attach-drop");
  });
  form.addEventListener("dragleave", (event) => event.target.classList?.remove("attach-drop"));
  form.addEventListener("drop", (event) => {
    const box = event.target;
    if (!box.matches?.(BOX)) return;
    box.classList.remove("attach-drop");
    const files = filesOf(event.dataTransfer);
    if (!files.length) return;
    event.preventDefault();
    attach(box, files);
  });
}
