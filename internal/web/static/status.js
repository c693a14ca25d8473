// Live status: server-sent events, with polling when a proxy or browser
// does not carry them. The page reloads when the job reaches a state that
// looks different (the proof is ready, the check failed), except while an
// upload is running.

import { say } from "./words.js";

export const busy = { uploading: false };

export function watchStatus(body) {
  const base = body.dataset.base;
  const view = body.dataset.view;
  let sequence = Number(body.dataset.sequence);

  const apply = (s) => {
    if (s.view !== view) {
      if (!busy.uploading) location.reload();
      return;
    }
    if (s.sequence === sequence) return;
    sequence = s.sequence;
    updateStages(s);
  };

  const poll = async () => {
    try {
      const r = await fetch(base + "/status", { headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang }, cache: "no-store" });
      if (r.status === 404 || r.status === 410) { location.reload(); return; }
      if (r.ok) apply(await r.json());
    } catch { /* offline for a moment: try again */ }
    setTimeout(poll, 3000);
  };

  if (!("EventSource" in window)) { poll(); return; }
  const es = new EventSource(base + "/events");
  es.addEventListener("status", (e) => apply(JSON.parse(e.data)));
  es.addEventListener("error", () => {
    // A closed stream means the server refused it (an expired link, a
    // proxy that strips streams): poll instead; the poll explains.
    if (es.readyState === EventSource.CLOSED) poll();
  });
}

// updateStages moves the checklist of the processing page along.
function updateStages(s) {
  const live = document.querySelector(".live");
  if (live && s.message) live.textContent = say("status." + (s.view === "proofdelayed" ? "delayed" : s.status), s.message);
  if (s.status === "preflight_passed") {
    document.querySelector('[data-stage="check"]')?.classList.replace("current", "done");
    document.querySelector('[data-stage="proof"]')?.classList.add("current");
  }
}
