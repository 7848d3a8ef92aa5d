// The desk's printers and the jobs on their way to them, as the desk's print
// agent reports them. Shown from each answer to the desk's queue call (every
// few seconds), so a paused or offline printer and a job waiting for it are
// seen at the desk without reloading.

import { h } from "./api.js";

const $ = (id) => document.getElementById(id);
const WORDS = {
  queued: "waiting for the printer", sending: "sending", sent: "at the printer", printed: "printed",
  failed: "failed",
};
const DOWN = new Set(["stopped", "offline", "silent"]);
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Show the printers and jobs of one queue answer; the section stays hidden at a desk with no printer. */
export function showPrinters({ desk, printers, printer_jobs: jobs }) {
  const box = $("printers");
  box.hidden = !printers || printers.length === 0;
  if (box.hidden) return;
  $("printer-list").replaceChildren(...printers.map((p) => h("li", { class: DOWN.has(p.state) ? "down" : "up" },
    h("strong", {}, p.name), ` ${p.state === "unknown" ? "not seen yet" : p.state}`,
    p.detail ? ` (${p.detail})` : "")));
  $("agent-status").textContent = desk.agent ? "" : "No print agent is running for this desk: "
    + "start `gate print-agent` beside the printers, or print from the Badge PDF link.";
  $("printer-jobs").replaceChildren(...jobs.slice(0, 8).map((j) => h("li", { class: `job-${j.state}` },
    `${time(j.updated_at)} · job ${j.print_job_id} on ${j.printer_name || "a removed printer"}: ${WORDS[j.state]}`,
    j.detail ? ` (${j.detail})` : "")));
}

/** True when a print job went to a printer at this desk: the browser's print dialog is not needed. */
export const sentToPrinter = (job) => Boolean(job.printer_job);
