// The uploader: drag and drop or a file picker, checks before sending,
// a resumable upload over the tus protocol with progress, and the plain
// form upload as a fallback when tus is not reachable.
import { busy } from "./status.js";
import { say } from "./words.js";

const CHUNK = 8 * 1024 * 1024; // small enough to resume cheaply on a phone
const RETRIES = [1, 2, 4, 8, 15, 30]; // seconds between tries after a drop

export function initUploader(form) {
  const ui = {
    input: form.querySelector(".file-input"),
    drop: form.querySelector(".drop"),
    progress: form.querySelector(".progress"),
    bar: form.querySelector("progress"),
    name: form.querySelector(".progress-name"),
    pct: form.querySelector(".progress-pct"),
    meta: form.querySelector(".progress-meta"),
    cancel: form.querySelector(".progress-cancel"),
    error: form.querySelector(".upload-error"),
  };
  const cfg = {
    tus: form.dataset.tus, plain: form.dataset.plain, csrf: form.dataset.csrf,
    max: Number(form.dataset.max), maxText: form.dataset.maxText,
  };
  let current = null;

  const start = (file) => {
    if (!file || current) return;
    const problem = check(file, cfg);
    if (problem) { showError(ui, problem); return; }
    current = new Upload(file, cfg, ui);
    current.run().then(
      () => { location.assign(location.pathname); },
      (err) => { current = null; busy.uploading = false; if (!err.cancelled) showError(ui, err.message); reset(ui); },
    );
  };

  ui.input.addEventListener("change", () => start(ui.input.files[0]));
  // A file chosen while the page still worked without its script (the
  // script waits for its words) gets no change event now, and the form's
  // own button is hidden from here on: send it, as choosing a file does.
  if (ui.input.files.length) start(ui.input.files[0]);
  form.addEventListener("submit", (e) => { e.preventDefault(); start(ui.input.files[0]); });
  ui.cancel.addEventListener("click", () => current?.cancel());

  // Dropping a file anywhere on the page uploads it, rather than letting
  // the browser open the PDF and leave the page.
  let depth = 0;
  window.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth++; ui.drop.classList.add("dragging"); } });
  window.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; ui.drop.classList.remove("dragging"); } });
  window.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    ui.drop.classList.remove("dragging");
    start(e.dataTransfer.files[0]);
  });
}

function hasFiles(e) { return [...(e.dataTransfer?.types || [])].includes("Files"); }

// check says what is wrong with a file before a byte is sent; the server
// checks again, since a browser can be bypassed.
function check(file, cfg) {
  if (!/\.pdf$/i.test(file.name) && file.type !== "application/pdf") {
    return say("notPDF", "“{name}” is not a PDF. Export your artwork as a PDF and choose that file.", { name: file.name });
  }
  if (file.size === 0) return say("empty", "“{name}” is empty. Choose the PDF again.", { name: file.name });
  if (file.size > cfg.max) {
    return say("tooLarge", "“{name}” is {size}; the limit is {limit}. Export it with compressed images and try again.", { name: file.name, size: size(file.size), limit: cfg.maxText });
  }
  return "";
}

function showError(ui, msg) { ui.error.textContent = msg; ui.error.hidden = false; }

function reset(ui) {
  ui.progress.hidden = true;
  ui.drop.hidden = false;
  ui.input.value = "";
}

class Upload {
  constructor(file, cfg, ui) {
    Object.assign(this, { file, cfg, ui });
    this.key = `submit-tus:${cfg.tus}:${file.name}:${file.size}:${file.lastModified}`;
    // Accept-Language: the page's language, so that a refusal the script
    // shows is in the page's words whatever the browser prefers.
    this.headers = { "Tus-Resumable": "1.0.0", "X-CSRF-Token": cfg.csrf, "Accept-Language": document.documentElement.lang };
    this.xhr = null;
    this.cancelled = false;
    this.samples = [];
  }

  async run() {
    busy.uploading = true;
    const { ui, file } = this;
    ui.error.hidden = true;
    ui.drop.hidden = true;
    ui.progress.hidden = false;
    ui.name.textContent = file.name;
    this.show(0);
    let url;
    try {
      url = await this.resumeOrCreate();
    } catch (err) {
      if (!err.fallback) throw err;
      return this.plain(); // tus unreachable: send the file in one request
    }
    await this.send(url);
    localStorage.removeItem(this.key);
    ui.meta.textContent = say("uploaded", "Upload complete. Checking your file…");
  }

  // resumeOrCreate continues an upload of the same file that a dropped
  // connection or a closed tab left unfinished, or starts one.
  async resumeOrCreate() {
    const saved = localStorage.getItem(this.key);
    if (saved) {
      const r = await fetch(saved, { method: "HEAD", headers: this.headers }).catch(() => null);
      if (r?.ok) { this.offset = Number(r.headers.get("Upload-Offset")); return saved; }
      localStorage.removeItem(this.key);
    }
    this.offset = 0;
    let r;
    try {
      r = await fetch(this.cfg.tus, {
        method: "POST",
        headers: { ...this.headers, "Upload-Length": String(this.file.size),
          "Upload-Metadata": `filename ${b64(this.file.name)},filetype ${b64(this.file.type || "application/pdf")}` },
      });
    } catch { throw Object.assign(new Error("network"), { fallback: true }); }
    if ([404, 405, 501].includes(r.status)) throw Object.assign(new Error("no tus"), { fallback: true });
    if (r.status !== 201) throw new Error(await reason(r));
    const url = new URL(r.headers.get("Location"), location.href).href;
    localStorage.setItem(this.key, url);
    return url;
  }

  // send PATCHes the file chunk by chunk, resuming after drops.
  async send(url) {
    let tries = 0;
    while (this.offset < this.file.size) {
      if (this.cancelled) throw cancelled();
      const chunk = this.file.slice(this.offset, this.offset + CHUNK);
      const last = this.offset + chunk.size >= this.file.size;
      if (last) this.ui.meta.textContent = say("finishing", "Finishing…");
      const r = await this.request("PATCH", url, chunk, {
        "Upload-Offset": String(this.offset), "Content-Type": "application/offset+octet-stream",
      }).catch((err) => err);
      if (r instanceof Error) {
        if (this.cancelled) throw cancelled();
        if (tries >= RETRIES.length) {
          throw new Error(say("dropping", "The connection keeps dropping. Check it, then choose the same file again: the upload continues where it stopped."));
        }
        await this.wait(RETRIES[tries++]);
        this.offset = await this.head(url);
        continue;
      }
      if (r.status === 204) { this.offset = Number(r.getResponseHeader("Upload-Offset")); tries = 0; continue; }
      // Only tusd's offset mismatch is resumed from the server's offset;
      // other 409s are refusals to show.
      if (r.status === 409 && r.responseText.startsWith("ERR_MISMATCHED_OFFSET")) { this.offset = await this.head(url); continue; }
      // No room on the server (507): what was sent stays, to resume later.
      if (r.status !== 507) localStorage.removeItem(this.key);
      throw new Error(textOf(r.responseText) || say("failed", "The upload failed. Try again."));
    }
  }

  async head(url) {
    const r = await fetch(url, { method: "HEAD", headers: this.headers });
    if (!r.ok) throw new Error(say("lost", "The upload was lost on the server. Choose the file again to start over."));
    return Number(r.headers.get("Upload-Offset"));
  }

  // request sends one chunk with XMLHttpRequest, the only browser API that
  // reports upload progress.
  request(method, url, body, headers) {
    return new Promise((resolve, reject) => {
      const xhr = (this.xhr = new XMLHttpRequest());
      xhr.open(method, url);
      for (const [k, v] of Object.entries({ ...this.headers, ...headers })) xhr.setRequestHeader(k, v);
      const base = this.offset;
      xhr.upload.onprogress = (e) => this.show(base + e.loaded);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = xhr.onabort = xhr.ontimeout = () => reject(new Error("network"));
      xhr.send(body);
    });
  }

  // plain uploads the whole file as a form, for servers or proxies that
  // do not pass the tus protocol.
  async plain() {
    const data = new FormData();
    data.append("file", this.file);
    this.offset = 0;
    const r = await this.request("POST", this.cfg.plain, data, { Accept: "application/json" })
      .catch(() => { throw new Error(say("interrupted", "The upload was interrupted. Check your connection and try again.")); });
    if (r.status !== 201) {
      let msg = "";
      try { msg = JSON.parse(r.responseText).error; } catch { /* not JSON */ }
      throw new Error(msg || say("failed", "The upload failed. Try again."));
    }
  }

  async cancel() {
    this.cancelled = true;
    this.xhr?.abort();
    const url = localStorage.getItem(this.key);
    localStorage.removeItem(this.key);
    if (url) fetch(url, { method: "DELETE", headers: this.headers }).catch(() => {});
  }

  wait(seconds) {
    this.ui.meta.textContent = navigator.onLine ? say("retrying", "Connection lost. Retrying in {s} s…", { s: seconds }) : say("offline", "You are offline. The upload continues when you are back online.");
    return new Promise((resolve) => {
      const done = () => { window.removeEventListener("online", done); resolve(); };
      window.addEventListener("online", done);
      setTimeout(done, seconds * 1000);
    });
  }

  // show draws the progress: percentage, bytes, speed and time left.
  show(sent) {
    const { ui, file } = this;
    const pct = file.size ? Math.floor((sent / file.size) * 100) : 0;
    ui.bar.value = pct;
    ui.pct.textContent = pct + "%";
    const now = performance.now();
    this.samples.push([now, sent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const rate = now > t0 ? ((sent - b0) / (now - t0)) * 1000 : 0;
    let text = say("sent", "{sent} of {size}", { sent: size(sent), size: size(file.size) });
    if (rate > 0 && sent < file.size) {
      text += " · " + say("rate", "{rate}/s · {eta} left", { rate: size(rate), eta: eta((file.size - sent) / rate) });
    }
    if (sent < file.size) ui.meta.textContent = text;
  }
}

function cancelled() { return Object.assign(new Error("cancelled"), { cancelled: true }); }

async function reason(r) { return textOf(await r.text()) || say("notStarted", "The upload could not start ({status}). Try again.", { status: r.status }); }

// textOf turns a tusd error body ("ERR_CODE: message") into the message.
function textOf(body) {
  const t = (body || "").trim();
  if (t.startsWith("{")) { try { return JSON.parse(t).error || ""; } catch { return ""; } }
  return t.replace(/^ERR_[A-Z_]+: /, "");
}

function b64(s) { return btoa(String.fromCharCode(...new TextEncoder().encode(s))); }

// num writes a number in the page's language (decimal comma in German).
const num = (n, digits) => n.toLocaleString(document.documentElement.lang || "en", { maximumFractionDigits: digits });

export function size(n) {
  if (n < 1000) return say("bytes", "{n} bytes", { n: num(Math.round(n), 0) });
  const units = ["kB", "MB", "GB"];
  let i = -1;
  do { n /= 1000; i++; } while (n >= 1000 && i < units.length - 1);
  return `${num(n, n >= 10 ? 0 : 1)} ${units[i]}`;
}

function eta(seconds) {
  if (seconds < 60) return `${num(Math.max(1, Math.round(seconds)), 0)} s`;
  if (seconds < 3600) return `${num(Math.round(seconds / 60), 0)} min`;
  return `${num(seconds / 3600, 1)} h`;
}
