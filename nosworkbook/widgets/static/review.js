// The tutor's sign-off form: a learner and a unit chosen with native selects, then each
// criterion with the learner's rating, evidence and exercises, where it stands, a feedback
// box and two buttons. Every value is drawn with textContent, never as markup.
let counter = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: root }) {
  const uid = `nosw-review-${Date.now().toString(36)}-${counter++}`;
  const box = el("section", "nosw-review");
  box.setAttribute("aria-label", "Sign off or return criteria");

  const choose = el("form", "nosw-review-choose");
  const learnerLabel = el("label", "", "Learner");
  learnerLabel.htmlFor = `${uid}-learner`;
  const learner = el("select");
  learner.id = `${uid}-learner`;
  const unitLabel = el("label", "", "Unit");
  unitLabel.htmlFor = `${uid}-unit`;
  const unit = el("select");
  unit.id = `${uid}-unit`;
  const show = el("button", "", "Show criteria");
  show.type = "submit";
  // Which of the shown criteria to list: a view of the page only, never sent to the kernel.
  const filterLabel = el("label", "", "List");
  filterLabel.htmlFor = `${uid}-filter`;
  const filter = el("select");
  filter.id = `${uid}-filter`;
  for (const [value, text] of [
    ["all", "every criterion"],
    ["waiting", "those not decided yet"],
    ["changed", "those changed since a decision"],
  ]) {
    const option = el("option", "", text);
    option.value = value;
    filter.append(option);
  }
  const pair = (...nodes) => {
    const div = el("div", "nosw-review-row");
    div.append(...nodes);
    return div;
  };
  choose.append(
    pair(learnerLabel, learner),
    pair(unitLabel, unit),
    pair(show),
    pair(filterLabel, filter),
  );

  const status = el("p", "nosw-review-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const list = el("ol", "nosw-review-list");
  const counted = el("p", "nosw-review-count");
  counted.setAttribute("aria-live", "polite");
  box.append(choose, status, counted, list);
  root.append(box);

  choose.addEventListener("submit", (event) => {
    event.preventDefault();
    model.send({ type: "choose", learner: learner.value, unit: unit.value });
  });

  const fill = (select, options, key, chosen) => {
    const wanted = options.map((o) => `${o[key]}\u0000${o.label}`).join("\u0001");
    if (select.dataset.options !== wanted) {
      select.replaceChildren(
        ...options.map((o) => {
          const option = el("option", "", o.label);
          option.value = o[key];
          return option;
        }),
      );
      select.dataset.options = wanted;
    }
    if (chosen && document.activeElement !== select) select.value = chosen;
  };

  const items = new Map(); // criterion -> {standing, flag, feedbackShown, rating, evidence...}

  const detail = (dl, term, value) => {
    const dt = el("dt", "", term);
    const dd = el("dd", "", value);
    dl.append(dt, dd);
    return dd;
  };

  const makeItem = (row) => {
    const li = el("li", "nosw-review-item");
    const headingId = `${uid}-${row.criterion.replace(/[^A-Za-z0-9]/g, "-")}`;
    const heading = el("h3", "", `${row.short_id}: ${row.text}`);
    heading.id = headingId;
    li.setAttribute("aria-labelledby", headingId);
    const dl = el("dl");
    const parts = {
      standing: detail(dl, "Stands", ""),
      rating: detail(dl, "Rating", ""),
      evidence: detail(dl, "Evidence", ""),
      changed: detail(dl, "Last changed", ""),
      exercises: detail(dl, "Exercises", ""),
      feedbackShown: detail(dl, "Tutor's feedback", ""),
    };
    parts.evidence.className = "nosw-review-note";
    parts.feedbackShown.className = "nosw-review-note";
    const form = el("form", "nosw-review-decide");
    const feedbackLabel = el("label", "", `Feedback on ${row.short_id}`);
    feedbackLabel.htmlFor = `${headingId}-feedback`;
    const feedback = el("textarea");
    feedback.id = `${headingId}-feedback`;
    feedback.rows = 2;
    feedback.maxLength = model.get("max_feedback");
    const hint = el("p", "nosw-review-hint", "Needed to return it; optional when signing off.");
    hint.id = `${headingId}-hint`;
    feedback.setAttribute("aria-describedby", hint.id);
    const signOff = el("button", "", `Sign off ${row.short_id}`);
    signOff.type = "button";
    const giveBack = el("button", "nosw-secondary", `Return ${row.short_id} with feedback`);
    giveBack.type = "button";
    const send = (action) => {
      model.send({
        type: "decide",
        criterion: row.criterion,
        action,
        feedback: feedback.value,
      });
    };
    signOff.addEventListener("click", () => send("sign-off"));
    giveBack.addEventListener("click", () => send("return"));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.append(pair(feedbackLabel), feedback, hint, pair(signOff, giveBack));
    li.append(heading, dl, form);
    return { li, parts, feedback };
  };

  const update = () => {
    const enabled = model.get("enabled");
    choose.hidden = !enabled;
    fill(learner, model.get("learners"), "id", model.get("learner"));
    fill(unit, model.get("units"), "urn", model.get("unit"));
    status.textContent = model.get("message");
    status.classList.toggle("nosw-error", model.get("is_error"));
    const rows = enabled ? model.get("rows") : [];
    const key = rows.map((r) => r.criterion).join(" ") + `@${model.get("learner")}`;
    if (list.dataset.key !== key) {
      items.clear();
      list.replaceChildren();
      for (const row of rows) {
        const item = makeItem(row);
        items.set(row.criterion, item);
        list.append(item.li);
      }
      list.dataset.key = key;
    }
    const wanted = filter.value;
    let listed = 0;
    for (const row of rows) {
      const { li, parts } = items.get(row.criterion);
      li.hidden =
        (wanted === "waiting" && row.decided) || (wanted === "changed" && !row.changed_since);
      if (!li.hidden) listed += 1;
      parts.standing.textContent = row.standing;
      parts.standing.classList.toggle("nosw-flag", row.changed_since);
      parts.rating.textContent = row.rating;
      parts.evidence.textContent = row.evidence;
      parts.changed.textContent = row.changed;
      parts.exercises.textContent = row.exercises.length ? row.exercises.join("; ") : "None";
      parts.feedbackShown.textContent = row.feedback || "None";
    }
    counted.textContent = rows.length
      ? `Listing ${listed} of ${rows.length} criteria.`
      : "";
  };
  filter.addEventListener("change", update);
  update();
  for (const name of ["enabled", "learners", "units", "learner", "unit", "rows", "message", "is_error"]) {
    model.on(`change:${name}`, update);
  }
}

export default { render };
