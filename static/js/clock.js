// One way to write a time on every screen: the event's wall clock, 24-hour, and the
// date as well when that is not the same day as now (both in the event's time zone):
// "03:48" today, "Tue 2 Dec 03:48" on another day. scanner/clock.py writes the same,
// so the gate's messages and its details never mix the event's zone with this device's.
// Pure: Intl only, no page.

// Our own names, not Intl's: its short names vary by engine ("Sep" or "Sept").
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const formats = new Map();  // one formatter per time zone: making one is the costly part

/** The wall clock of `moment` in `zone` (none: this browser's own): {year, month, day, hour, minute, second}. */
function wall(moment, zone) {
  const key = zone || "";
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat("en-US", {
      timeZone: zone || undefined, year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23" }));
  }
  const parts = {};
  for (const { type, value } of formats.get(key).formatToParts(moment)) parts[type] = Number(value);
  return parts;
}

const two = (n) => String(n).padStart(2, "0");

/** `moment` on the event's clock ("03:48"), with its date when not `now`'s day ("Tue 2 Dec 03:48"). */
export function eventTime(moment, zone, now = new Date(), { seconds = false } = {}) {
  if (moment == null || Number.isNaN(new Date(moment).getTime())) return "";
  const at = wall(new Date(moment), zone), today = wall(new Date(now), zone);
  const clock = `${two(at.hour)}:${two(at.minute)}${seconds ? `:${two(at.second)}` : ""}`;
  if (at.year === today.year && at.month === today.month && at.day === today.day) return clock;
  const weekday = DAYS[new Date(Date.UTC(at.year, at.month - 1, at.day)).getUTCDay()];
  return `${weekday} ${at.day} ${MONTHS[at.month - 1]} ${clock}`;
}

// The event's zone for this page's times, set once the page has loaded its event.
let pageZone = null;

/** Write this page's times in the event's zone from now on. */
export function setEventZone(zone) {
  pageZone = zone || null;
}

/** The event's zone this page writes its times in (null until the event is loaded). */
export const eventZone = () => pageZone;

/** A time for this page: the event's clock, with the date when not today; options {seconds}. */
export const clockText = (moment, options) => eventTime(moment, pageZone, new Date(), options);
