// The camera on the gate page: a few frames a second, each read by the best reader the
// browser has (gate-decoders.js: its own detector, else zxing-wasm in the page, else
// the server's /scans/frame), while no result shows.

import { chooseDecoder } from "./gate-decoders.js";

const FRAME_EVERY_MS = 350;

/** Why this page cannot have a camera, in plain words, or null if it can: browsers give one only to a
 *  secure context (HTTPS, or this computer itself), and a plain-HTTP address on the venue's network is not. */
export function cameraBlocked() {
  if (window.isSecureContext && navigator.mediaDevices?.getUserMedia) return null;
  return "The camera needs HTTPS or localhost";
}

export class Camera {
  constructor(video, { onCodes, onFrame }) {
    this.video = video; this.onCodes = onCodes; this.onFrame = onFrame;
    this.stream = null; this.busy = false; this.timer = null;
  }

  async start(deviceId) {
    const video = deviceId ? { deviceId: { exact: deviceId } } : { facingMode: "environment", width: 1280, height: 720 };
    this.stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.decoder = await chooseDecoder();
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
      if (this.decoder.detect) {
        const codes = await this.decoder.detect(this.video);
        if (codes.length) await this.onCodes(codes);  // a group held up together comes as one list
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

export async function cameras() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === "videoinput");
}
