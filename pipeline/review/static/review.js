// ocrfix review: one keystroke per decision. Every POST carries the session token from the page.
(() => {
  "use strict";
  const token = ocrfix.token;
  const group = document.getElementById("group");
  const status = document.getElementById("status");
  const editForm = document.getElementById("edit-form");
  const editInput = document.getElementById("edit-input");
  const scopeLabel = document.getElementById("scope-label");
  let scope = "all";
  let busy = false;

  // ``settle(data)``: a message to show instead of reloading the page (nothing to reload for).
  async function post(url, body, settle) {
    if (busy) return;
    busy = true;
    status.textContent = "Saving\u2026";
    try {
      const response = await ocrfix.fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Ocrfix-Token": token },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = "Not saved: " + ocrfix.reasonOf(response, data);
        busy = false;
        return;
      }
      const message = settle && settle(data);
      if (message) {
        status.textContent = message;
        busy = false;
        return;
      }
      location.replace("/");
    } catch (err) {
      status.textContent = "Not saved: " + err.message;
      busy = false;
    }
  }

  // The files a decision's outputs are being regenerated in, counted down as they are written: the
  // count the page was made with stayed there, long after they were, until the next key.
  const regenerating = document.getElementById("regenerating");
  if (regenerating) {
    const poll = setInterval(async () => {
      try {
        const response = await fetch("/api/queue?limit=0", { credentials: "same-origin" });
        const progress = (await response.json()).progress;
        const left = progress.regenerating;
        const files = (n) => `${n} file${n === 1 ? "" : "s"}`;
        regenerating.textContent = left ? `regenerating ${files(left)}`
          : progress.unwritten ? `the outputs of ${files(progress.unwritten)} could not be written (named when the review ends)`
          : "outputs written";
        if (!left) clearInterval(poll);
      } catch (err) {
        clearInterval(poll); // (the review has ended: nothing more to count)
      }
    }, 1000);
  }

  // A crop that cannot be shown (the scan moved or deleted since the run) is said so, with the reason.
  async function noCrop(img) {
    const reason = await ocrfix.whyNotShown(img.src);
    const note = document.createElement("p");
    note.className = "failed no-scan";
    note.textContent = "The scan of this line cannot be shown: " + reason;
    img.replaceWith(note);
  }
  document.querySelectorAll("img.crop").forEach((img) => {
    img.addEventListener("error", () => noCrop(img));
    if (img.complete && img.getAttribute("loading") !== "lazy" && !img.naturalWidth) noCrop(img);
  });

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

  // Members of a series left out of the decision (they stay in the queue).
  const excluded = new Set();
  const members = () => Array.from(document.querySelectorAll(".member"));

  function toggleMember(form) {
    if (!members().length || !form) return;
    if (excluded.has(form)) excluded.delete(form); else excluded.add(form);
    members().forEach((m) => {
      const out = excluded.has(m.dataset.form);
      m.classList.toggle("excluded", out);
      m.setAttribute("aria-pressed", String(!out));
    });
    occurrences().forEach((o) => o.classList.toggle("excluded", excluded.has(o.dataset.form)));
  }

  function send(action, extra, how) {
    const occ = selected();
    post("/api/decide", Object.assign({
      group: group.dataset.group,
      action: action,
      scope: how,
      occurrence: how === "one" && occ ? occ.dataset.occurrence : null,
      exclude: Array.from(excluded),
    }, extra || {}));
  }

  // A decision for all occurrences first asks how far it reaches: where that is beyond the words
  // the queue showed, the count and a few of the lines are shown, and nothing is saved until the
  // person says all (g) or only those shown (o); Enter takes the default, which for a word the
  // dictionaries know is only those shown.
  const reachBox = document.getElementById("reach");
  let pending = null;

  function closeReach(message) {
    pending = null;
    reachBox.hidden = true;
    if (message) status.textContent = message;
  }

  function showReach(reach, action, extra) {
    const form = group.querySelector("#form").textContent;
    const replacement = action === "keep" ? null : (extra && extra.text) || form;
    const what = replacement === null ? `Keep \u201c${form}\u201d as read` : `\u201c${form}\u201d \u2192 \u201c${replacement}\u201d`;
    const words = `${reach.words} word${reach.words === 1 ? "" : "s"} in ${reach.documents} document${reach.documents === 1 ? "" : "s"}`;
    document.getElementById("reach-title").textContent =
      `${what}: this reaches ${words} (${reach.scope}); the queue showed ${reach.shown}.` +
      (reach.common ? ` \u201c${form}\u201d is a word the dictionaries know.` : "");
    const list = document.getElementById("reach-lines");
    list.replaceChildren(...reach.lines.map((l) => {
      const li = document.createElement("li");
      li.textContent = `${l.document} \u00b7 page ${l.page} \u00b7 line ${l.line}: ${l.text}`;
      return li;
    }));
    document.getElementById("reach-words").textContent = words;
    document.getElementById("reach-shown-count").textContent = String(reach.shown);
    pending = { action: action, extra: extra, preferred: reach.preferred };
    document.getElementById("reach-default").textContent = pending.preferred === "all" ? `all ${words}` : `only the ${reach.shown} shown`;
    reachBox.hidden = false;
    status.textContent = "Nothing saved yet.";
  }

  function confirmReach(how) {
    if (!pending) return;
    const { action, extra, preferred } = pending;
    closeReach();
    send(action, extra, how === "preferred" ? preferred : how);
  }

  // While the reach is counted (a second or two the first time, the dictionaries loading), the
  // page says so, other keys wait, and Esc cancels (the question came afterwards all the same).
  let counting = null;

  async function decide(action, extra) {
    if (scope !== "all") { send(action, extra, scope); return; }
    const asked = (counting = { cancelled: false });
    status.textContent = "Counting the words this reaches\u2026 (Esc cancels)";
    try {
      const query = new URLSearchParams({ group: group.dataset.group });
      excluded.forEach((form) => query.append("exclude", form));
      const response = await ocrfix.fetch(`/api/reach?${query}`,
        { headers: { "X-Ocrfix-Token": token }, credentials: "same-origin" });
      const reach = await response.json();
      if (asked.cancelled) return;
      if (!response.ok) { status.textContent = "Not saved: " + (reach.error || response.statusText); return; }
      if (reach.words > reach.shown) {
        editForm.hidden = true;
        editInput.blur();
        showReach(reach, action, extra);
        return;
      }
    } catch (err) {
      if (!asked.cancelled) status.textContent = "Not saved: " + err.message;
      return;
    } finally {
      if (counting === asked) counting = null;
    }
    send(action, extra, "all");
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

  // A deletion is made by place: the occurrence selected, or each one shown; never all (a form
  // deleted everywhere would take out its real occurrences too), so it asks nothing first.
  const remove = () => send("delete", {}, scope === "one" ? "one" : "shown");
  const undo = () => post("/api/undo", {}, (data) => {
    if (!data.step) return "Nothing to undo.";
    ocrfix.sayAfterReload(ocrfix.undone(data.step));
  });
  document.getElementById("undo-button").addEventListener("click", undo);

  if (group) {
    document.querySelectorAll(".suggestion").forEach((b) => b.addEventListener("click", () => pick(Number(b.dataset.index))));
    document.getElementById("edit-button").addEventListener("click", edit);
    document.getElementById("keep-button").addEventListener("click", () => decide("keep"));
    document.getElementById("delete-button").addEventListener("click", remove);
    document.getElementById("scope-button").addEventListener("click", toggleScope);
    document.getElementById("skip-button").addEventListener("click", () => post("/api/skip", { group: group.dataset.group }));
    occurrences().forEach((o) => {
      o.addEventListener("click", () => select(o));
      // (reached with Tab, it is the one a decision for the selected occurrence applies to: the
      // focus ring was on it while the selection stayed on the first)
      o.addEventListener("focusin", () => select(o));
    });
    members().forEach((m) => m.addEventListener("click", () => toggleMember(m.dataset.form)));
    editForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      // (an empty correction is refused here, before the question of how far it reaches)
      if (!editInput.value.trim()) { status.textContent = "Not saved: type the correction (d deletes the word)"; return; }
      decide("correct", { text: editInput.value });
    });
  }

  if (group) {
    document.getElementById("reach-all").addEventListener("click", () => confirmReach("all"));
    document.getElementById("reach-shown").addEventListener("click", () => confirmReach("shown"));
    document.getElementById("reach-cancel").addEventListener("click", () => closeReach("Cancelled: nothing saved."));
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (counting) {
      ev.preventDefault();
      if (ev.key === "Escape") {
        counting.cancelled = true;
        counting = null;
        status.textContent = "Cancelled: nothing saved.";
      }
      return;
    }
    if (pending) {
      // The reach question is open: only its answers count.
      ev.preventDefault();
      if (ev.key === "Escape") closeReach("Cancelled: nothing saved.");
      else if (ev.key === "g") confirmReach("all");
      else if (ev.key === "o") confirmReach("shown");
      else if (ev.key === "Enter") confirmReach("preferred");
      return;
    }
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
    else if (ev.key === "d") remove();
    else if (ev.key === "a") toggleScope();
    else if (ev.key === "s") post("/api/skip", { group: group.dataset.group });
    else if (ev.key === "x") { const occ = selected(); if (occ) toggleMember(occ.dataset.form); }
    else if (ev.key === "ArrowDown" || ev.key === "j") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else return;
  });
})();
