// The camera on the gate page: a native QR detector where the browser has one,
// otherwise a few frames a second sent to /scans/frame while no result shows.

const FRAME_EVERY_MS = 350;

/** Why this page cannot have a camera, in plain words, or null if it can: browsers give one only to a
 *  secure context (HTTPS, or this computer itself), and a plain-HTTP address on the venue's network is not. */
export function cameraBlocked() {
  if (window.isSecureContext && navigator.mediaDevices?.getUserMedia) return null;
  return "The camera needs HTTPS or localhost";
}

export class Camera {
  constructor(video, { onCode, onFrame }) {
    this.video = video; this.onCode = onCode; this.onFrame = onFrame;
    this.stream = null; this.busy = false; this.timer = null;
  }

  async start(deviceId) {
    const video = deviceId ? { deviceId: { exact: deviceId } } : { facingMode: "environment", width: 1280, height: 720 };
    this.stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.detector = await nativeDetector();
    this.timer = setInterval(() => this.tick(), FRAME_EVERY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.stream?.getTracks().forEach((t) => t.stop());
    this.video.hidden = true;
    this.stream = null;
  }

  /** Pause while a result is on screen, so a code held up is not judged twice. */
  hold(ms) { this.busy = true; setTimeout(() => { this.busy = false; }, ms); }

  async tick() {
    if (this.busy || !this.stream || this.video.readyState < 2) return;
    this.busy = true;
    try {
      if (this.detector) {
        const found = await this.detector.detect(this.video);
        if (found.length) await this.onCode(found[0].rawValue);
      } else {
        await this.onFrame(await this.snapshot());
      }
    } finally {
      this.busy = false;
    }
  }

  snapshot() {
    const scale = Math.min(1, 1280 / this.video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(this.video.videoWidth * scale);
    canvas.height = Math.round(this.video.videoHeight * scale);
    canvas.getContext("2d").drawImage(this.video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  }
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  const formats = await window.BarcodeDetector.getSupportedFormats();
  return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
}

export async function cameras() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === "videoinput");
}
