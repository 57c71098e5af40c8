// The offer search beside the decision form: fetches the server-rendered results and
// comparison, and "Vælg" hands the offer's fields to the form (form.js listens for
// "boernesag:udfyld"). No inline scripts: the page's CSP allows scripts from our origin only.
const panel = document.getElementById("tilbud-panel");

async function fragment(url) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "text/html-fragment" },
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.text();
}

if (panel) {
  const form = document.getElementById("tilbud-search");
  const results = document.getElementById("tilbud-results");
  const compared = document.getElementById("tilbud-compare");
  const status = document.getElementById("tilbud-status");
  const say = (text) => {
    status.textContent = text;
  };

  async function search() {
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value !== "") query.append(key, value);
    say("Søger …");
    try {
      results.innerHTML = await fragment(`${panel.dataset.searchUrl}?${query}`);
      compared.innerHTML = "";
      say("");
      results.dataset.ready = "true";
    } catch {
      say("Tilbuddene kunne ikke hentes. Prøv igen.");
    }
  }

  async function compare() {
    const ids = [...results.querySelectorAll(".tilbud-compare-box:checked")].map((b) => b.value);
    if (ids.length < 2) {
      say("Markér mindst to tilbud for at sammenligne.");
      return;
    }
    const query = new URLSearchParams(ids.slice(0, 4).map((id) => ["id", id]));
    try {
      compared.innerHTML = await fragment(`${panel.dataset.compareUrl}?${query}`);
      say(ids.length > 4 ? "Kun de fire første sammenlignes." : "");
      compared.querySelector("table")?.scrollIntoView({ block: "nearest" });
    } catch {
      say("Sammenligningen kunne ikke hentes. Prøv igen.");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  panel.addEventListener("click", (event) => {
    const choose = event.target.closest(".tilbud-choose");
    if (choose) {
      const fields = JSON.parse(choose.dataset.tilbudFill);
      document.dispatchEvent(new CustomEvent("boernesag:udfyld", { detail: fields }));
      say(`${choose.dataset.tilbudName} er sat ind i bevillingen. Tjek pris og slutdato.`);
      return;
    }
    if (event.target.closest("#tilbud-compare-button")) compare();
  });
  search();
}
