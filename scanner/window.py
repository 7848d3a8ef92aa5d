"""The preview window of `gate-scan`: the camera picture and the verdict in big letters.

Tk is single-threaded: the window lives on the main thread and the camera
loop on its own, which only puts things into queues (`show_frame`,
`show_verdict`, `show_online`, `finished`); the window takes them out every
few milliseconds. A frame is scaled and encoded (PPM) on the loop's thread
and only the newest one waits, so a slow screen never slows decoding. A
verdict stays `hold` seconds, then the panel says READY again. Closing the
window, q or Escape sets `stop`, which ends the loop.
"""

from __future__ import annotations

import queue
import threading
import tkinter as tk
from tkinter import TclError
from tkinter import font as tkfont
from typing import Any

import cv2
import numpy as np

from scanner.verdicts import COLOURS, READY, Verdict

__all__ = ["GateWindow", "TclError"]

FACE = "DejaVu Sans"
POLL_MS = 15
# Pixel sizes (negative in Tk) for arm's length: the word is the largest thing on screen.
SIZES = {"word": 130, "holder": 58, "kind": 42, "message": 34, "detail": 30, "banner": 40}
OFFLINE_TEXT = "OFFLINE - judging tickets here, scans are queued"
HINT_COLOUR = "#facc15"


class GateWindow:
    """A Tk window fed by the camera loop's thread through queues."""

    def __init__(self, stop: threading.Event, hold: float = 3.0, size: tuple[int, int] = (1280, 720),
                 title: str = "gate-scan") -> None:
        self.stop, self.hold_ms = stop, int(hold * 1000)
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._frames: queue.Queue[bytes] = queue.Queue(maxsize=1)
        self._reset: str | None = None
        self.root = tk.Tk(className="gate-scan")
        self.root.title(title)
        self.root.geometry(f"{size[0]}x{size[1]}")
        self.root.configure(background="black")
        self.root.protocol("WM_DELETE_WINDOW", self.close)
        for key in ("q", "Q", "<Escape>"):
            self.root.bind(key if key.startswith("<") else f"<Key-{key}>", lambda _event: self.close())
        self.fonts = {name: tkfont.Font(root=self.root, family=FACE, size=-px,
                                        weight="normal" if name in ("message", "detail") else "bold")
                      for name, px in SIZES.items()}
        self._build(size)
        self._apply(READY)
        self.root.after(POLL_MS, self._poll)

    def _build(self, size: tuple[int, int]) -> None:
        self.root.columnconfigure(0, weight=45, uniform="halves")
        self.root.columnconfigure(1, weight=55, uniform="halves")
        self.root.rowconfigure(1, weight=1)
        self.banner = tk.Label(self.root, text=OFFLINE_TEXT, font=self.fonts["banner"], fg="white",
                               bg=COLOURS["offline"], pady=12)
        self.video = tk.Label(self.root, background="black")
        self.video.grid(row=1, column=0, sticky="nsew")
        self.panel = tk.Frame(self.root, padx=24, pady=24)
        self.panel.grid(row=1, column=1, rowspan=2, sticky="nsew")  # row 2: the hint, under the picture
        self.video_size = (int(size[0] * 0.45), size[1])  # read by the loop's thread to scale frames
        self.video.bind("<Configure>", self._resized)
        # What would help read a code the camera sees but cannot read: under the picture, for its holder.
        self.hint = tk.Label(self.root, font=self.fonts["banner"], fg="black", bg=HINT_COLOUR, pady=8,
                             wraplength=self.video_size[0])
        self.labels = {name: tk.Label(self.panel, font=self.fonts[name], fg="white", justify="center")
                       for name in ("word", "holder", "kind", "message", "detail")}
        self.panel.bind("<Configure>", lambda event: self._wrap(event.width))
        self._photo: tk.PhotoImage | None = None

    # The camera loop's side: these only put into queues.

    def show_frame(self, frame: np.ndarray) -> None:
        """Offer a camera frame; dropped if the window has not taken the last one yet."""
        if frame.ndim == 2:  # a grey picture (a folder of scans, say): the preview is in colour
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        width, height = self.video_size
        scale = min(width / frame.shape[1], height / frame.shape[0])
        if scale <= 0:
            return
        small = cv2.resize(frame, (max(1, int(frame.shape[1] * scale)), max(1, int(frame.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        ok, ppm = cv2.imencode(".ppm", small)
        if ok:
            try:
                self._frames.put_nowait(ppm.tobytes())
            except queue.Full:
                pass

    def show_verdict(self, verdict: Verdict) -> None:
        """Show a verdict for `hold` seconds."""
        self._events.put(("verdict", verdict))

    def show_online(self, online: bool) -> None:
        """Hide or show the OFFLINE banner."""
        self._events.put(("online", online))

    def show_hint(self, hint: str | None) -> None:
        """Show a hint for the person holding a code (None: hide it)."""
        self._events.put(("hint", hint))

    def finished(self) -> None:
        """The input has ended: close once the last verdict has been seen."""
        self._events.put(("finished", None))

    # The window's side.

    def run(self) -> None:
        """Show the window until it is closed or the loop has finished."""
        self.root.mainloop()

    def close(self) -> None:
        """Stop the camera loop and close the window."""
        self.stop.set()
        if self.root is not None:
            self.root.destroy()
            self.root = None  # type: ignore[assignment]

    def state(self) -> dict[str, str]:
        """What the window shows now, read back from the widgets: each label's text, colours, banner."""
        shown = {name: str(label.cget("text")) for name, label in self.labels.items()}
        banner = str(self.banner.cget("text")) if self.banner.winfo_ismapped() else ""
        return {**shown, "colour": str(self.panel.cget("background")), "banner": banner,
                "banner_colour": str(self.banner.cget("background")) if banner else "",
                "hint": str(self.hint.cget("text")) if self.hint.winfo_ismapped() else ""}

    def _poll(self) -> None:
        try:
            while True:
                kind, value = self._events.get_nowait()
                if kind == "verdict":
                    self._apply(value)
                    self._hold()
                elif kind == "online":
                    self._banner(value)
                elif kind == "hint":
                    self._hint(value)
                else:
                    self.root.after(self.hold_ms, self.close)
        except queue.Empty:
            pass
        try:
            ppm = self._frames.get_nowait()
        except queue.Empty:
            pass
        else:
            self._photo = tk.PhotoImage(master=self.root, data=ppm, format="PPM")
            self.video.configure(image=self._photo)
        if self.root is not None:
            self.root.after(POLL_MS, self._poll)

    def _apply(self, verdict: Verdict) -> None:
        texts = {"word": verdict.word, "holder": verdict.holder, "kind": verdict.kind,
                 "message": verdict.message, "detail": verdict.detail}
        self.panel.configure(background=verdict.colour)
        for name, label in self.labels.items():
            label.configure(text=texts[name], background=verdict.colour)
            label.pack_forget()
            if texts[name]:  # no empty line where a verdict has no holder or detail
                label.pack(fill="x", pady=(0, 40) if name == "word" else 6)
        self._fit_word(verdict.word)

    def _hint(self, hint: str | None) -> None:
        if hint:
            self.hint.configure(text=hint[0].upper() + hint[1:])
            self.hint.grid(row=2, column=0, sticky="ew")
        else:
            self.hint.grid_remove()

    def _hold(self) -> None:
        if self._reset is not None:
            self.root.after_cancel(self._reset)
        self._reset = self.root.after(self.hold_ms, self._ready)

    def _ready(self) -> None:
        self._reset = None
        self._apply(READY)

    def _banner(self, online: bool) -> None:
        if online:
            self.banner.grid_remove()
        else:
            self.banner.grid(row=0, column=0, columnspan=2, sticky="ew")

    def _fit_word(self, word: str) -> None:
        """The largest size up to SIZES['word'] at which the word fits the panel's width."""
        room = max(200, self.panel.winfo_width() - 60)
        px = SIZES["word"]
        self.fonts["word"].configure(size=-px)
        while px > 40 and self.fonts["word"].measure(word) > room:
            px -= 6
            self.fonts["word"].configure(size=-px)

    def _wrap(self, width: int) -> None:
        for label in self.labels.values():
            label.configure(wraplength=max(100, width - 60))
        self._fit_word(str(self.labels["word"].cget("text")))

    def _resized(self, event: tk.Event) -> None:
        self.video_size = (event.width, event.height)
