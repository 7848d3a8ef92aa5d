// "Correct details" on the badge desk: fix how the selected guest's name or company is
// written without a new code. The form shows before and after and needs a reason; a
// change larger than a correction is refused unless a supervisor approves it here
// (the server decides what is larger, and says which field).

import { api, ev, h, problemText, say } from "./api.js";
import { me } from "./session.js";

const $ = (id) => document.getElementById(id);
const APPROVERS = new Set(["admin", "supervisor"]);
let shown = null; // the holder as shown when the form opened: sent as `before`
let ticketId = null;
let onDone = () => {};

/** Wire the form once; `done(id)` reloads the ticket after a correction. */
export function startCorrections(done) {
  onDone = done;
  $("correct-open").addEventListener("click", openForm);
  $("correct-cancel").addEventListener("click", closeForm);
  $("correct-form").addEventListener("submit", (e) => { e.preventDefault(); save(); });
  for (const id of ["correct-name", "correct-company"]) $(id).addEventListener("input", showChange);
  $("correct-reason").addEventListener("change", () => {
    $("correct-other").hidden = $("correct-reason").value !== "other";
    if (!$("correct-other").hidden) $("correct-other").focus();
  });
}

/** A ticket was selected: offer the form for it (closed), or not at all for a void one. */
export function correctionsFor(ticket) {
  closeForm();
  ticketId = ticket.id;
  shown = { name: ticket.holder.name, company: ticket.holder.company || "" };
  $("correct-open").hidden = ticket.state === "void";
}

function openForm() {
  $("correct-form").hidden = false;
  $("correct-open").hidden = true;
  $("correct-name").value = shown.name;
  $("correct-company").value = shown.company;
  $("correct-reason").value = "";
  $("correct-other").hidden = true;
  $("correct-approve-row").hidden = true;
  $("correct-approve").checked = false;
  say($("correct-status"), "");
  showChange();
  $("correct-name").focus();
}

function closeForm() {
  $("correct-form").hidden = true;
  $("correct-open").hidden = false;
}

function edited() {
  return { name: $("correct-name").value.trim().replace(/\s+/g, " "),
           company: $("correct-company").value.trim().replace(/\s+/g, " ") };
}

/** Before and after, side by side, for each field that changes. */
function showChange() {
  const now = edited();
  const rows = ["name", "company"].filter((f) => now[f] !== shown[f]).map((f) => h("tr", {},
    h("th", { scope: "row" }, f === "name" ? "Name" : "Company"),
    h("td", { class: "before" }, shown[f] || "(none)"), h("td", { class: "after" }, now[f] || "(none)")));
  $("correct-changes").replaceChildren(...rows);
  $("correct-diff").hidden = rows.length === 0;
  $("correct-save").disabled = rows.length === 0 || !now.name;
}

function reasonGiven() {
  const choice = $("correct-reason").value;
  return choice === "other" ? $("correct-other").value.trim() : choice;
}

async function save() {
  const status = $("correct-status");
  const now = edited();
  const reason = reasonGiven();
  if (!reason) {
    say(status, "Say why first: choose a reason.", "error");
    return $("correct-reason").focus();
  }
  const holder = {};
  if (now.name !== shown.name) holder.name = now.name;
  if (now.company !== shown.company) holder.company = now.company || null;
  const body = { holder, reason, before: shown };
  if ($("correct-approve").checked) body.approve = true;
  $("correct-save").disabled = true;
  say(status, "Saving…");
  try {
    const { correction } = await api(ev(`/tickets/${ticketId}/corrections`), { method: "POST", body });
    closeForm();
    const reprint = correction.reprint ? " The printed badge is out of date: print the updated one." : "";
    say($("print-status"), `Corrected; the ticket's code still works.${reprint}`, "ok");
    await onDone(ticketId);
  } catch (err) {
    await refused(err);
  } finally {
    $("correct-save").disabled = false;
  }
}

/** A refusal in words; a supervisor is offered to approve a change beyond a correction. */
async function refused(err) {
  const status = $("correct-status");
  const why = err.problem?.reason;
  if (why === "supervisor" || why === "approve") {
    const role = (await me)?.role;
    const fields = Object.entries(err.problem.errors || {}).filter(([k]) => k.startsWith("holder."))
      .map(([, messages]) => messages[0].replace(/^./, (c) => c.toUpperCase()));
    if (APPROVERS.has(role)) {
      $("correct-approve-row").hidden = false;
      return say(status, `${fields.join("; ")}. Tick "I approve" to make it as a supervisor.`, "error");
    }
    return say(status, `${fields.join("; ")}. A supervisor must approve this, or the box office transfers the ticket.`,
      "error");
  }
  say(status, problemText(err), "error");
}
