// The only script on the portal: it starts the self-hosted proof-of-work widget on the
// tip form. Everything else works without JavaScript.
import "./altcha/altcha.min.js";

const registry = globalThis.$altcha;
// The strict-CSP build has no bundled workers: the hashing runs in our own copy.
registry.algorithms.set("SHA-256", () => new Worker("/static/altcha/sha.js"));

for (const widget of document.querySelectorAll("altcha-widget[data-strings]")) {
  const language = widget.getAttribute("language") || "en";
  const strings = JSON.parse(widget.dataset.strings);
  registry.i18n.set(language, { ...registry.i18n.get("en"), ...strings });
}
