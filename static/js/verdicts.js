// How a judged scan reads on a screen: one big word per outcome, and its colour class.
// The gate's verdict area and the desk's manual admits show the same words.

export const VERDICTS = {
  ok: "IN", out: "OUT", duplicate: "ALREADY IN", unpaid: "UNPAID", not_admitted: "WRONG GATE",
  invalid_time: "NOT NOW", invalid: "INVALID", revoked: "OLD CODE", void: "CANCELLED",
  blocked: "BLOCKED", wrong_event: "WRONG EVENT",
};
// Orange: the holder is fine but not here, not now or not again; red: the ticket itself is refused.
export const WARN = new Set(["duplicate", "unpaid", "not_admitted", "invalid_time"]);

/** The verdict's key in VERDICTS: ok or out for a let-through scan, else its reason. */
export const verdictKey = (answer, direction) =>
  answer.status === "ok" ? (direction === "out" ? "out" : "ok") : answer.reason;

/** "ok", "warn" or "bad": the colour the verdict is shown in. */
export const verdictClass = (answer, key = answer.reason) =>
  answer.status === "ok" ? "ok" : WARN.has(key) ? "warn" : "bad";
