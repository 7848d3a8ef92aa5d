// Which reader turns the gate camera's frames into codes, best first:
//   native - the browser's own BarcodeDetector (Chrome on Android, ChromeOS, macOS);
//   wasm   - zxing-wasm's reader, run in this page (Safari on iPad, Firefox, Chrome on Linux/Windows):
//            it needs no server, so a tablet that lost the server still scans and judges from its pack;
//   server - neither: frames go to /scans/frame, which only works while the server answers.
// Each reader's detect(video) gives every code in the frame, as a list of strings.

const WASM_URL = new URL("../vendor/zxing-wasm/zxing_reader.wasm", import.meta.url).href;
// A gate frame holds a few tickets at most; the cap keeps a busy frame's decode short.
const MOST_CODES = 8;
// How the page names each, small under the camera view.
export const DECODER_NAMES = {
  native: "QR: this browser", wasm: "QR: this page (offline too)", server: "QR: by the server",
};

let chosen = null;

/** The best reader this browser has, found once: the page starts it early, before the server can vanish. */
export function chooseDecoder() {
  chosen ||= nativeDecoder().catch(() => null)
    .then((native) => native || wasmDecoder())
    .then((best) => best || { name: "server" });
  return chosen;
}

async function nativeDecoder() {
  if (!("BarcodeDetector" in window)) return null;
  const formats = await window.BarcodeDetector.getSupportedFormats();
  if (!formats.includes("qr_code")) return null;
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  return { name: "native", detect: async (video) => (await detector.detect(video)).map((b) => b.rawValue) };
}

async function wasmDecoder() {
  if (typeof WebAssembly !== "object") return null;
  try {
    const zxing = await import("../vendor/zxing-wasm/reader/index.js");
    // Left alone it fetches its .wasm from a CDN: this service serves it, so it works with no internet.
    zxing.setZXingModuleOverrides({ locateFile: () => WASM_URL });
    await zxing.getZXingModule();  // load and compile now, not at the first frame
    const frames = new FrameGrabber();
    return { name: "wasm", detect: (video) => readCodes(zxing, frames.grab(video)) };
  } catch (err) {  // a browser that refuses to compile it (old engine, strict policy): frames go to the server
    console.warn("In-page decoder unavailable:", err);
    return null;
  }
}

/** Every QR code in the pixels, as text; `zxing` is the vendored reader module. */
export async function readCodes(zxing, imageData) {
  const found = await zxing.readBarcodes(imageData, { formats: ["QRCode"], maxNumberOfSymbols: MOST_CODES });
  return found.filter((r) => r.isValid).map((r) => r.text);
}

/** Copies video frames into pixels through one reused canvas kept on the CPU, read every few hundred ms. */
export class FrameGrabber {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
  }

  grab(source, width = source.videoWidth || source.width, height = source.videoHeight || source.height) {
    if (this.canvas.width !== width || this.canvas.height !== height) Object.assign(this.canvas, { width, height });
    this.context.drawImage(source, 0, 0, width, height);
    return this.context.getImageData(0, 0, width, height);
  }
}
