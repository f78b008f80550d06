// ocrfix review: one keystroke per decision. Every POST carries the session token from the page.
(() => {
  "use strict";
  const token = document.querySelector('meta[name="ocrfix-token"]').content;
  const group = document.getElementById("group");
  const status = document.getElementById("status");
  const editForm = document.getElementById("edit-form");
  const editInput = document.getElementById("edit-input");
  const scopeLabel = document.getElementById("scope-label");
  let scope = "all";
  let busy = false;

  async function post(url, body) {
    if (busy) return;
    busy = true;
    status.textContent = "Saving\u2026";
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Ocrfix-Token": token },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        const detail = data.error || (data.detail && JSON.stringify(data.detail)) || response.statusText;
        status.textContent = "Not saved: " + detail;
        busy = false;
        return;
      }
      location.replace("/");
    } catch (err) {
      status.textContent = "Not saved: " + err;
      busy = false;
    }
  }

  const occurrences = () => Array.from(document.querySelectorAll(".occurrence"));
  const selected = () => document.querySelector(".occurrence.selected");

  function select(el) {
    occurrences().forEach((o) => o.classList.toggle("selected", o === el));
    if (el) el.scrollIntoView({ block: "nearest" });
  }

  function move(delta) {
    const all = occurrences();
    const i = all.indexOf(selected());
    select(all[Math.max(0, Math.min(all.length - 1, i + delta))]);
  }

  function toggleScope() {
    scope = scope === "all" ? "one" : "all";
    document.body.classList.toggle("scope-one", scope === "one");
    const all = document.getElementById("scope-button").dataset.all;
    scopeLabel.textContent = scope === "all" ? `all occurrences (${all})` : "the selected occurrence only";
  }

  function decide(action, extra) {
    const occ = selected();
    post("/api/decide", Object.assign({
      group: group.dataset.group,
      action: action,
      scope: scope,
      occurrence: scope === "one" && occ ? occ.dataset.occurrence : null,
    }, extra || {}));
  }

  function pick(index) {
    // The text too, so the server can tell when the queue changed under this page.
    const button = document.querySelector(`.suggestion[data-index="${index}"]`);
    decide("suggestion", { index: index, text: button ? button.dataset.text : null });
  }

  function edit() {
    editForm.hidden = false;
    editInput.focus();
    editInput.select();
  }

  const undo = () => post("/api/undo", {});
  document.getElementById("undo-button").addEventListener("click", undo);

  if (group) {
    document.querySelectorAll(".suggestion").forEach((b) => b.addEventListener("click", () => pick(Number(b.dataset.index))));
    document.getElementById("edit-button").addEventListener("click", edit);
    document.getElementById("keep-button").addEventListener("click", () => decide("keep"));
    document.getElementById("scope-button").addEventListener("click", toggleScope);
    document.getElementById("skip-button").addEventListener("click", () => post("/api/skip", { group: group.dataset.group }));
    occurrences().forEach((o) => o.addEventListener("click", () => select(o)));
    editForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      decide("correct", { text: editInput.value });
    });
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target === editInput) {
      if (ev.key === "Escape") { editForm.hidden = true; editInput.blur(); }
      return;
    }
    if (ev.key === "u") { ev.preventDefault(); undo(); return; }
    if (!group) return;
    const n = Number(group.dataset.suggestions);
    if (/^[1-9]$/.test(ev.key)) {
      const index = Number(ev.key) - 1;
      if (index < n) pick(index);
      else status.textContent = `There is no suggestion ${ev.key}.`;
    } else if (ev.key === "e") { ev.preventDefault(); edit(); }
    else if (ev.key === "k") decide("keep");
    else if (ev.key === "a") toggleScope();
    else if (ev.key === "s") post("/api/skip", { group: group.dataset.group });
    else if (ev.key === "ArrowDown" || ev.key === "j") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else return;
  });
})();
