// Checklist view for nosworkbook.widgets.Checklist: one widget model, plain DOM, no build step.
//
// The DOM is built once per view; a change to `values` rewrites only the controls whose state
// differs. Edits go to Python as {"type": "edit", id, seq, epoch, rating?, evidence?} messages
// and Python answers each with {"type": "ack", seq, ok, error}. While a row has edits in flight
// its controls are not overwritten from `values` (that would undo keystrokes or arrow presses
// made since), and a focused textarea is never rewritten except after a sign-in/sign-out.
// All learner text is set with textContent / value, never as HTML.
//
// An item shows as not saved (in its error line, an alert) when the kernel refuses or fails an
// edit, when an edit gets no ack within `_ack_timeout_ms` (until a late ack says it was saved
// after all), and when its evidence is over the limit (then it is not sent). Limits count
// characters (code points), as Python and the store do: never UTF-16 units, so there is no
// `maxlength` (it counts units and cuts a pasted note without a word) and no cutting a note.
//
// Each item shows where it stands (its "Status": not started, working towards, returned with
// the tutor's feedback, signed off, changed since sign-off) from the kernel's `states` trait,
// as text, in the item's description for screen readers. The view only shows it: nothing here
// writes it, and there is no control that signs off. While nobody is signed in (disabled) it
// is hidden. When it changes because of the learner's own edit (not a sign-in) and a tutor has
// decided on the item, a polite status region says so.

const DEBOUNCE_MS = 600;
const NO_REPLY =
  "This change has not been saved: the workbook did not reply. Check your connection; if this message stays, reload the page and make the change again.";
const DECIDED = new Set(["returned", "signed off", "changed since sign-off"]);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

let viewCount = 0;

function h(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text; // no needless live-region repeats
}

/** How many characters (code points) `text` has: an emoji is one, as the store counts it. */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** The kernel's words for a note over the limit, or "" when it fits. */
export function tooLong(text, max) {
  if (text.length <= max) return ""; // never more characters than UTF-16 units
  const n = codePoints(text);
  if (n <= max) return "";
  const fmt = (x) => x.toLocaleString("en-GB");
  return `Evidence is limited to ${fmt(max)} characters; this has ${fmt(n)}.`;
}

/** "23 Nov 2026" in the learner's time zone, or "" for a missing or unreadable date. */
export function britishDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
}

function render({ model, el }) {
  const maxEvidence = model.get("max_evidence"); // the store's limit (nosworkbook.ids)
  const prefix = `nwcl${++viewCount}-${Math.random().toString(36).slice(2, 8)}`;
  const rows = new Map(); // criterion id -> row state
  const awaiting = new Map(); // seq -> {row, timer}: an edit waiting for its ack
  let seq = 0;
  let seenEpoch = model.get("_epoch");
  let statesEpoch = model.get("_epoch");
  let parts = null;

  el.classList.add("nw-checklist");

  const entryFor = (row) => (model.get("values") || {})[row.item.id] || {};
  const top = () => {
    const scale = model.get("scale") || [];
    return scale[scale.length - 1];
  };

  // --- sending edits -------------------------------------------------------------------------

  function send(row, fields) {
    seq += 1;
    const sent = seq;
    row.inflight += 1;
    const wait = model.get("_ack_timeout_ms") || 20000;
    const timer = setTimeout(() => {
      if (!awaiting.has(sent)) return;
      row.late.add(sent); // still awaited: a late ack can clear it
      showState(row);
    }, wait);
    awaiting.set(sent, { row, timer });
    model.send({ type: "edit", id: row.item.id, epoch: model.get("_epoch"), seq: sent, ...fields });
  }

  function forgetAwaiting() {
    for (const { timer } of awaiting.values()) clearTimeout(timer);
    awaiting.clear();
  }

  function takeEvidence(row) {
    // The unsent evidence of a row as {evidence}, or {} when nothing new (or nothing that
    // fits) was typed. A note over the limit is not sent, and the row says why.
    clearTimeout(row.timer);
    row.timer = null;
    if (!row.dirty) return {};
    row.dirty = false;
    const text = row.textarea.value;
    row.tooLong = tooLong(text, maxEvidence);
    showState(row);
    return row.tooLong ? {} : { evidence: text };
  }

  function flushRow(row) {
    const fields = takeEvidence(row);
    if ("evidence" in fields) send(row, fields);
  }

  function flushAll() {
    for (const row of rows.values()) flushRow(row);
  }

  // --- drawing -------------------------------------------------------------------------------

  function build() {
    flushAll();
    el.replaceChildren();
    rows.clear();
    forgetAwaiting();
    const items = model.get("items") || [];
    const scale = model.get("scale") || [];
    const level = Math.min(6, Math.max(2, model.get("heading_level") || 2));
    const headingId = `${prefix}-heading`;

    const section = h("section", { "aria-labelledby": headingId });
    const heading = h(`h${level}`, { id: headingId, class: "nw-heading" }, model.get("heading"));

    const count = h("p", { class: "nw-count", role: "status", "aria-live": "polite" });
    const bar = h("div", {
      class: "nw-progress",
      role: "progressbar",
      "aria-label": `${model.get("heading") || "Checklist"}: progress`,
      "aria-valuemin": "0",
    });
    const fill = h("div", { class: "nw-progress-fill" });
    bar.append(fill);

    const note = h("p", { class: "nw-disabled-note" });
    const announce = h("p", { class: "nw-announce", role: "status", "aria-live": "polite" });
    const filterLabel = h("label", { class: "nw-filter" });
    const filter = h("input", { type: "checkbox" });
    filterLabel.append(filter, h("span", {}, `Show only items not yet ${top() ?? ""}`));
    const empty = h("p", { class: "nw-empty", hidden: "" }, `Every item is rated ${top() ?? ""}.`);
    const list = h("ul", { class: "nw-items" });

    items.forEach((item, index) => {
      const rid = `${prefix}-${index}`;
      const li = h("li", { class: "nw-item" });
      const idSpan = h("strong", { id: `${rid}-id`, class: "nw-id" }, item.short_id);
      const textSpan = h("span", { id: `${rid}-text`, class: "nw-text" }, item.text);
      const criterion = h("p", { class: "nw-criterion" });
      criterion.append(idSpan, " ", textSpan);

      // Where the item stands: text, described by the item's controls (never colour alone).
      const state = h("div", { id: `${rid}-state`, class: "nw-state", hidden: "" });
      const stateWords = h("span", { class: "nw-state-words" });
      const stateLine = h("p", { class: "nw-state-line" });
      stateLine.append(h("strong", {}, "Status:"), " ", stateWords);
      const feedbackWords = h("span", { class: "nw-feedback-words" });
      const feedback = h("p", { class: "nw-feedback", hidden: "" });
      feedback.append(h("strong", {}, "Your tutor's feedback:"), " ", feedbackWords);
      state.append(stateLine, feedback);

      const group = h("fieldset", {
        class: "nw-rating",
        role: "radiogroup",
        "aria-labelledby": `${rid}-id ${rid}-legend`,
        "aria-describedby": `${rid}-text`,
      });
      group.append(h("legend", { id: `${rid}-legend` }, "Rating"));
      const radios = scale.map((label, i) => {
        const radio = h("input", { type: "radio", name: `${rid}-rating`, id: `${rid}-r${i}` });
        radio.value = label;
        const radioLabel = h("label", { for: `${rid}-r${i}` }, label);
        const option = h("span", { class: "nw-option" });
        option.append(radio, radioLabel);
        group.append(option);
        return radio;
      });

      const evidenceLabel = h(
        "label",
        { for: `${rid}-evidence`, class: "nw-evidence-label" },
        `Evidence for ${item.short_id}`,
      );
      const textarea = h("textarea", {
        id: `${rid}-evidence`,
        class: "nw-evidence",
        rows: "3",
        "aria-describedby": `${rid}-text ${rid}-state ${rid}-error`,
      });
      group.setAttribute("aria-describedby", `${rid}-text ${rid}-state ${rid}-error`);
      const changed = h("p", { class: "nw-changed" });
      const error = h("p", { id: `${rid}-error`, class: "nw-error", hidden: "" });

      li.append(criterion, state, group, evidenceLabel, textarea, changed, error);
      list.append(li);
      const row = { item, li, radios, textarea, changed, error, timer: null };
      Object.assign(row, { state, stateWords, feedback, feedbackWords, shownState: "" });
      row.dirty = false;
      row.inflight = 0;
      row.failed = ""; // the kernel's reason the last edit was not saved
      row.late = new Set(); // seqs with no ack in time
      row.tooLong = ""; // the note is over the limit, so it was not sent
      li.nwRow = row;
      rows.set(item.id, row);
    });

    section.append(heading, count, bar, note, filterLabel, empty, list, announce);
    el.append(section);
    parts = { count, bar, fill, note, filter, empty, list, announce };

    filter.addEventListener("change", () => {
      model.set("only_incomplete", filter.checked);
      model.save_changes();
    });
    list.addEventListener("change", onChange);
    list.addEventListener("input", onInput);
    list.addEventListener("focusout", () => setTimeout(applyFilter, 0));

    for (const row of rows.values()) updateRow(row, true);
    updateSummary();
    applyDisabled();
    applyFilter();
  }

  function showStates() {
    // Each row's status and feedback, as text. Hidden (and empty, as a description is read
    // even when hidden) while nobody is signed in.
    if (!parts) return;
    const epoch = model.get("_epoch");
    const quiet = epoch !== statesEpoch; // a sign-in or sign-out: nothing to announce
    statesEpoch = epoch;
    const states = model.get("states") || {};
    const disabled = Boolean(model.get("disabled"));
    const said = [];
    for (const row of rows.values()) {
      const entry = disabled ? null : states[row.item.id] || null;
      const text = entry ? String(entry.text || "") : "";
      const words = entry ? String(entry.feedback || "") : "";
      const before = row.shownState;
      if (!quiet && before && text && text !== before) {
        if (DECIDED.has(entry.state) || DECIDED.has(row.stateName)) {
          said.push(`${row.item.short_id}: ${text}.`);
        }
      }
      row.shownState = text;
      row.stateName = entry ? String(entry.state || "") : "";
      setText(row.stateWords, text);
      setText(row.feedbackWords, words);
      row.feedback.hidden = !words;
      row.state.hidden = !text;
      const slug = row.stateName.replace(/[^a-z]+/g, "-");
      if (row.state.dataset.state !== slug) row.state.dataset.state = slug;
    }
    if (said.length) setText(parts.announce, said.join(" "));
    else if (quiet) setText(parts.announce, "");
  }

  function updateRow(row, force) {
    const entry = entryFor(row);
    const rating = entry.rating ?? null;
    const evidence = entry.evidence ?? "";
    if (force || row.inflight === 0) {
      for (const radio of row.radios) {
        const checked = radio.value === rating;
        if (radio.checked !== checked) radio.checked = checked;
      }
      // A note over the limit stays as typed (it was never sent) so it can be shortened.
      const typing = row.dirty || row.tooLong || document.activeElement === row.textarea;
      if ((force || !typing) && row.textarea.value !== evidence) row.textarea.value = evidence;
    }
    const date = britishDate(entry.changed);
    setText(row.changed, date ? `Last changed ${date}` : "Not changed yet");
  }

  function showState(row) {
    // Everything that is not saved on this row, in one line.
    const parts = [row.failed, row.late.size ? NO_REPLY : "", row.tooLong];
    showError(row, [...new Set(parts.filter(Boolean))].join(" "));
  }

  function showError(row, message) {
    setText(row.error, message || "");
    row.error.hidden = !message;
    if (message) row.error.setAttribute("role", "alert");
    else row.error.removeAttribute("role");
  }

  function updateSummary() {
    if (!parts) return;
    const values = model.get("values") || {};
    const best = top();
    let done = 0;
    for (const row of rows.values()) if ((values[row.item.id] || {}).rating === best) done += 1;
    const total = rows.size;
    const text = `${done} of ${total} rated ${best}`;
    setText(parts.count, text);
    parts.bar.setAttribute("aria-valuemax", String(total));
    parts.bar.setAttribute("aria-valuenow", String(done));
    parts.bar.setAttribute("aria-valuetext", text);
    parts.fill.style.width = total ? `${(100 * done) / total}%` : "0%";
  }

  function applyFilter() {
    if (!parts) return;
    const only = Boolean(model.get("only_incomplete"));
    if (parts.filter.checked !== only) parts.filter.checked = only;
    const values = model.get("values") || {};
    const best = top();
    let shown = 0;
    for (const row of rows.values()) {
      // A row keeps its place while focus is inside it, so rating an item "Competent" with
      // the filter on does not pull the control out from under the learner.
      const done = (values[row.item.id] || {}).rating === best;
      const hide = only && done && !row.li.contains(document.activeElement);
      if (row.li.hidden !== hide) row.li.hidden = hide;
      if (!hide) shown += 1;
    }
    parts.empty.hidden = !(only && shown === 0);
  }

  function applyDisabled() {
    if (!parts) return;
    const disabled = Boolean(model.get("disabled"));
    for (const row of rows.values()) {
      for (const radio of row.radios) radio.disabled = disabled;
      row.textarea.disabled = disabled;
    }
    setText(parts.note, disabled ? model.get("disabled_note") || "" : "");
    parts.note.hidden = !disabled;
    showStates();
  }

  // --- events --------------------------------------------------------------------------------

  function rowOf(target) {
    const li = target.closest("li.nw-item");
    return li ? li.nwRow : null;
  }

  function onInput(event) {
    const row = rowOf(event.target);
    if (!row || event.target !== row.textarea) return;
    row.dirty = true;
    clearTimeout(row.timer);
    row.timer = setTimeout(() => flushRow(row), DEBOUNCE_MS);
  }

  function onChange(event) {
    const row = rowOf(event.target);
    if (!row) return;
    if (event.target === row.textarea) {
      flushRow(row);
    } else if (row.radios.includes(event.target) && event.target.checked) {
      send(row, { rating: event.target.value, ...takeEvidence(row) });
    }
  }

  // --- model events --------------------------------------------------------------------------

  function onValues() {
    const epoch = model.get("_epoch");
    const force = epoch !== seenEpoch; // sign-in, sign-out or learner switch
    if (force) {
      seenEpoch = epoch;
      forgetAwaiting();
      for (const row of rows.values()) {
        clearTimeout(row.timer);
        row.timer = null;
        row.dirty = false;
        row.inflight = 0;
        row.failed = "";
        row.late.clear();
        row.tooLong = "";
        showState(row);
      }
    }
    for (const row of rows.values()) updateRow(row, force);
    updateSummary();
    applyFilter();
    showStates();
  }

  function onMessage(msg) {
    if (!msg || msg.type !== "ack") return;
    const waiting = awaiting.get(msg.seq);
    if (!waiting) return; // from before a rebuild or a sign-in: nothing to do
    const { row, timer } = waiting;
    clearTimeout(timer);
    awaiting.delete(msg.seq);
    row.late.delete(msg.seq); // a late ack: this edit is no longer missing
    row.inflight = Math.max(0, row.inflight - 1);
    if (msg.ok) row.failed = "";
    else if (msg.error !== "stale") row.failed = msg.error || "Your answer was not saved.";
    showState(row);
    if (row.inflight === 0) updateRow(row, false);
  }

  function onVisibility() {
    if (document.visibilityState === "hidden") flushAll();
  }

  const handlers = [
    ["change:items", build],
    ["change:scale", build],
    ["change:heading", build],
    ["change:heading_level", build],
    ["change:values", onValues],
    ["change:states", showStates],
    ["change:_epoch", onValues],
    ["change:only_incomplete", applyFilter],
    ["change:disabled", applyDisabled],
    ["change:disabled_note", applyDisabled],
    ["msg:custom", onMessage],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  window.addEventListener("pagehide", flushAll);
  document.addEventListener("visibilitychange", onVisibility);

  build();

  return () => {
    flushAll();
    for (const [name, handler] of handlers) model.off(name, handler);
    window.removeEventListener("pagehide", flushAll);
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

export default { render };
