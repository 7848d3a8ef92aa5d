// What the gate sounds and buzzes for each verdict, so staff need not look at the screen:
//   ok       one short high beep            refused  a low buzz
//   warn     two mid beeps (already used, unpaid, wrong gate, not now)
//   offline  a falling sweep                online   a rising sweep (back again)
// The tones are made with Web Audio, no sound files. Browsers let a page make sound
// only after a person has touched or typed on it: the first tap, click or key (a
// wedge scanner's keys count) lets it, and until then the toggle says so.
// Phones also vibrate, in a pattern per verdict. The switch turns both off: "Silent".

const KEY = "gate.sound";
// [start ms, from Hz, to Hz, length ms, wave, loudness]
const TONES = {
  ok: [[0, 1320, 1320, 120, "sine", 0.35]],
  warn: [[0, 660, 660, 120, "square", 0.12], [200, 660, 660, 120, "square", 0.12]],
  refused: [[0, 140, 140, 600, "sawtooth", 0.2]],
  offline: [[0, 900, 300, 600, "triangle", 0.35]],
  online: [[0, 400, 1000, 350, "triangle", 0.35]],
};
const BUZZ = { ok: [60], warn: [90, 80, 90], refused: [400], offline: [200, 100, 200, 100, 200], online: [40, 60, 40] };

const AudioContextClass = window.AudioContext || window.webkitAudioContext;
let audio = null;
let toggle = null;
let lockedAtGesture = false;  // the latest tap found sound not yet allowed: it was to allow it

export const soundOn = () => localStorage.getItem(KEY) !== "off";

/** Whether the browser lets this page make sound now. */
const allowed = () => audio?.state === "running";

/** The audio context, made at once and resumed on the first gesture (browsers refuse before one). */
function context() {
  if (!audio && AudioContextClass) {
    audio = new AudioContextClass();
    audio.addEventListener("statechange", label);
  }
  return audio;
}

function unlock() {
  const ctx = context();
  lockedAtGesture = !!ctx && ctx.state !== "running";
  if (lockedAtGesture) ctx.resume().catch(() => {});  // refused without a gesture: try again at the next
}

/** Sound and vibrate for one outcome: ok, warn, refused, offline or online. */
export function signal(kind) {
  if (!soundOn()) return;
  if (navigator.vibrate && BUZZ[kind]) navigator.vibrate(BUZZ[kind]);
  const ctx = TONES[kind] ? context() : null;
  if (!ctx) return;
  const t0 = ctx.currentTime + 0.02;  // still suspended: plays the moment the browser allows it
  for (const [at, from, to, ms, wave, loud] of TONES[kind]) {
    const start = t0 + at / 1000, end = start + ms / 1000;
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = wave;
    osc.frequency.value = from;
    osc.frequency.setValueAtTime(from, start);
    if (to !== from) osc.frequency.exponentialRampToValueAtTime(to, end);
    gain.gain.setValueAtTime(0, start);  // short ramps in and out: no click
    gain.gain.linearRampToValueAtTime(loud, start + 0.01);
    gain.gain.setValueAtTime(loud, end - 0.02);
    gain.gain.linearRampToValueAtTime(0, end);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(end + 0.02);
  }
}

function label() {
  if (!toggle) return;
  const on = soundOn();
  toggle.setAttribute("aria-pressed", String(on));
  toggle.dataset.state = !on ? "off" : allowed() || !AudioContextClass ? "on" : "waiting";
  toggle.textContent = !on ? "Silent" : !AudioContextClass ? "No sound here" : allowed() ? "Sound on" : "Sound: tap to allow";
  toggle.title = !on ? "No sound and no vibration: tap for both"
    : allowed() ? "Tap for silence: no sound and no vibration" : "This browser plays sound only after a tap or a key on the page";
}

/** Make `button` the sound on/off switch; the choice is kept on this device. */
export function mountSoundToggle(button) {
  toggle = button;
  button.addEventListener("click", () => {
    if (soundOn() && lockedAtGesture) return label();  // this tap was to allow sound, not to mute it
    localStorage.setItem(KEY, soundOn() ? "off" : "on");
    label();
    if (soundOn()) signal("ok");  // so the person hears what "on" sounds like
  });
  label();
}

// Any tap, click or key on the page lets the browser play sound from then on.
for (const type of ["pointerdown", "keydown", "touchend"]) {
  document.addEventListener(type, unlock, { capture: true, passive: true });
}
context();
