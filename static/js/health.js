// Every page's watch over itself. Loaded first, as a plain script, so it runs even
// when the page's own modules cannot load or parse (code inside them would never run).
//
// The page turns NOT READY, in red, with the reason in plain words, when
//   - any script error goes uncaught (window "error", "unhandledrejection"),
//   - one of its scripts fails to load or parse,
//   - the page reports that its start failed: window.pageHealth.fail(reason),
//   - or it has not said it started (document.body.dataset.ready) within START_SECONDS.
// It shows in the page's elements marked data-health="box|word|reason" (the gate's
// verdict area), else in a banner on top. A screen that cannot work never says READY.
// A page that only started late recovers (window event "page-recovered"); errors stay.
(() => {
  const START_SECONDS = 20;
  const AFTER = { load: "Check the connection and reload the page.",
                  error: "Reload the page; if it happens again, call a supervisor." };
  const title = document.title;
  let failure = null;  // {reason, slow}

  const where = (file, line) => (file ? ` (${file.split("/").pop()}${line ? `:${line}` : ""})` : "");

  function fail(reason, { slow = false } = {}) {
    if (failure && !failure.slow) return;  // the first real failure is the one to fix
    failure = { reason, slow };
    show();
  }

  /** Draw the failure, now or once the page's body exists. */
  function show() {
    if (!failure) return;
    if (!document.body) return document.addEventListener("DOMContentLoaded", show, { once: true });
    document.body.dataset.notReady = failure.reason;
    document.title = `NOT READY - ${title}`;
    const box = document.querySelector("[data-health=box]");
    if (box) {
      box.classList.remove("idle", "ok", "warn");
      box.classList.add("bad", "not-ready");
      box.dataset.status = "not_ready";
      document.querySelector("[data-health=word]").textContent = "NOT READY";
      document.querySelector("[data-health=reason]").textContent = failure.reason;
      for (const el of box.querySelectorAll("[data-health=clear]")) el.textContent = "";
      return;
    }
    let banner = document.getElementById("not-ready");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "not-ready";
      banner.setAttribute("role", "alert");
      // Styled here, not in a stylesheet: it must show even when the page's CSS did not load.
      banner.style.cssText = "position:sticky;top:0;z-index:200;background:#b3121f;color:#fff;padding:.7rem 1rem;"
        + "font:700 1.15rem/1.35 system-ui,sans-serif;border-bottom:.35rem solid #5f0910";
      banner.append(Object.assign(document.createElement("strong"), { textContent: "NOT READY: " }),
                    Object.assign(document.createElement("span"), { id: "not-ready-reason" }));
      document.body.prepend(banner);
    }
    banner.querySelector("#not-ready-reason").textContent = failure.reason;
  }

  function recover() {
    if (!failure?.slow) return;
    failure = null;
    delete document.body.dataset.notReady;
    document.title = title;
    document.getElementById("not-ready")?.remove();
    window.dispatchEvent(new Event("page-recovered"));  // a page redraws its area (it still shows NOT READY)
    document.querySelector("[data-health=box]")?.classList.remove("not-ready");
  }

  window.addEventListener("error", (e) => {
    const el = e.target;
    if (el instanceof HTMLScriptElement || el instanceof HTMLLinkElement && el.rel === "modulepreload") {
      const src = el.src || el.href;
      return fail(`Part of this page could not be loaded${where(src)}. ${AFTER.load}`);
    }
    if (!(e instanceof ErrorEvent) || /ResizeObserver loop/.test(e.message)) return;  // an image, or benign
    fail(`A script on this page failed: ${String(e.message).replace(/^Uncaught /, "")}${where(e.filename, e.lineno)}. `
         + AFTER.error);
  }, true);  // capture: a script element's load error does not bubble

  window.addEventListener("unhandledrejection", (e) => {
    const why = e.reason instanceof Error ? e.reason.message : String(e.reason);
    fail(`A script on this page failed: ${why}. ${AFTER.error}`);
  });

  function watchStart() {
    const started = () => document.body.dataset.ready !== undefined;
    if (!document.querySelector("script[type=module]")) document.body.dataset.ready = "1";  // nothing to wait for
    new MutationObserver(() => { if (started()) recover(); })
      .observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
    setTimeout(() => {
      if (!started()) fail(`The page did not finish starting in ${START_SECONDS} seconds. ${AFTER.load}`, { slow: true });
    }, START_SECONDS * 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchStart, { once: true });
  else watchStart();

  window.pageHealth = {
    /** Something the page needs failed: say why, in plain words. */
    fail,
    /** The page could not start for `event`: the server's words, the event if they do not name it, what to do. */
    cannotStart(detail, event) {
      const said = String(detail).replace(/\.$/, "");
      fail(`Cannot start: ${said}${said.includes(event) ? "" : ` (event ${event})`}. `
           + "Check the link, or sign this screen in again.");
    },
    /** Draw the NOT READY state again (a page that redraws its status area after a failure). */
    show,
    /** The failure's reason, or null while the page is well. */
    get failure() { return failure && failure.reason; },
  };
})();
