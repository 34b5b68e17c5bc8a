// Progress summary: one row per section or unit, each a labelled progress bar and a count.
function render({ model, el }) {
  const section = document.createElement("section");
  section.className = "nosw-progress";
  const heading = document.createElement("h3");
  const note = document.createElement("p");
  const list = document.createElement("ul");
  section.append(heading, note, list);
  el.append(section);

  const update = () => {
    heading.textContent = model.get("heading");
    section.setAttribute("aria-label", model.get("heading"));
    note.textContent = model.get("note");
    note.hidden = !model.get("note");
    const top = model.get("top");
    list.replaceChildren(
      ...model.get("rows").map((row) => {
        const li = document.createElement("li");
        const name = document.createElement(row.href ? "a" : "span");
        name.className = "nosw-progress-name";
        name.textContent = row.label;
        if (row.href) name.href = row.href;
        const bar = document.createElement("progress");
        bar.max = Math.max(row.total, 1);
        bar.value = row.done;
        bar.setAttribute("aria-label", `${row.label}: ${row.done} of ${row.total} rated ${top}`);
        const count = document.createElement("span");
        count.className = "nosw-progress-count";
        count.textContent = `${row.done} of ${row.total} rated ${top}; ${row.rated} rated in all`;
        li.append(name, bar, count);
        return li;
      }),
    );
  };
  update();
  for (const name of ["heading", "rows", "top", "note"]) model.on(`change:${name}`, update);
}

export default { render };
