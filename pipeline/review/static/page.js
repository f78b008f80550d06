// ocrfix proofreading: the scan beside its lines; each edited line is saved as entries of
// corrections.yaml for its places on the page. Every POST carries the session token from the page.
(() => {
  "use strict";
  const token = ocrfix.token;
  const main = document.getElementById("page");
  const status = document.getElementById("status");
  const scan = document.getElementById("scan");
  const lineBox = document.getElementById("line-box");
  const pageStatus = document.getElementById("page-status");
  const inputs = Array.from(document.querySelectorAll(".line-input"));
  const documentName = main.dataset.document;
  const pageNumber = Number(main.dataset.page);
  const pageWidth = Number(main.dataset.width);
  // Saves go one after another, in the order made (a line's second edit builds on its first).
  let queue = Promise.resolve(true);
  let saving = 0; // saves sent and not yet answered

  async function post(url, body) {
    const response = await ocrfix.fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Ocrfix-Token": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(ocrfix.reasonOf(response, data));
    }
    return data;
  }

  const normalised = (text) => text.split(/\s+/).filter(Boolean).join(" ");

  function highlight(input) {
    const box = input.dataset.box ? input.dataset.box.split(",").map(Number) : null;
    if (!box || !pageWidth || !scan.clientWidth) {
      lineBox.hidden = true;
      return;
    }
    const scale = scan.clientWidth / pageWidth;
    lineBox.style.left = `${box[0] * scale - 3}px`;
    lineBox.style.top = `${box[1] * scale - 3}px`;
    lineBox.style.width = `${(box[2] - box[0]) * scale + 6}px`;
    lineBox.style.height = `${(box[3] - box[1]) * scale + 6}px`;
    lineBox.hidden = false;
    lineBox.scrollIntoView({ block: "nearest" });
  }

  // Save a line if it differs from what was shown; resolves to false if the save failed.
  function save(input) {
    const text = normalised(input.value);
    if (text === input.dataset.shown) {
      input.classList.remove("changed");
      return queue;
    }
    const shown = input.dataset.shown;
    input.dataset.shown = text; // (the next edit of this line builds on this one)
    saving += 1;
    queue = queue.then(async () => {
      status.textContent = `Saving line ${input.dataset.line}\u2026`;
      try {
        const data = await post("/api/line", {
          document: documentName, page: pageNumber, line: Number(input.dataset.line), text, shown,
        });
        input.classList.remove("changed", "error");
        input.classList.add("saved");
        status.textContent = "Saved: " + data.step.description;
        if (pageStatus.textContent === "not started") setStatus("in progress");
        return true;
      } catch (err) {
        input.dataset.shown = shown;
        input.classList.add("error");
        status.textContent = `Line ${input.dataset.line} not saved: ${err.message}`;
        return false;
      } finally {
        saving -= 1;
      }
    });
    return queue;
  }

  // Closing the tab (or leaving the page) with a line typed but not saved, or a save not yet
  // answered, asks first: the line would be lost.
  window.addEventListener("beforeunload", (event) => {
    if (saving || inputs.some((i) => normalised(i.value) !== i.dataset.shown)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function setStatus(value) {
    pageStatus.textContent = value;
    pageStatus.className = "status-" + value.replace(" ", "-");
  }

  async function markProofread() {
    const focused = inputs.find((i) => i === document.activeElement);
    if (focused) save(focused);
    if (!(await queue)) return;
    try {
      await post("/api/page-status", { document: documentName, page: pageNumber, status: "proofread" });
      setStatus("proofread");
      status.textContent = "Page marked proofread.";
      if (main.dataset.next) location.assign(main.dataset.next);
    } catch (err) {
      status.textContent = "Not marked: " + err.message;
    }
  }

  async function go(url) {
    const focused = inputs.find((i) => i === document.activeElement);
    if (focused) save(focused);
    if (url && (await queue)) location.assign(url);
  }

  inputs.forEach((input, i) => {
    input.addEventListener("focus", () => highlight(input));
    input.addEventListener("input", () => input.classList.toggle("changed", normalised(input.value) !== input.dataset.shown));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        markProofread();
      } else if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault();
        save(input);
        (inputs[i + 1] || input).focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        save(input);
        (inputs[i - 1] || input).focus();
      } else if (event.key === "Escape") {
        input.value = input.dataset.shown;
        input.classList.remove("changed");
      } else if (event.key === "PageDown" || event.key === "PageUp") {
        event.preventDefault();
        go(event.key === "PageDown" ? main.dataset.next : main.dataset.previous);
      }
    });
    input.addEventListener("change", () => save(input)); // (leaving a line by mouse saves it too)
  });

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) markProofread();
    else if (event.key === "PageDown") go(main.dataset.next);
    else if (event.key === "PageUp") go(main.dataset.previous);
  });
  // The page's links (words queue, all pages, previous, next) wait for the line being saved.
  document.querySelectorAll("a[href]").forEach((a) => a.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // (a new tab: nothing is left)
    event.preventDefault();
    go(a.href);
  }));
  document.getElementById("proofread-button").addEventListener("click", markProofread);
  document.getElementById("undo-button").addEventListener("click", async () => {
    if (!(await queue)) return;
    try {
      const data = await post("/api/undo", {});
      if (!data.step) {
        status.textContent = "Nothing to undo.";
        return;
      }
      ocrfix.sayAfterReload(ocrfix.undone(data.step));
      location.reload();
    } catch (err) {
      status.textContent = "Not undone: " + err.message;
    }
  });
  // A scan that cannot be shown (moved or deleted since the run) is said so, with the reason.
  async function noScan() {
    const reason = await ocrfix.whyNotShown(scan.src);
    const missing = document.getElementById("scan-missing");
    missing.textContent = "The scan cannot be shown: " + reason;
    missing.hidden = false;
    document.getElementById("scan-box").hidden = true; // (the line outline goes with it)
  }
  scan.addEventListener("error", noScan);
  if (scan.complete && !scan.naturalWidth) noScan(); // (it failed before this script ran)
  scan.addEventListener("load", () => {
    const focused = inputs.find((i) => i === document.activeElement);
    if (focused) highlight(focused);
  });
  window.addEventListener("resize", () => {
    const focused = inputs.find((i) => i === document.activeElement);
    if (focused) highlight(focused);
  });
  // The first line is edited first; opened from a word of the queue ("proofread the page"), its line.
  const wanted = new URLSearchParams(location.search).get("line");
  const start = inputs.find((input) => input.dataset.line === wanted) || inputs[0];
  if (start) start.focus();
})();
