// Sign-in form: a labelled textbox ("Learner", or "Tutor" on the dashboard), an optional
// access code, a button.
let counter = 0;

function render({ model, el }) {
  const uid = `nosw-signin-${Date.now().toString(36)}-${counter++}`;
  const form = document.createElement("form");
  form.className = "nosw-signin";
  form.setAttribute("aria-label", "Sign in");

  const learnerLabel = document.createElement("label");
  learnerLabel.htmlFor = `${uid}-learner`;
  learnerLabel.textContent = model.get("id_label") || "Learner";
  const learner = document.createElement("input");
  learner.id = `${uid}-learner`;
  learner.type = "text";
  learner.autocomplete = "username";
  learner.spellcheck = false;
  learner.maxLength = 64;

  const codeLabel = document.createElement("label");
  codeLabel.htmlFor = `${uid}-code`;
  codeLabel.textContent = "Access code";
  const code = document.createElement("input");
  code.id = `${uid}-code`;
  code.type = "password";
  // WCAG 2.2 3.3.8 (accessible authentication): the code may be pasted or filled in by a
  // password manager, so nobody has to remember or retype it. A browser only keeps a code
  // when the learner says so; on a shared classroom computer they can say no.
  code.autocomplete = "current-password";
  code.spellcheck = false;

  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Sign in";
  const signOut = document.createElement("button");
  signOut.type = "button";
  signOut.textContent = "Sign out";

  const status = document.createElement("p");
  status.className = "nosw-signin-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");

  const row = (...nodes) => {
    const div = document.createElement("div");
    div.className = "nosw-signin-row";
    div.append(...nodes);
    return div;
  };
  const codeRow = row(codeLabel, code);
  form.append(row(learnerLabel, learner), codeRow, row(button, signOut), status);
  el.append(form);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // The code goes to the kernel in this one message, never into a synced trait, and the
    // box is emptied at once, whether or not it matches.
    model.send({ type: "sign-in", learner: learner.value.trim(), code: code.value });
    code.value = "";
  });
  signOut.addEventListener("click", () => model.send({ type: "sign-out" }));

  const update = () => {
    if (document.activeElement !== learner) learner.value = model.get("learner");
    codeRow.hidden = !model.get("ask_code");
    signOut.hidden = !model.get("signed_in");
    status.textContent = model.get("message");
    status.classList.toggle("nosw-error", model.get("is_error"));
  };
  update();
  for (const name of ["learner", "ask_code", "signed_in", "message", "is_error"]) {
    model.on(`change:${name}`, update);
  }
}

export default { render };
