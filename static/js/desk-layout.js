// The badge desk's layout page: an event's own layouts (per event or per ticket type,
// saved as versions), its logo and colours, previewed on real tickets before anything
// prints: the longest name and one name in each script the event's tickets use.
// Supervisors and admins edit; a badge desk looks and previews.

import { api, ApiError, ev, eventSlug, h, problemText, say } from "./api.js";
import { me } from "./session.js";

const $ = (id) => document.getElementById(id);
const EDITORS = ["admin", "supervisor"];
const DRAFT_WAIT_MS = 600;
const PREVIEW_DPI = 110;
let overview = { types: [], targets: [] };
let samples = [];
let draftTimer = null;
let previewRound = 0; // a newer preview round makes older answers moot
const blobUrls = new Map();

const target = () => $("target").value;
const targetPath = (rest = "") => ev(`/layouts/${encodeURIComponent(target())}${rest}`);
const typeOf = (code) => overview.types.find((t) => t.code === code);

/* What prints, and the versions of the chosen target */

async function loadOverview() {
  overview = await api(ev("/layouts"));
  const keep = target();
  $("target").replaceChildren(h("option", { value: "*" }, "Every ticket type (the event's own)"),
    ...overview.types.map((t) => h("option", { value: t.code }, `${t.name} (${t.code})`)));
  $("target").value = overview.types.some((t) => t.code === keep) ? keep : "*";
}

function printsWith() {
  if (target() === "*") {
    return overview.types.map((t) => `${t.name}: ${t.layout ?? "no badge"}`).join(" · ");
  }
  const type = typeOf(target());
  return type ? `${type.name} prints with: ${type.layout ?? "no badge"}` : "";
}

/** The layout to start from when a target has none of its own: what its tickets print with now. */
function startingPoint() {
  const type = target() === "*" ? null : typeOf(target());
  const label = type?.layout || "general";
  return overview.built_in.includes(label) ? label : "general";
}

async function loadTarget() {
  $("prints-with").textContent = printsWith();
  const { active, versions } = await api(targetPath("/versions"));
  fillVersions(active, versions, "");
  await loadDocument(active);
  await loadSamples();
}

/** The version list; `keep` stays chosen if it is still there, else the active one. */
function fillVersions(active, versions, keep) {
  const own = (v) => `v${v.version}${v.version === active ? " · printing" : ""}${v.note ? ` · ${v.note}` : ""}`
    + ` · ${new Date(v.created_at).toLocaleString()}`;
  const none = target() === "*" ? "None (built-in per badge type)" : "None (the event's, else built-in)";
  $("version").replaceChildren(...versions.map((v) => h("option", { value: v.version }, own(v))),
                               h("option", { value: "" }, none + (active ? "" : " · printing")));
  $("version").value = keep && versions.some((v) => String(v.version) === keep) ? keep : String(active ?? "");
}

async function loadDocument(version) {
  const doc = version
    ? (await api(targetPath(`/versions/${version}`))).layout
    : (await api(`/badges/layouts/${encodeURIComponent(startingPoint())}`)).layout;
  $("doc").value = JSON.stringify(doc, null, 2);
  showErrors([]);
}

/* Previews */

async function loadSamples() {
  samples = (await api(targetPath("/samples"))).tickets;
  $("preview-what").textContent = samples.length ? `· ${samples.length} of this layout's tickets` : "";
  if (!samples.length) say($("preview-status"), "No tickets yet to preview this layout with.", "");
  $("samples").replaceChildren(...samples.map((s, i) => h("figure", { "data-ticket": s.ticket_id },
    h("img", { id: `sample-${i}`, alt: `Badge preview: ${s.name}` }),
    h("figcaption", {}, h("span", { class: "why" }, s.why), h("span", { dir: "auto" }, s.name),
      h("span", { class: "muted" }, ` · ${s.type}`)))));
  preview();
}

/** Draw every sample with the layout in the editor; a bad draft shows its errors instead. */
async function preview() {
  const round = ++previewRound;
  const draft = parseDraft();
  if (!draft) return;
  if (samples.length) say($("preview-status"), "Drawing previews…");
  for (const [i, sample] of samples.entries()) {
    let png;
    try {
      png = await api(ev("/layout-preview"), { method: "POST",
        body: { ticket_id: sample.ticket_id, layout: draft, dpi: PREVIEW_DPI } });
    } catch (err) {
      if (round !== previewRound) return;
      if (err instanceof ApiError && err.status === 422 && err.problem.errors) {
        showErrors(Object.entries(err.problem.errors));
        return say($("preview-status"), "Fix the layout to see it.", "error");
      }
      const figure = $(`sample-${i}`).parentElement;
      figure.querySelector(".failed")?.remove();
      figure.append(h("p", { class: "failed" }, problemText(err)));
      continue;
    }
    if (round !== previewRound) return;
    showImage($(`sample-${i}`), png);
  }
  if (round === previewRound) {
    showErrors([]);
    say($("preview-status"), samples.length ? "Preview of the layout in the editor (not saved yet if changed)." : "");
  }
}

function showImage(img, blob) {
  if (blobUrls.has(img.id)) URL.revokeObjectURL(blobUrls.get(img.id));
  const url = URL.createObjectURL(blob);
  blobUrls.set(img.id, url);
  img.src = url;
  img.parentElement.querySelector(".failed")?.remove();
}

function parseDraft() {
  try {
    return JSON.parse($("doc").value);
  } catch (err) {
    showErrors([["JSON", [err.message]]]);
    say($("preview-status"), "The layout is not valid JSON yet.", "error");
    return null;
  }
}

function showErrors(entries) {
  $("doc").classList.toggle("bad", entries.length > 0);
  $("errors").replaceChildren(...entries.map(([field, messages]) =>
    h("li", {}, h("code", {}, field), `: ${[].concat(messages).join("; ")}`)));
}

function draftChanged() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(preview, DRAFT_WAIT_MS);
}

/* Saving and choosing versions (supervisors and admins) */

async function save() {
  const layout = parseDraft();
  if (!layout) return;
  try {
    const saved = await api(targetPath("/versions"), { method: "POST",
      body: { layout, note: $("note").value.trim() || null } });
    say($("status"), `Saved as version ${saved.version}: badges print with it from now on.`, "ok");
    $("note").value = "";
  } catch (err) {
    if (err instanceof ApiError && err.problem.errors) showErrors(Object.entries(err.problem.errors));
    return say($("status"), problemText(err), "error");
  }
  await refresh("");
}

async function activate() {
  const version = $("version").value ? Number($("version").value) : null;
  try {
    const done = await api(targetPath("/active"), { method: "POST",
      body: { version, reprint: $("reprint").checked } });
    const marked = done.reprints_marked ? ` ${done.reprints_marked} printed badge(s) marked for reprint.` : "";
    say($("status"), `${version ? `Version ${version}` : "The next layout down"} prints from now on.${marked}`, "ok");
    $("reprint").checked = false;
  } catch (err) {
    return say($("status"), problemText(err), "error");
  }
  await refresh($("version").value);
}

async function refresh(keep) {
  await loadOverview();
  $("prints-with").textContent = printsWith();
  const { active, versions } = await api(targetPath("/versions"));
  fillVersions(active, versions, keep);
}

/* Logo and colours */

async function loadBranding() {
  const brand = await api(ev("/branding"));
  $("logo").hidden = !brand.logo;
  $("no-logo").hidden = !!brand.logo;
  if (brand.logo) showImage($("logo"), await api(ev("/branding/logo")));
  const kinds = [...new Set(overview.types.map((t) => t.badge_type.trim().toLowerCase().split(/[\s_]+/).join("-")))];
  $("colours").replaceChildren(...kinds.map((kind) => h("label", {},
    h("input", { type: "checkbox", "data-kind": kind, checked: kind in brand.colours,
                 "aria-label": `Own colour for ${kind}` }),
    h("input", { type: "color", "data-kind": kind, value: (brand.colours[kind] || "#1d4ed8").toLowerCase(),
                 "aria-label": `Colour for ${kind}` }),
    kind)));
}

async function uploadLogo() {
  const file = $("logo-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("logo", file);
  try {
    await api(ev("/branding/logo"), { method: "PUT", form });
    say($("brand-status"), "Logo saved: badges print with it from now on.", "ok");
  } catch (err) {
    say($("brand-status"), problemText(err), "error");
  }
  $("logo-file").value = "";
  await loadBranding();
  preview();
}

async function dropLogo() {
  try {
    await api(ev("/branding/logo"), { method: "DELETE" });
    say($("brand-status"), "Logo removed.", "ok");
  } catch (err) {
    say($("brand-status"), problemText(err), "error");
  }
  await loadBranding();
  preview();
}

async function saveColours() {
  const colours = {};
  for (const box of $("colours").querySelectorAll("input[type=checkbox]:checked")) {
    colours[box.dataset.kind] = $("colours").querySelector(`input[type=color][data-kind="${box.dataset.kind}"]`).value;
  }
  try {
    await api(ev("/branding/colours"), { method: "PUT", body: { colours } });
    say($("brand-status"), "Colours saved.", "ok");
  } catch (err) {
    say($("brand-status"), problemText(err), "error");
  }
  preview();
}

/* Start */

async function start() {
  $("event-name").textContent = eventSlug();
  $("target").addEventListener("change", () => loadTarget().catch(failed));
  $("version").addEventListener("change", () =>
    loadDocument($("version").value ? Number($("version").value) : null).then(preview).catch(failed));
  $("doc").addEventListener("input", draftChanged);
  $("save").addEventListener("click", save);
  $("activate").addEventListener("click", activate);
  $("logo-file").addEventListener("change", uploadLogo);
  $("drop-logo").addEventListener("click", dropLogo);
  $("save-colours").addEventListener("click", saveColours);
  me.then((who) => document.body.classList.toggle("viewer", !who || !EDITORS.includes(who.role)));
  try {
    await loadOverview();
    await loadTarget();
    await loadBranding();
  } catch (err) {
    failed(err);
  }
}

function failed(err) {
  say($("status"), problemText(err), "error");
}

start();
