"""The renderer as a library: deterministic, safe to call from several threads, no side effects."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reportlab import rl_config

import badges

NAMES = ["Anna Müller", "प्रिया शर्मा", "محمد علي", "שרה לוי", "王小明", "김민준", "Anna مريم Lee"]


def test_output_is_deterministic(make_badge) -> None:
    ticket = make_badge(name="प्रिया शर्मा")
    assert badges.render(ticket) == badges.render(ticket)


def test_threads_render_the_same_bytes_as_one_thread(make_badge) -> None:
    jobs = [[make_badge(name=name, serial=f"S-{i}-{j}") for j, name in enumerate(NAMES)] for i in range(8)]
    expected = [badges.render(job, page="a4-4") for job in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: badges.render(job, page="a4-4"), jobs))
    assert got == expected


def test_reportlab_settings_are_left_as_found(make_badge) -> None:
    before = rl_config.useA85
    pdf = badges.render(make_badge())
    assert rl_config.useA85 == before
    assert b"ASCII85Decode" not in pdf


def test_warm_up_loads_everything_a_first_print_needs() -> None:
    badges.warm_up()
    assert badges.layout_for("vip") is badges.get_layout("vip")
