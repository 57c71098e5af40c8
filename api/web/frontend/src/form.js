// The task page: renders the task's deployed form with form-js, prefilled from the server, saves
// drafts on the server (never in browser storage; by itself while typing, see autosave.js) and
// shows the server's field errors in place. The server is the one judge of a submission: its
// Danish messages are shown at the fields.
import { Form } from "@bpmn-io/form-js-viewer";
import { DraftSaver, TEXT as DRAFT_TEXT } from "./autosave.js";

const root = document.getElementById("task-form");
const status = document.getElementById("form-status");
const csrf = document.querySelector('meta[name="csrf-token"]').content;

function say(message, kind) {
  status.textContent = message;
  status.className = `alert alert-${kind}`;
  status.setAttribute("role", kind === "error" ? "alert" : "status");
  status.hidden = !message;
}

async function post(url, data) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
      body: JSON.stringify(data),
    });
  } catch {
    return { ok: false, status: 0, body: { message: "Der er ingen forbindelse. Prøv igen." } };
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { ok: response.ok, status: response.status, body };
}

function values(form) {
  // The field values only (form-js's submit data), without running its own English validation.
  return typeof form._getSubmitData === "function" ? form._getSubmitData() : form.submit().data;
}

// form-js speaks English; the page speaks Danish, in the server validator's words.
const DANISH = [
  [/^Field is required\.$/, () => "Feltet skal udfyldes"],
  [/^Field must have minimum length of (\S+)\.$/, (n) => `Mindst ${n} tegn`],
  [/^Field must have maximum length of (\S+)\.$/, (n) => `Højst ${n} tegn`],
  [/^Field must have minimum value of (\S+)\.$/, (n) => `Mindst ${n}`],
  [/^Field must have maximum value of (\S+)\.$/, (n) => `Højst ${n}`],
  [/^Field must match pattern/, () => "Formatet er forkert"],
  [/^Field must be a valid email\.$/, () => "Skriv en gyldig e-mailadresse"],
];

function danish(message) {
  for (const [pattern, text] of DANISH) {
    const match = pattern.exec(message);
    if (match) return text(match[1]);
  }
  return message;
}

function speakDanish(form) {
  const validator = form.get("validator");
  const validate = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (...args) => validate(...args).map(danish);
  // The select's empty choice and the search boxes are fixed English words in form-js. Only
  // the text node's data changes: form-js (Preact) keeps updating the very same node.
  const relabel = () => {
    root.querySelectorAll(".fjs-select-display").forEach((el) => {
      el.childNodes.forEach((node) => {
        if (node.nodeType === Node.TEXT_NODE && node.data === "Select") node.data = "Vælg";
      });
    });
    root.querySelectorAll('input[placeholder="Search"]').forEach((el) => {
      el.placeholder = "Søg";
    });
  };
  new MutationObserver(relabel).observe(root, {
    childList: true,
    subtree: true,
    characterData: true,
  });
  relabel();
}

// The server's field errors stay until the user changes something; then they go at once, so
// the page does not shift under the pointer on the way to "Afslut opgaven".
let serverErrorsShown = false;

function clearServerErrorsOnChange(form) {
  form.on("changed", () => {
    if (!serverErrorsShown) return;
    serverErrorsShown = false;
    form._setState({ errors: {} });
  });
}

function showFieldErrors(form, fields) {
  const byKey = {};
  form.get("formFieldRegistry").getAll().forEach((field) => {
    if (field.key) byKey[field.key] = field.id;
  });
  const errors = {};
  for (const [key, message] of Object.entries(fields)) {
    if (byKey[key]) errors[byKey[key]] = [message];
  }
  form._setState({ errors });
  serverErrorsShown = true;
  // form-js renders on the next frame; then the first field in error gets the focus.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const first = root.querySelector('[aria-invalid="true"]');
      if (first) first.focus();
    }, 0),
  );
}

// A panel beside the form (the offer catalogue's "Vælg", api/tilbud/static/tilbud.js) fills
// fields by key; keys the form does not have are left out.
function fillFromPanels(form) {
  document.addEventListener("boernesag:udfyld", (event) => {
    const keys = new Set(
      form.get("formFieldRegistry").getAll().map((field) => field.key).filter(Boolean),
    );
    const data = { ...form._getState().data };
    for (const [key, value] of Object.entries(event.detail || {})) {
      if (keys.has(key)) data[key] = value;
    }
    form._setState({ data });
  });
}

// form-js hands typed text to the form a moment after the last key (its own debounce); leaving
// the field hands it over at once (a synthetic blur event does not). Leaving the page does that
// first, so the last words are kept; a hidden tab gets its focus back where it was.
function flushTyping(refocus) {
  const active = document.activeElement;
  if (!active || !root.contains(active) || typeof active.blur !== "function") return;
  active.blur();
  if (refocus) active.focus({ preventScroll: true });
}

function autoSave(form, initial) {
  const line = document.getElementById("draft-status");
  const drafts = new DraftSaver({
    url: root.dataset.draftUrl,
    csrf,
    initial,
    values: () => values(form),
    line,
    onRefused: (message) => say(message || "Opgaven kan ikke længere gemmes her.", "error"),
    // The pause that saves; a test may lengthen it on the element (data-autosave-ms).
    idleMs: () => Number(root.dataset.autosaveMs),
  });
  form.on("changed", () => drafts.changed());
  window.addEventListener("pagehide", () => {
    flushTyping(false);
    drafts.leave(true);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "hidden") return;
    flushTyping(true);
    drafts.leave(false);
  });
  return drafts;
}

async function main() {
  const schema = JSON.parse(document.getElementById("form-schema").textContent);
  const data = JSON.parse(document.getElementById("form-data").textContent);
  const form = new Form({ container: root });
  speakDanish(form);
  await form.importSchema(schema, data);
  clearServerErrorsOnChange(form);
  fillFromPanels(form);
  const drafts = autoSave(form, data);
  root.dataset.ready = "true";

  document.getElementById("save-draft").addEventListener("click", async () => {
    const result = await drafts.saveNow();
    let fallback = "Udkastet kunne ikke gemmes.";
    if (result.loggedOut) fallback = "Du er ikke logget ind længere. Udkastet kunne ikke gemmes.";
    else if (result.status === 0) fallback = "Der er ingen forbindelse. Prøv igen.";
    say(result.body.message || result.body.detail || fallback, result.ok ? "success" : "error");
  });

  document.getElementById("complete-task").addEventListener("click", async () => {
    form._setState({ errors: {} });
    await drafts.pause();
    const submitted = values(form);
    const result = await post(root.dataset.completeUrl, submitted);
    if (result.ok) {
      drafts.stop();
      window.location.assign(result.body.next || "/");
      return;
    }
    say(result.body.message || "Opgaven kunne ikke afsluttes.", "error");
    if (result.status === 409) {
      drafts.stop();
      drafts.say(DRAFT_TEXT.stopped, "stopped");
    } else {
      // After the engine failed (5xx) the server holds this submission, as a draft again or
      // waiting for the retry: an auto-save of the same would only be refused or repeated.
      if (result.status >= 500) drafts.assume(submitted);
      drafts.resume();
    }
    if (result.status === 422 && result.body.fields) showFieldErrors(form, result.body.fields);
  });
}

main().catch(() => say("Formularen kunne ikke vises. Genindlæs siden.", "error"));
