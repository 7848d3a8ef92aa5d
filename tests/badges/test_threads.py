"""Rendering from many threads at once (a threaded web server) gives the same PDFs as one at a time."""

from __future__ import annotations

import sys
import threading

import badges

NAMES = ["Anna Müller", "प्रिया शर्मा", "محمد بن سلمان", "שרה לוי", "王小明", "山田 太郎", "김민준",
         "Li Wei 李伟", "श्रीनिवास रामानुजन", "فاطمة الزهراء"]
# Many distinct glyphs make each PDF's font subsets large, so saves overlap.
HAN = "".join(chr(0x4E00 + 37 * k) for k in range(120))
THREADS = 6
ROUNDS = 6


def test_concurrent_jobs_render_exactly_as_sequential_ones(make_badge) -> None:
    jobs = [[make_badge(name=name, company=HAN, badge_type=kind) for name in NAMES] for kind in ("general", "vip")]
    expected = [badges.render(job) for job in jobs]  # invariant PDFs: same input, same bytes
    failures: list[str] = []

    def work(k: int) -> None:
        for n in range(ROUNDS):
            i = (k + n) % len(jobs)
            try:
                if badges.render(jobs[i]) != expected[i]:
                    failures.append(f"job {i}: different PDF")
            except Exception as error:  # noqa: BLE001  (any error here is the finding)
                failures.append(f"job {i}: {error!r}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy server does, so races show
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
