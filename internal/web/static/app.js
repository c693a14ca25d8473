// Entry module of the customer pages. Everything here improves a page that
// already works without JavaScript: plain forms upload and decide, and the
// page refreshes itself while the file is checked.
import { initUploader } from "./upload.js";
import { initViewer } from "./viewer.js";
import { watchStatus } from "./status.js";
import { say } from "./words.js";

document.documentElement.classList.add("js");

// A logo that fails to load leaves no broken-image icon behind.
const logo = document.querySelector(".logo");
if (logo) {
  const broken = () => logo.classList.add("broken");
  if (logo.complete && logo.naturalWidth === 0) broken();
  else logo.addEventListener("error", broken);
}

document.querySelectorAll(".uploader").forEach(initUploader);
document.querySelectorAll("[data-viewer]").forEach(initViewer);
if (document.body.dataset.base) watchStatus(document.body);

// A decision is sent once, even on a double click.
document.querySelectorAll(".approve-form, .reject-form").forEach((form) => {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    setTimeout(() => { button.disabled = true; button.textContent = say("sending", "Sending…"); }, 0);
  });
});
