"""docs/benchmarks.png from transom-bench's chart data: one panel per workload, one bar per
backend (its median), the raw wry baseline in grey. Usage: chart.py DATA.json OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = json.load(open(sys.argv[1]))
series = [s for s in data["series"] if any(v["median"] is not None for v in s["values"])]
cols = 3
rows = (len(series) + cols - 1) // cols
fig, axes = plt.subplots(rows, cols, figsize=(15, 2.6 * rows + 0.8), squeeze=False)
palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
labels = []
for s in data["series"]:
    for v in s["values"]:
        if v["backend"] not in labels:
            labels.append(v["backend"])
others = [name for name in labels if not name.startswith("raw wry")]
colour = {name: palette[i % len(palette)] for i, name in enumerate(others)}
for name in labels:
    if name.startswith("raw wry"):
        colour[name] = "#555555" if "baseline" in name else "#aaaaaa"
for ax, s in zip(axes.flat, series):
    names = [v["backend"] for v in s["values"]][::-1]
    values = [v["median"] if v["median"] is not None else 0 for v in s["values"]][::-1]
    bars = ax.barh(range(len(names)), values, color=[colour[n] for n in names])
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.set_title(f'{s["title"]} ({s["unit"]}, median)', fontsize=9)
    ax.tick_params(axis="x", labelsize=7)
    top = max(values) if values else 1
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 30
    if log:
        # One backend far off the others: a log scale keeps the rest readable.
        ax.set_xscale("log")
        ax.set_xlim(min(positive) / 2, max(positive) * 8)
        ax.set_title(f'{s["title"]} ({s["unit"]}, median, log scale)', fontsize=9)
    else:
        ax.set_xlim(0, top * 1.25 if top > 0 else 1)
    for bar, v, src in zip(bars, values, [v for v in s["values"]][::-1]):
        text = "not run" if src["median"] is None else f"{v:.3g}"
        x = (max(v, min(positive) / 2) * 1.1) if log and positive else v + top * 0.01
        ax.text(x, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=7)
for ax in list(axes.flat)[len(series):]:
    ax.axis("off")
fig.suptitle(f'transom-bench ({data["plan"]} run, {data["started"]}): lower is better', fontsize=11)
fig.tight_layout(rect=(0, 0, 1, 0.97))
fig.savefig(sys.argv[2], dpi=90)
