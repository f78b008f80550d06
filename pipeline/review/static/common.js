// What the review page and the page view share: the session's token, the app's reason for a
// refused request, and why a scan cannot be shown.
const ocrfix = Object.freeze({
  token: document.querySelector('meta[name="ocrfix-token"]').content,
  // The app's reason for refusing a request: its "error", FastAPI's validation detail, or the HTTP status.
  reasonOf: (response, data) => data.error || (data.detail && JSON.stringify(data.detail)) || response.statusText,
  // Why an image (a scan or a line's crop, moved or deleted since the run) cannot be shown: the
  // app's reason for refusing it, or the network's.
  // What an undo did, said on the page that the reload after it shows (this tab's next page only):
  // the reload alone showed the decision before it as "Last:", and never an entry it had to leave.
  sayAfterReload(message) {
    sessionStorage.setItem("ocrfix-said", message);
  },
  undone: (step) => ["Undone: " + step.description].concat(step.failed.map((f) => "Output not regenerated: " + f)).join("\n"),
  // fetch, where no answer at all (the browser's "TypeError: Failed to fetch") is said as what it
  // means for a person: the review was stopped (Ctrl-C ends the web review), not a script's error.
  async fetch(url, options) {
    try {
      return await fetch(url, options);
    } catch (err) {
      throw new Error("the review does not answer: was `ocrfix review` stopped (Ctrl-C)? Start it again and reload the page");
    }
  },
  async whyNotShown(src) {
    try {
      const response = await ocrfix.fetch(src, { credentials: "same-origin" });
      return (await response.json().catch(() => ({}))).error || response.statusText;
    } catch (err) {
      return err.message;
    }
  },
});
(() => {
  const said = sessionStorage.getItem("ocrfix-said");
  const status = document.getElementById("status");
  if (said === null || !status) return;
  sessionStorage.removeItem("ocrfix-said");
  status.innerText = said;
})();
