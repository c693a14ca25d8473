// The page's words for its scripts, in the page's language: the asset the
// root element's data-words names (words-<lang>.json, cached for a year).
// A word missing there, or a fetch that fails, falls back to the English
// given in the code.
const url = document.documentElement.dataset.words;
const words = url ? await fetch(url).then((r) => (r.ok ? r.json() : {})).catch(() => ({})) : {};

// say returns the word for key with {name} placeholders filled from vars.
export function say(key, english, vars = {}) {
  let s = words[key] ?? english;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}
