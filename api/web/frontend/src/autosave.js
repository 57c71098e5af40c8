// Drafts saved on the server while the caseworker types, so a lost tab loses nothing: after a
// pause in typing, on leaving the page, and when "Gem udkast" is clicked. Never in browser storage.
//
// - One request in flight at a time; a change during a save schedules one more after it.
// - Nothing is sent when the form holds what the server last saved (each save is an audited write);
//   an empty field is the same as one never touched.
// - A task completed or taken by someone else meanwhile (409), or no longer ours to see (403, 404),
//   stops the auto-save for good; any other failure is said and retried on the next change.
// - Leaving the page (pagehide, or the tab hidden) sends at once with `keepalive`, so the request
//   outlives the page. That one may run beside a save already in flight: the page is going away.

const IDLE_MS = 2500; // a pause in typing this long saves
const MAX_WAIT_MS = 30000; // typing without a pause still saves this often
// Browsers allow 64 KiB of keepalive bodies in flight per page; a larger draft goes without.
const KEEPALIVE_BYTES = 64000;
const REFUSED = new Set([403, 404, 409]);

export const TEXT = {
  saving: "Gemmer udkast …",
  saved: (when) => `Udkast gemt kl. ${clockTime(when)}`,
  failed: "Udkastet kunne ikke gemmes – prøv igen",
  loggedOut: "Udkastet kunne ikke gemmes – du er ikke logget ind længere",
  stopped: "Udkastet gemmes ikke længere automatisk.",
};

const TIME = new Intl.DateTimeFormat("da-DK", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "Europe/Copenhagen",
});

// tt.mm in Danish time, whatever the machine's own zone.
export function clockTime(when) {
  const parts = Object.fromEntries(TIME.formatToParts(when).map((p) => [p.type, p.value]));
  return `${parts.hour}.${parts.minute}`;
}

async function request(url, csrf, body, keepalive) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
      // Without a session the server redirects to /log-ind: that is a failure, not a page.
      redirect: "manual",
      keepalive,
      body,
    });
  } catch {
    return { ok: false, status: 0, body: {} };
  }
  if (response.type === "opaqueredirect") return { ok: false, status: 0, loggedOut: true, body: {} };
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  return { ok: response.ok, status: response.status, body: answer };
}

function isEmpty(value) {
  if (Array.isArray(value)) return value.length === 0;
  return value === null || value === undefined || value === "";
}

// What a draft says, for comparing: its filled fields, in key order.
function meaning(data) {
  const filled = Object.entries(data).filter(([, value]) => !isEmpty(value));
  return JSON.stringify(filled.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class DraftSaver {
  /**
   * @param {object} options
   * @param {string} options.url the draft endpoint (POST, JSON)
   * @param {string} options.csrf the page's CSRF token
   * @param {object} options.initial the data the page came with (the server's draft or prefill)
   * @param {() => object} options.values the form's values
   * @param {HTMLElement} options.line the status line (aria-live polite)
   * @param {(message: string) => void} options.onRefused the task is gone or not ours any more
   * @param {() => number} [options.idleMs] the pause that saves (0 or NaN: the default)
   */
  constructor({ url, csrf, initial, values, line, onRefused, idleMs }) {
    this.url = url;
    this.csrf = csrf;
    this.values = values;
    this.line = line;
    this.onRefused = onRefused;
    this.idleMs = () => (idleMs && idleMs()) || IDLE_MS;
    this.saved = meaning(initial); // what the server holds
    this.inFlight = null;
    this.inFlightMeaning = null;
    this.keepaliveBytes = 0;
    this.timer = null;
    this.dirtySince = null;
    this.again = false;
    this.paused = false;
    this.stopped = false;
  }

  say(text, kind) {
    this.line.textContent = text;
    this.line.dataset.state = kind;
  }

  /** The form changed: save after a pause (or after MAX_WAIT_MS of typing without one). */
  changed() {
    if (this.stopped || this.paused) return;
    const now = Date.now();
    if (this.dirtySince === null) this.dirtySince = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.idleMs(), this.dirtySince + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => this.tick(), wait);
  }

  tick() {
    this.timer = null;
    if (this.stopped || this.paused) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const data = this.values();
    if (meaning(data) === this.saved) {
      this.dirtySince = null;
      return;
    }
    this.send(data);
  }

  async send(data) {
    this.dirtySince = null;
    const body = JSON.stringify(data);
    const sent = meaning(data);
    const bytes = new TextEncoder().encode(body).length;
    const keepalive = this.keepaliveBytes + bytes <= KEEPALIVE_BYTES;
    if (keepalive) this.keepaliveBytes += bytes;
    this.say(TEXT.saving, "saving");
    const run = request(this.url, this.csrf, body, keepalive);
    this.inFlight = run;
    this.inFlightMeaning = sent;
    const result = await run;
    if (keepalive) this.keepaliveBytes -= bytes;
    if (this.inFlight === run) {
      this.inFlight = null;
      this.inFlightMeaning = null;
    }
    this.settle(sent, result);
    if (this.again) {
      this.again = false;
      this.tick();
    }
    return result;
  }

  settle(sent, result) {
    if (result.ok) {
      this.saved = sent;
      this.say(TEXT.saved(new Date()), "saved");
    } else if (REFUSED.has(result.status)) {
      this.stop();
      this.say(TEXT.stopped, "stopped");
      this.onRefused(result.body.message || result.body.detail || "");
    } else {
      this.say(result.loggedOut ? TEXT.loggedOut : TEXT.failed, "error");
    }
  }

  /** "Gem udkast": saves now, changed or not, after the save in flight. */
  async saveNow() {
    clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight) await this.inFlight;
    const result = await this.send(this.values());
    if (result.ok) this.stopped = false; // the task is ours again (a leader gave it back)
    return result;
  }

  /**
   * Leaving the page (`going`: pagehide) or hiding the tab: what is not on the server yet goes
   * now. A hidden tab still runs, so it waits for a save in flight; a page going away cannot.
   */
  leave(going) {
    if (this.stopped || this.paused) return;
    clearTimeout(this.timer);
    this.timer = null;
    const data = this.values();
    const now = meaning(data);
    if (now === this.saved || now === this.inFlightMeaning) return;
    if (this.inFlight && !going) {
      this.again = true;
      return;
    }
    this.send(data);
  }

  /** Completing the task: no saves meanwhile; waits for the one in flight. */
  async pause() {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight) await this.inFlight;
  }

  /** The server holds this data now (kept by another request). */
  assume(data) {
    this.saved = meaning(data);
  }

  resume() {
    this.paused = false;
    this.changed();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.again = false;
  }
}
