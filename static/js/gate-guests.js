// The gate's "Find guest" panel: for a guest whose code will not scan, search by name, email or
// serial and admit by hand. The panel takes the verdict's place while open; any verdict (an
// admit, a camera scan) closes it, so the verdict is always what the gate person sees. While it
// is open the wedge input is hidden and the search field has the focus: a scanner then types
// into the search field, and a code of ours sent there (or into a note) closes the panel and is
// judged as a scan.

import { problemText, say } from "./api.js";
import { admitGuest, findGuests, looksLikeCode, showGuests } from "./guest-search.js";

const $ = (id) => document.getElementById(id);

/**
 * gate() and direction(): where and which way this screen scans now; device: its id;
 * admitted(answer, serial): show a manual scan's answer.
 */
export function mountGuestPanel({ gate, direction, device, admitted }) {
  const panel = $("guest-panel"), input = $("guest-q"), list = $("guest-results"), status = $("guest-status");
  const isOpen = () => !panel.hidden;

  function open() {
    panel.hidden = false;
    document.body.classList.add("guests-open");
    $("guest-open").setAttribute("aria-expanded", "true");
    input.focus();
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    document.body.classList.remove("guests-open");
    $("guest-open").setAttribute("aria-expanded", "false");
    input.value = "";
    list.replaceChildren();
    say(status, "");
    $("wedge").focus();
  }

  /** Hand a code typed into the panel to the wedge input, as if the scanner had typed it there. */
  function judgeAsScan(code) {
    close();
    $("wedge").value = code;
    $("wedge-form").requestSubmit();
  }

  async function admit(guest, note, nonce) {
    const answer = await admitGuest({ ticketId: guest.id, gate: gate(), direction: direction(), note, device, nonce });
    close();
    admitted(answer, guest.serial);
  }

  async function search(e) {
    e.preventDefault();
    const q = input.value;
    if (looksLikeCode(q)) return judgeAsScan(q.trim());
    list.replaceChildren();
    say(status, "Searching…");
    try {
      const found = await findGuests(q);
      const label = direction() === "out" ? "Check out" : "Admit";
      say(status, showGuests(list, found, { admitLabel: label, onAdmit: admit, onCode: judgeAsScan }));
    } catch (err) {
      say(status, err.status === 0 ? "Offline: finding a guest needs the server. Scanning still works."
        : problemText(err), "error");
    }
    input.focus();
  }

  $("guest-open").addEventListener("click", () => (isOpen() ? close() : open()));
  $("guest-close").addEventListener("click", close);
  $("guest-form").addEventListener("submit", search);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  // A tap on the panel's background keeps the keyboard focus in the search field, where a scanner types.
  panel.addEventListener("click", (e) => {
    if (!e.target.closest("input, button, select, textarea, a, form")) input.focus();
  });
  // Any verdict shown (a camera read while searching, too) closes the panel so the verdict is seen.
  new MutationObserver(() => { if (isOpen()) close(); })
    .observe($("result"), { attributes: true, attributeFilter: ["data-status"] });
}
