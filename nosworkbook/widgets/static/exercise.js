// Exercise widget: scenario, material, a form built from field descriptions, and feedback.
// Learner text is only ever set with textContent or value; the only HTML used is what Python
// rendered from scenario markdown with raw HTML escaped.
//
// "Check my answer" sends {"type": "check", seq, epoch, answer}; the kernel marks and saves it
// and answers every message with {"type": "ack", seq, ok, error} (nosworkbook/widgets/base.py).
// A refused or failed save is shown in an alert under the button; so is a check that gets no
// ack in time, until a late ack says it was saved after all.
let counter = 0;

const NO_REPLY =
  "Your answer has not been saved: the workbook did not reply. Check your connection, then choose Check my answer again.";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function renderBlock(block) {
  if (block.type === "html") {
    const div = el("div", { class: "nosw-ex-html" });
    div.innerHTML = block.html; // rendered by Python with raw HTML escaped
    return div;
  }
  if (block.type === "table") {
    const table = el("table", { class: "nosw-ex-table" });
    if (block.caption) table.append(el("caption", { text: block.caption }));
    const head = el("tr", {}, ...block.columns.map((c) => el("th", { scope: "col", text: c })));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const row of block.rows) body.append(el("tr", {}, ...row.map((c) => el("td", { text: String(c) }))));
    table.append(body);
    return table;
  }
  if (block.type === "image") {
    const figure = el("figure", { class: "nosw-ex-figure" });
    figure.append(el("img", { src: block.src, alt: block.alt || "" }));
    if (block.caption) figure.append(el("figcaption", { text: block.caption }));
    return figure;
  }
  if (block.type === "matrix") {
    // A coloured grid, every cell's band in words too (never colour alone): see matrix_html.
    const table = el("table", { class: "nosw-ex-matrix" });
    table.append(el("caption", { text: block.title }));
    const head = el("tr", {}, el("th", { scope: "col", text: `${block.row_label} \u2193 / ${block.col_label} \u2192` }));
    for (const label of block.col_labels) head.append(el("th", { scope: "col", text: label }));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const row of block.rows) {
      const tr = el("tr", {}, el("th", { scope: "row", text: row.label }));
      for (const cell of row.cells) {
        const td = el("td", { class: `nosw-level-${cell.level}` });
        const words = String(cell.level_label || cell.level);
        td.append(el("span", { class: "nosw-ex-level", text: words.charAt(0).toUpperCase() + words.slice(1) }));
        if (cell.score !== undefined && cell.score !== null) td.append(el("span", { class: "nosw-ex-score", text: ` (${cell.score})` }));
        for (const item of cell.items || []) td.append(el("span", { class: "nosw-ex-chip", text: item }));
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    return table;
  }
  return el("p", { text: block.text || "" });
}

function render({ model, el: root }) {
  const uid = `nosw-ex-${Date.now().toString(36)}-${counter++}`;
  const controls = new Map(); // field name -> {get(), set(value), disable(bool)}
  // No heading of its own: the workbook's markdown cell just above shows the title and the
  // criteria once (in any viewer, and in the table of contents); the region is named after
  // the title, so a screen reader's list of landmarks still tells the exercises apart.
  const section = el("section", { class: "nosw-exercise" });
  const intro = el("div", { class: "nosw-ex-intro" });
  const blocks = el("div", { class: "nosw-ex-blocks" });
  const form = el("form", { class: "nosw-ex-form", "aria-label": "Your answer" });
  const fieldsBox = el("div", { class: "nosw-ex-fields" });
  const button = el("button", { type: "submit", text: "Check my answer" });
  const note = el("p", { class: "nosw-ex-note" });
  const error = el("p", { class: "nosw-ex-error", hidden: "" });
  form.append(fieldsBox, el("div", { class: "nosw-ex-actions" }, button, note), error);
  const feedback = el("section", { class: "nosw-ex-feedback", role: "status", "aria-live": "polite", "aria-label": "Feedback" });
  const after = el("div", { class: "nosw-ex-after" });
  const tutor = el("details", { class: "nosw-ex-tutor" });
  section.append(intro, blocks, form, feedback, after, tutor);
  root.append(section);

  let n = 0;
  const id = () => `${uid}-f${n++}`;

  function buildField(field, parent) {
    if (field.type === "group") {
      const fs = el("fieldset", { class: "nosw-ex-group" }, el("legend", { text: field.label }));
      if (field.help) fs.append(el("p", { class: "nosw-ex-help", text: field.help }));
      for (const child of field.fields) buildField(child, fs);
      parent.append(fs);
      return;
    }
    if (field.type === "choice" || field.type === "multi") {
      const multi = field.type === "multi";
      const fs = el("fieldset", { class: "nosw-ex-choice", role: multi ? "group" : "radiogroup" }, el("legend", { text: field.label }));
      const name = `${uid}-${field.name}`;
      const inputs = field.options.map((option) => {
        const inputId = id();
        const input = el("input", { type: multi ? "checkbox" : "radio", name, id: inputId, value: option });
        fs.append(el("div", { class: "nosw-ex-option" }, input, el("label", { for: inputId, text: option })));
        return input;
      });
      controls.set(field.name, {
        get: () => (multi ? inputs.filter((i) => i.checked).map((i) => i.value) : inputs.find((i) => i.checked)?.value ?? ""),
        set: (value) => {
          const wanted = multi ? new Set(value || []) : new Set([value]);
          for (const i of inputs) i.checked = wanted.has(i.value);
        },
        disable: (off) => inputs.forEach((i) => (i.disabled = off)),
      });
      parent.append(fs);
      return;
    }
    if (field.type === "order") {
      const fs = el("fieldset", { class: "nosw-ex-order" }, el("legend", { text: field.label }));
      const list = el("ol");
      fs.append(list);
      let order = [...field.items];
      const buttons = [];
      const draw = (focusItem, focusDir) => {
        list.replaceChildren();
        buttons.length = 0;
        order.forEach((item, index) => {
          const up = el("button", { type: "button", text: "Move up", "aria-label": `Move \u201c${item}\u201d up` });
          const down = el("button", { type: "button", text: "Move down", "aria-label": `Move \u201c${item}\u201d down` });
          up.disabled = index === 0 || model.get("disabled");
          down.disabled = index === order.length - 1 || model.get("disabled");
          up.addEventListener("click", () => { [order[index - 1], order[index]] = [order[index], order[index - 1]]; draw(item, "up"); });
          down.addEventListener("click", () => { [order[index + 1], order[index]] = [order[index], order[index + 1]]; draw(item, "down"); });
          buttons.push(up, down);
          list.append(el("li", {}, el("span", { text: item }), up, down));
          if (item === focusItem) {
            const target = focusDir === "up" ? (up.disabled ? down : up) : (down.disabled ? up : down);
            queueMicrotask(() => target.focus());
          }
        });
      };
      draw();
      controls.set(field.name, {
        get: () => [...order],
        set: (value) => {
          if (Array.isArray(value) && value.length === field.items.length) order = [...value];
          else order = [...field.items];
          draw();
        },
        disable: () => draw(),
      });
      parent.append(fs);
      return;
    }
    const inputId = id();
    const label = el("label", { for: inputId, text: field.label });
    let input;
    if (field.type === "select") {
      input = el("select", { id: inputId }, el("option", { value: "", text: "Choose\u2026" }), ...field.options.map((o) => el("option", { value: o, text: o })));
    } else if (field.type === "number") {
      input = el("input", { id: inputId, type: "text", inputmode: "decimal", autocomplete: "off" });
    } else {
      input = el("textarea", { id: inputId, rows: String(field.rows || 3) });
    }
    const wrap = el("div", { class: `nosw-ex-field nosw-ex-${field.type}` }, label, input);
    if (field.help) {
      const help = el("p", { class: "nosw-ex-help", id: `${inputId}-help`, text: field.help });
      input.setAttribute("aria-describedby", help.id);
      wrap.append(help);
    }
    controls.set(field.name, { get: () => input.value, set: (value) => (input.value = value ?? ""), disable: (off) => (input.disabled = off) });
    parent.append(wrap);
  }

  function answer() {
    const out = {};
    for (const [name, control] of controls) out[name] = control.get();
    return out;
  }

  // --- sending checks and their acks ---------------------------------------------------------

  let seq = 0;
  const awaiting = new Map(); // seq -> timer that says "not saved" if no ack comes

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) error.setAttribute("role", "alert");
    else error.removeAttribute("role");
  }

  function forgetAwaiting() {
    for (const timer of awaiting.values()) clearTimeout(timer);
    awaiting.clear();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (model.get("disabled")) return;
    seq += 1;
    const sent = seq;
    const wait = model.get("_ack_timeout_ms") || 20000;
    awaiting.set(sent, setTimeout(() => {
      if (!awaiting.has(sent)) return;
      renderFeedback(); // not "Checking...": whatever the kernel last showed
      showError(NO_REPLY);
    }, wait));
    showError("");
    feedback.replaceChildren(el("p", { text: "Checking\u2026" }));
    model.send({ type: "check", seq: sent, epoch: model.get("_epoch"), answer: answer() });
  });

  function onMessage(msg) {
    if (!msg || msg.type !== "ack" || !awaiting.has(msg.seq)) return;
    clearTimeout(awaiting.get(msg.seq));
    awaiting.delete(msg.seq);
    if (msg.seq !== seq) return; // an older check: the latest one decides what is shown
    renderFeedback(); // the result may be unchanged (the same answer checked again)
    if (msg.ok || msg.error === "stale") showError(""); // stale: typed for the last learner
    else showError(msg.error || "Your answer was not saved. Please try again or tell your tutor.");
  }

  function renderFeedback() {
    const result = model.get("result");
    feedback.replaceChildren();
    if (!result || result.score === undefined) return;
    const parts = result.parts || [];
    const right = parts.filter((p) => p.ok).length;
    // the kernel rounds as learners do (a half up); Math.round misreads binary halves
    const percent = result.percent ?? Math.round(result.score * 100);
    // A restored attempt shows the score it was given; if marking it again today gives
    // another, the parts below are today's, so the heading gives only the stored score.
    const remarked = model.get("score_note");
    feedback.append(el("h4", { text: remarked ? `Feedback: ${percent}%` : `Feedback: ${right} of ${parts.length} right (${percent}%)` }));
    if (remarked) feedback.append(el("p", { class: "nosw-ex-remarked", text: remarked }));
    if (result.summary) feedback.append(el("p", { text: result.summary }));
    const list = el("ul");
    for (const part of parts) {
      list.append(el("li", { class: part.ok ? "nosw-ok" : "nosw-not-ok" },
        el("strong", { text: `${part.ok ? "\u2713 Right" : part.score > 0 ? "\u25d1 Partly right" : "\u2717 Not yet"}: ${part.name}. ` }),
        el("span", { text: part.feedback })));
    }
    feedback.append(list);
  }

  function update(all) {
    section.setAttribute("aria-label", model.get("title"));
    // Names unique to this exercise: a unit has several forms and feedback regions.
    form.setAttribute("aria-label", `Your answer: ${model.get("title")}`);
    feedback.setAttribute("aria-label", `Feedback: ${model.get("title")}`);
    if (all) {
      intro.innerHTML = model.get("intro_html"); // rendered by Python with raw HTML escaped
      blocks.replaceChildren(...model.get("blocks").map(renderBlock));
      fieldsBox.replaceChildren();
      controls.clear();
      for (const field of model.get("fields")) buildField(field, fieldsBox);
    }
    const saved = model.get("answer");
    for (const [name, control] of controls) control.set(saved[name]);
    const off = model.get("disabled");
    for (const control of controls.values()) control.disable(off);
    button.disabled = off;
    note.textContent = off ? model.get("disabled_note") : model.get("checked_at") ? `Last checked ${new Date(model.get("checked_at")).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}` : "";
    renderFeedback();
    after.replaceChildren(...model.get("after").map(renderBlock));
    tutor.hidden = !model.get("tutor_html");
    if (model.get("tutor_html")) {
      tutor.replaceChildren(el("summary", { text: "Model answer and marking notes (tutor edition)" }));
      const body = el("div");
      body.innerHTML = model.get("tutor_html"); // rendered by Python with raw HTML escaped
      tutor.append(body);
    }
  }

  function onEpoch() {
    // Signed in, out or as someone else: acks still to come are for the last learner.
    forgetAwaiting();
    showError("");
    update(false);
  }

  update(true);
  model.on("change:_epoch", onEpoch);
  model.on("change:answer", () => update(false));
  model.on("change:result", renderFeedback);
  model.on("change:score_note", renderFeedback);
  model.on("change:after", () => after.replaceChildren(...model.get("after").map(renderBlock)));
  model.on("change:disabled", () => update(false));
  model.on("change:checked_at", () => update(false));
  for (const name of ["fields", "blocks", "intro_html", "tutor_html"]) model.on(`change:${name}`, () => update(true));
  model.on("msg:custom", onMessage);
}

export default { render };
