// Who this screen is signed in as.
//
// Each screen (gate, desk, box, dashboard) keeps its own token and event in this
// browser, under keys of its own ("gate.desk.token"), so opening the desk's link
// here never changes what the gate tab is signed in as. A link with
// ?token=...&event=... signs in its own screen once, and the token then leaves the
// address bar. Every screen shows "Signed in as ... · Sign out"; a revoked or
// expired token shows how to sign in again instead of a broken screen.

const ALL_ROLES = ["admin", "supervisor", "box_office", "badge_desk", "gate", "viewer", "kiosk"];
export const SCREENS = {
  gate: { title: "Gate", roles: ["admin", "supervisor", "gate"] },
  desk: { title: "Badge desk", roles: ["admin", "supervisor", "box_office", "badge_desk"] },
  box: { title: "Box office", roles: ["admin", "supervisor", "box_office"] },
  dashboard: { title: "Dashboard", roles: ALL_ROLES },
  kiosk: { title: "Kiosk", roles: ["kiosk"] },
};
export const ROLE_NAMES = { admin: "Admin", supervisor: "Supervisor", box_office: "Box office",
                            badge_desk: "Badge desk", gate: "Gate", viewer: "Viewer", kiosk: "Kiosk" };
const FIELDS = ["token", "event", "name", "role", "paired"];
const CHECK_EVERY_MS = 60_000;

/** The screen this page is: "gate", "desk", "box", "dashboard", or "" for pages without credentials. */
export const screen = SCREENS[location.pathname.split("/")[1]] ? location.pathname.split("/")[1] : "";

const key = (s, field) => `gate.${s}.${field}`;

/** A screen's stored credentials: {token, event, name, role, paired}. */
export function credentials(s = screen) {
  return Object.fromEntries(FIELDS.map((f) => [f, (s && localStorage.getItem(key(s, f))) || ""]));
}

/** Store some of a screen's credentials (token, event, name, role, paired). */
export function remember(s, values) {
  for (const [field, value] of Object.entries(values)) {
    if (!FIELDS.includes(field)) continue;
    if (value) localStorage.setItem(key(s, field), value);
    else localStorage.removeItem(key(s, field));
  }
}

/** Forget everything a screen was signed in with. */
export function forget(s = screen) {
  for (const field of FIELDS) localStorage.removeItem(key(s, field));
}

/** Where this screen (or another) signs in: the pairing page, which also takes a pasted token. */
export const signInUrl = (s = screen) => (s ? `/pair?screen=${s}` : "/pair");

/** Earlier versions kept one token for every screen; each screen now starts from it once. */
function adoptSharedToken() {
  const shared = localStorage.getItem("gate.token");
  if (!shared) return;
  for (const s of Object.keys(SCREENS)) {
    if (!localStorage.getItem(key(s, "token"))) remember(s, { token: shared, event: localStorage.getItem("gate.event") });
  }
  localStorage.removeItem("gate.token");
  localStorage.removeItem("gate.event");
}

/** ?token=...&event=... signs in this screen only; the token then leaves the address bar and history. */
function adoptFromUrl() {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (token) {
    forget(screen);
    remember(screen, { token });
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}`);
  }
  if (params.get("event")) remember(screen, { event: params.get("event") });
}

/** True while the page is on its way to the sign-in page: its calls then wait forever instead of failing. */
export let leaving = false;

if (screen) {
  adoptSharedToken();
  adoptFromUrl();
  if (!credentials().token) {
    leaving = true;
    location.replace(signInUrl());
  }
}

/** A live connection the server closes because this screen's token stopped working says so at once. */
export function signOutOnClose(socket) {
  socket.on("signed_out", signedOut);
}

/** Show that this screen can no longer work with its token, and the way to sign in again. */
export function signedOut(problem = {}) {
  if (!screen || document.getElementById("signed-out")) return;
  const titles = { revoked: "This screen was signed out", expired: "This screen's sign-in has expired",
                   role: "This screen needs another sign-in" };
  const box = document.createElement("div");
  box.id = "signed-out";
  box.className = "signed-out";
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-labelledby", "signed-out-title");
  box.innerHTML = `<div class="signed-out-box"><h2 id="signed-out-title"></h2><p></p>
    <a class="button" href="${signInUrl()}">Sign in again</a></div>`;
  box.querySelector("h2").textContent = titles[problem.reason] || "Sign in to use this screen";
  box.querySelector("p").textContent = problem.detail || "This screen's token is not accepted any more.";
  box.querySelector("a").addEventListener("click", () => forget());
  document.body.append(box);
  document.body.dataset.signedOut = problem.reason || "unknown";
  box.querySelector("a").focus();
}

function mountBar() {
  const bar = document.createElement("div");
  bar.id = "session";
  bar.className = "session";
  bar.innerHTML = `<span class="session-who">Signed in as <strong id="session-name"></strong>
    <span id="session-detail" class="session-detail"></span></span>
    <span id="session-actions" class="session-actions"><button type="button" id="sign-out" class="session-button">Sign out</button></span>`;
  document.body.prepend(bar);
  const { name, role } = credentials();
  showWho({ name, role });
  bar.querySelector("#sign-out").addEventListener("click", askSignOut);
}

function showWho({ name, role, event, gate }) {
  document.getElementById("session-name").textContent = name || ROLE_NAMES[role] || "this device";
  const bits = [name && ROLE_NAMES[role], event, gate && `gate ${gate}`].filter(Boolean);
  document.getElementById("session-detail").textContent = bits.length ? `(${bits.join(" · ")})` : "";
}

function askSignOut() {
  const actions = document.getElementById("session-actions");
  document.getElementById("session").classList.add("asking");
  actions.innerHTML = `<span class="session-ask">Sign out of this screen?</span>
    <button type="button" id="sign-out-yes" class="session-button danger">Sign out</button>
    <button type="button" id="sign-out-no" class="session-button">Cancel</button>`;
  actions.querySelector("#sign-out-yes").addEventListener("click", signOut);
  actions.querySelector("#sign-out-no").addEventListener("click", () => {
    document.getElementById("session").classList.remove("asking");
    actions.innerHTML = `<button type="button" id="sign-out" class="session-button">Sign out</button>`;
    actions.querySelector("#sign-out").addEventListener("click", askSignOut);
  });
  actions.querySelector("#sign-out-no").focus();  // a scanner's Enter landing here must not sign out
}

/** Forget this screen's credentials (a paired device's token is revoked too: no one else holds it). */
export async function signOut() {
  const { token, paired } = credentials();
  if (paired && token) {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 3000);
    await fetch("/api/v1/me/revoke", { method: "POST", headers: { Authorization: `Bearer ${token}` },
                                       signal: stop.signal }).catch(() => null);
  }
  forget();
  leaving = true;
  location.assign(signInUrl());
}

let resolveMe;
/** The caller's own token as GET /api/v1/me answers it, once known (null if it cannot be asked). */
export const me = new Promise((resolve) => { resolveMe = resolve; });

/** Ask the server who this screen's token is; a refused token shows the sign-in again. */
async function check() {
  const { token, event } = credentials();
  let response;
  try {
    response = await fetch("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    return resolveMe(null);  // offline: the gate keeps judging from its pack meanwhile
  }
  if (response.status === 401) {
    resolveMe(null);
    return signedOut(await response.json().catch(() => ({})));
  }
  if (!response.ok) return resolveMe(null);
  const who = await response.json();
  remember(screen, { name: who.name, role: who.role });
  showWho(who);
  resolveMe(who);
  if (!SCREENS[screen].roles.includes(who.role)) {
    const role = `${ROLE_NAMES[who.role]} token`;
    signedOut({ reason: "role", detail: `${who.name ? `${who.name} is a ${role}, which` : `A ${role}`} `
                + `cannot run the ${SCREENS[screen].title} screen.` });
  } else if (!event && who.event) {
    remember(screen, { event: who.event });
    location.reload();  // the page started without knowing its event
  }
}

if (screen && !leaving) {
  mountBar();
  check();
  setInterval(check, CHECK_EVERY_MS);  // a token revoked while the screen sits idle is noticed
}
