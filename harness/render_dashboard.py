#!/usr/bin/env python3
"""Draw the template's CloudWatch dashboard (RotationDashboard) as a PNG, from
its definition in template.yaml: the same widgets, titles, positions, lines
and labels, over illustrative data (a month of daily rotations with a few
failures, a fleet of 120 secrets of which some would fail). The picture in
docs/fleet-check.md is made with:

    python3 -m harness.render_dashboard docs/fleet-dashboard.png

Test and docs tooling only (matplotlib); nothing here ships.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .dashboard import dashboard, widget_metrics  # noqa: E402

SAMPLE_ROWS = [
    ("prod/billing/mysql", "failing", "login-current", "06:02"),
    ("prod/legacy/reports", "failing", "rotation-overdue", "06:02"),
    ("prod/search/replica", "notChecked", "", "06:03"),
]


def opening_days(body: dict) -> int:
    """The days the dashboard opens on ("start": "-P14D"), as the console shows them."""
    match = re.fullmatch(r"-P(\d+)D", body.get("start", ""))
    if match is None:
        raise ValueError(f"the dashboard's start {body.get('start')!r} is not -PnD")
    return int(match.group(1))


def illustrative(title: str, label: str, rng: random.Random, days: int) -> list[float]:
    """A plausible series for one line; the picture shows shape, not data."""
    DAYS = days  # noqa: N806 (reads as the constant it is within one picture)
    if "failed" in title:
        return [1.0 if rng.random() < 0.12 else 0.0 for _ in range(DAYS)]
    if "succeeded" in title:
        return [float(rng.choice([2, 3, 4, 5])) for _ in range(DAYS)]
    if "duration" in title:
        base = {"createSecret": 35, "setSecret": 160, "testSecret": 70, "finishSecret": 20}.get(label, 50)
        return [base * (0.8 + 0.4 * rng.random()) for _ in range(DAYS)]
    if "would fail" in title:
        if label == "checked":
            return [118.0 + rng.choice([0, 1, 2]) for _ in range(DAYS)]
        if label == "not checked":
            return [0.0] * (DAYS - 3) + [1.0, 0.0, 0.0]
        return [float(rng.choice([0, 0, 1, 2])) for _ in range(DAYS)]
    if "plugin" in title:
        # A fleet moving off mysql_native_password over the month.
        moved = {"mysql_native_password": -1.0, "caching_sha2_password": 0.7, "ed25519": 0.3}.get(label, 0.0)
        start = {"mysql_native_password": 90.0, "caching_sha2_password": 20.0, "ed25519": 6.0}.get(label, 0.0)
        return [max(0.0, start + moved * 3 * day) if label != "not read" else float(rng.choice([0, 1, 2]))
                for day in range(DAYS)]
    if "oldest" in title:
        turn = DAYS * 2 // 3
        return [12.0 + day if day < turn else float(day - turn + 1) for day in range(DAYS)]
    return [rng.random() for _ in range(DAYS)]


def render(out: Path) -> list[str]:
    """Draws the dashboard to `out`; returns the widget titles drawn, in order."""
    body = dashboard()
    shown = opening_days(body)
    widgets = body["widgets"]
    rows = max(w["y"] + w["height"] for w in widgets)
    figure = plt.figure(figsize=(16, rows * 0.55 + 0.6), dpi=100)
    figure.suptitle("CloudWatch dashboard RotationDashboard (illustrative data)", fontsize=13)
    rng = random.Random(22)
    titles = []
    for widget in widgets:
        properties = widget["properties"]
        left = widget["x"] / 24 + 0.035
        bottom = 1 - (widget["y"] + widget["height"]) / rows * 0.93 - 0.02
        axes = figure.add_axes((left, bottom + 0.045, widget["width"] / 24 - 0.06,
                                widget["height"] / rows * 0.93 - 0.09))
        axes.set_title(properties["title"], fontsize=10, loc="left")
        titles.append(properties["title"])
        if widget["type"] == "log":
            axes.axis("off")
            table = axes.table(cellText=[list(row) for row in SAMPLE_ROWS],
                               colLabels=["SecretName", "status", "failed", "checked"], loc="upper left",
                               cellLoc="left", colLoc="left")
            table.scale(1, 1.4)
            axes.text(0, -0.05, properties["query"][:110] + " …", fontsize=6, family="monospace",
                      transform=axes.transAxes, va="top")
            continue
        lines = widget_metrics(widget)
        labels = [row[-1]["label"] if isinstance(row[-1], dict) else row[1] for row in properties["metrics"]]
        series = [illustrative(properties["title"], label, rng, shown) for label in labels]
        days = list(range(-shown + 1, 1))
        if properties.get("stacked"):
            axes.stackplot(days, *series, labels=labels, alpha=0.85)
        else:
            right = None
            for row, values, label in zip(properties["metrics"], series, labels, strict=False):
                options = row[-1] if isinstance(row[-1], dict) else {}
                target = axes
                if options.get("yAxis") == "right":
                    right = right or axes.twinx()
                    target = right
                target.plot(days, values, label=label, linewidth=1.6,
                            color=f"C{labels.index(label)}")
            if right is not None:
                right.tick_params(labelsize=7)
                right.set_ylim(bottom=0)
                right.legend(fontsize=7, loc="upper right")
        axes.set_xlabel(f"days ago · {properties['stat']} per {properties['period'] // 3600} h · "
                        f"{lines[0][0]}/{', '.join(sorted({name for _, name, _ in lines}))}", fontsize=7)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="upper left", ncol=4)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    return titles


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs/fleet-dashboard.png")
    for title in render(out):
        print(f"drew: {title}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
