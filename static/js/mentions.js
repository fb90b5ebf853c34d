// @mention autocomplete under a comment box (templates/incidents/_comments.html, comment_form.html).
// A form with data-mentionable="URL" asks URL?q=… (incidents.web.comments.MentionableView: active users who
// may see the incident) when the text before the caret ends in "@…", and lists them under its textarea as
// an ARIA listbox: ↑/↓ move, Enter or Tab picks, Escape closes; a click picks too. The textarea is the
// combobox (aria-expanded, aria-activedescendant), so the focus never leaves it.
"use strict";

const TYPED = /(?:^|[^\p{L}\p{N}_.+@-])@([\p{L}\p{N}_.+-]{0,150})$/u;
let boxes = 0;

function setUp(form) {
  const textarea = form.querySelector("textarea");
  if (!textarea) return;
  const list = document.createElement("ul");
  list.id = `mention-list-${++boxes}`;
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.dataset.mentionLabel || "@");
  list.hidden = true;
  textarea.after(list);
  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", list.id);
  textarea.setAttribute("aria-expanded", "false");
  let active = -1, request = null, timer = null;

  function options() {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    textarea.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function typed() {
    const match = TYPED.exec(textarea.value.slice(0, textarea.selectionStart));
    return match && textarea.selectionStart === textarea.selectionEnd ? match[1] : null;
  }

  function pick(username) {
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(TYPED, (whole, name) => `${whole.slice(0, whole.length - name.length)}${username} `);
    textarea.value = before + textarea.value.slice(caret).replace(/^[\p{L}\p{N}_.+-]*\s?/u, "");
    textarea.setSelectionRange(before.length, before.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    textarea.focus();
  }

  function show(users) {
    list.replaceChildren();
    users.forEach((user, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.username = user.username;
      const name = document.createElement("span");
      name.className = "mention-name";
      name.textContent = user.name;
      option.append(`@${user.username}`, user.name ? " " : "", name);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep the focus in the textarea
        pick(user.username);
      });
      list.append(option);
    });
    if (!users.length) return close();
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function lookUp() {
    const text = typed();
    if (text === null) return close();
    request?.abort();
    request = new AbortController();
    fetch(`${form.dataset.mentionable}?q=${encodeURIComponent(text)}`,
      { credentials: "same-origin", headers: { Accept: "application/json" }, signal: request.signal })
      .then((response) => (response.ok ? response.json() : { users: [] }))
      .then((answer) => { if (typed() === text) show(answer.users || []); })
      .catch(() => {});
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 120);
  });
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      pick(options()[active].dataset.username);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}

document.querySelectorAll("form[data-mentionable]").forEach(setUp);
