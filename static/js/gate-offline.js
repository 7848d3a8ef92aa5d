// Offline judging for the gate page: the gate pack, a local verdict, and a
// queue of scans that uploads through /scans/batch when the server is back.
// Code format (see checkin/tickets/codes.py): base32 of version(1) kid(4) serial(4)
// generation(2) + Ed25519 signature(64) over the first 11 bytes.

import { api, ev } from "./api.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const queueKey = () => `gate.queue.${ev()}`;

function base32(text) {
  if (text.length !== 120) return null;
  const out = new Uint8Array(75);
  let bits = 0, value = 0, i = 0;
  for (const ch of text.toUpperCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v; bits += 5;
    if (bits >= 8) { out[i++] = (value >>> (bits - 8)) & 255; bits -= 8; }
  }
  return out;
}

export class GatePack {
  constructor(gate) { this.gate = gate; this.tickets = new Map(); this.barcodes = new Map(); this.keys = new Map();
                      this.cursor = 0; this.insideHere = new Set(); }

  /** Load the whole pack, or only what changed since the last cursor. */
  async refresh() {
    const since = this.cursor ? `&since=${this.cursor}` : "";
    const pack = await api(ev(`/gate-pack?gate=${encodeURIComponent(this.gate)}${since}`));
    this.rules = pack.gate;
    for (const t of pack.tickets) {
      this.tickets.set(t.serial, t);
      if (t.barcode) this.barcodes.set(t.barcode, t);
    }
    for (const k of pack.keys) this.keys.set(k.kid, await importKey(k.public_key));
    this.cursor = pack.cursor;
  }

  /** The verdict for a code, judged here without the server. */
  async judge(code, direction) {
    const answer = (status, reason, message, t = null) => ({
      status, reason, message, repeat: false, offline: true,
      ticket: t && { type: { code: t.type, name: t.type_name || t.type }, holder: { name: t.name, company: null } } });
    const ticket = await this.lookup(code);
    if (!ticket) return answer("refused", "invalid", "Not a valid ticket (offline check)");
    if (ticket.revoked) return answer("refused", "revoked", `Old code - now belongs to ${ticket.t.name}`, ticket.t);
    const t = ticket.t;
    if (direction === "out") { this.insideHere.delete(t.serial); return answer("ok", null, `Goodbye ${t.name}`, t); }
    if (t.state === "void") return answer("refused", "void", "Ticket cancelled", t);
    if (t.blocked) return answer("refused", "blocked", "Ticket blocked - call a supervisor", t);
    if (t.state === "pending") return answer("refused", "unpaid", "Payment pending", t);
    if (!this.rules.admits.includes(t.type)) return answer("refused", "not_admitted", `${t.type} not admitted here`, t);
    if (this.insideHere.has(t.serial)) return answer("refused", "duplicate", "Already entered here (offline)", t);
    this.insideHere.add(t.serial);
    return answer("ok", null, `Welcome ${t.name} (offline)`, t);
  }

  async lookup(code) {
    const foreign = this.barcodes.get(code);
    if (foreign) return { t: foreign, revoked: false };
    const raw = base32(code);
    if (!raw || raw[0] !== 1) return null;
    const view = new DataView(raw.buffer);
    const kid = view.getUint32(1), serial = view.getUint32(5), generation = view.getUint16(9);
    const key = this.keys.get(kid);
    if (!key) return null;
    if (key !== "unverifiable") {
      const ok = await crypto.subtle.verify("Ed25519", key, raw.slice(11), raw.slice(0, 11));
      if (!ok) return null;
    }
    const t = this.tickets.get(serial);
    if (!t || generation > t.generation) return null;
    return { t, revoked: generation < t.generation };
  }
}

async function importKey(b64) {
  const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try {
    return await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return "unverifiable";  // a browser without Ed25519: judge by the pack alone
  }
}

/** Scans made offline, kept in this browser until the server has them. */
export const queue = {
  items() { return JSON.parse(localStorage.getItem(queueKey()) || "[]"); },
  add(scan) { localStorage.setItem(queueKey(), JSON.stringify([...this.items(), scan])); },
  async flush() {
    const items = this.items();
    if (!items.length) return { uploaded: 0, conflicts: 0 };
    const result = await api(ev("/scans/batch"), { method: "POST", body: { scans: items } });
    localStorage.setItem(queueKey(), JSON.stringify(this.items().slice(items.length)));
    return { uploaded: items.length, conflicts: result.conflicts };
  },
};
