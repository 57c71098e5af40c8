// The task page: renders the task's deployed form with form-js, prefilled from the server, saves
// drafts on the server (never in browser storage) and shows the server's field errors in place.
import { Form } from "@bpmn-io/form-js-viewer";

const root = document.getElementById("task-form");
const status = document.getElementById("form-status");
const csrf = document.querySelector('meta[name="csrf-token"]').content;

function say(message, kind) {
  status.textContent = message;
  status.className = `alert alert-${kind}`;
  status.hidden = !message;
  if (message) status.focus();
}

async function post(url, data) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    credentials: "same-origin",
    body: JSON.stringify(data),
  });
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { ok: response.ok, status: response.status, body };
}

function showFieldErrors(form, fields) {
  // form-js keeps errors per field id; the server answers per key.
  const byKey = {};
  form.get("formFieldRegistry").getAll().forEach((field) => {
    if (field.key) byKey[field.key] = field.id;
  });
  const errors = {};
  for (const [key, message] of Object.entries(fields)) {
    if (byKey[key]) errors[byKey[key]] = [message];
  }
  form._setState({ errors });
  const first = root.querySelector(".fjs-has-errors input, .fjs-has-errors textarea, .fjs-has-errors select");
  if (first) first.focus();
}

async function main() {
  const schema = JSON.parse(document.getElementById("form-schema").textContent);
  const data = JSON.parse(document.getElementById("form-data").textContent);
  const form = new Form({ container: root });
  await form.importSchema(schema, data);

  const draftButton = document.getElementById("save-draft");
  const completeButton = document.getElementById("complete-task");

  draftButton.addEventListener("click", async () => {
    const { data: values } = form.submit();
    const result = await post(root.dataset.draftUrl, values);
    if (result.ok) say("Udkastet er gemt.", "success");
    else say(result.body.message || "Udkastet kunne ikke gemmes.", "error");
  });

  completeButton.addEventListener("click", async () => {
    const { data: values, errors } = form.submit();
    if (Object.keys(errors).length) {
      say("Formularen er ikke udfyldt korrekt. Ret felterne markeret med fejl.", "error");
      return;
    }
    const result = await post(root.dataset.completeUrl, values);
    if (result.ok) {
      window.location.assign(result.body.next || "/");
    } else if (result.status === 422 && result.body.fields) {
      say(result.body.message || "Formularen er ikke udfyldt korrekt.", "error");
      showFieldErrors(form, result.body.fields);
    } else {
      say(result.body.message || "Opgaven kunne ikke afsluttes.", "error");
    }
  });
}

main().catch(() => say("Formularen kunne ikke vises. Genindlæs siden.", "error"));
