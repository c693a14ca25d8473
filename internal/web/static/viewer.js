// The proof viewer: pages stacked in a scrollable stage, zoom by buttons,
// keys (+, -, 0), ctrl/⌘ + wheel or trackpad pinch, and two-finger pinch
// on touch screens; thumbnails jump to a page; trim and bleed can be
// hidden to see the page as it will look. A screen reader hears each zoom
// and page change through one polite live region, as "Zoom 125%" and
// "Page 2 of 4": the picture itself tells it nothing.
import { say } from "./words.js";

const MIN = 0.5;
const MAX = 8;

export function initViewer(root) {
  const stage = root.querySelector(".stage");
  const sheets = [...root.querySelectorAll(".sheet")];
  const level = root.querySelector(".zoom-level");
  const thumbs = [...root.querySelectorAll("[data-goto]")];
  const status = root.querySelector(".viewer-status");
  const announce = (text) => { if (status) status.textContent = text; };
  let zoom = 1;

  // fit makes zoom 1 show the widest page whole, within the stage.
  const fit = () => {
    const pad = parseFloat(getComputedStyle(root.querySelector(".sheets")).paddingLeft) * 2;
    let width = stage.clientWidth - pad;
    for (const s of sheets) {
      const img = s.querySelector("img");
      const aspect = img.width / img.height || 0.7;
      width = Math.min(width, (stage.clientHeight - pad - 32) * aspect);
    }
    root.style.setProperty("--fit", Math.max(120, Math.floor(width)) + "px");
  };
  new ResizeObserver(fit).observe(stage);
  fit();

  // setZoom keeps the point under (x, y) of the stage where it is.
  const setZoom = (z, x = stage.clientWidth / 2, y = stage.clientHeight / 2) => {
    z = Math.min(MAX, Math.max(MIN, z));
    const ratio = z / zoom;
    const px = stage.scrollLeft + x, py = stage.scrollTop + y;
    zoom = z;
    root.style.setProperty("--zoom", z);
    stage.scrollLeft = px * ratio - x;
    stage.scrollTop = py * ratio - y;
    level.textContent = Math.round(z * 100) + "%"; // of the fitted size
    announce(say("zoom", "Zoom {level}", { level: level.textContent }));
  };

  root.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    const how = b.dataset.zoom;
    setZoom(how === "in" ? zoom * 1.25 : how === "out" ? zoom / 1.25 : 1);
  }));

  root.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    const step = { "+": 1.25, "=": 1.25, "-": 0.8, "_": 0.8 }[e.key];
    if (step) { e.preventDefault(); setZoom(zoom * step); }
    if (e.key === "0") { e.preventDefault(); setZoom(1); }
  });

  // Browsers report a trackpad pinch as a wheel event with ctrlKey.
  stage.addEventListener("wheel", (e) => {
    if (!e.ctrlKey && !e.metaKey) return;
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    setZoom(zoom * Math.exp(-e.deltaY * 0.01), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  pinch(stage, () => zoom, setZoom);

  const guides = root.querySelector("[data-guides]");
  guides?.addEventListener("change", () => root.classList.toggle("hide-guides", !guides.checked));

  thumbs.forEach((t) => t.addEventListener("click", (e) => {
    e.preventDefault();
    const sheet = root.querySelector("#page-" + t.dataset.goto);
    stage.scrollTo({ top: sheet.offsetTop - 16, behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    stage.focus({ preventScroll: true });
  }));

  // The thumbnail of the page most in view is marked current, and a new
  // page in view is announced (not the first, which the heading says).
  if (thumbs.length) {
    const seen = new Map();
    let shown = null;
    const io = new IntersectionObserver((entries) => {
      for (const en of entries) seen.set(en.target.dataset.page, en.intersectionRatio);
      const best = [...seen].sort((a, b) => b[1] - a[1])[0]?.[0];
      thumbs.forEach((t) => t.setAttribute("aria-current", String(t.dataset.goto === best)));
      if (best && shown !== null && best !== shown) announce(say("pageOf", "Page {page} of {pages}", { page: best, pages: sheets.length }));
      shown = best ?? shown;
    }, { root: stage, threshold: [0, 0.25, 0.5, 0.75, 1] });
    sheets.forEach((s) => io.observe(s));
  }
}

// pinch zooms with two fingers. One finger still scrolls natively (the
// stage has touch-action: pan-x pan-y, so the page itself does not zoom).
function pinch(stage, get, set) {
  let start = null;
  const dist = (t) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
  stage.addEventListener("touchstart", (e) => {
    if (e.touches.length === 2) start = { d: dist(e.touches), z: get() };
  }, { passive: true });
  stage.addEventListener("touchmove", (e) => {
    if (!start || e.touches.length !== 2) return;
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    const x = (e.touches[0].clientX + e.touches[1].clientX) / 2 - r.left;
    const y = (e.touches[0].clientY + e.touches[1].clientY) / 2 - r.top;
    set(start.z * (dist(e.touches) / start.d), x, y);
  }, { passive: false });
  stage.addEventListener("touchend", (e) => { if (e.touches.length < 2) start = null; });
}
