"""A training script that records its own run with driftbom (standard library only).

    python examples/train.py --lr 0.001 --out runs/run-1.cdx.json
    python examples/train.py --lr 0.0003 --out runs/run-2.cdx.json --parent runs/run-1.cdx.json
    drift check runs/run-1.cdx.json runs/run-2.cdx.json     # exit 1: the learning rate moved
    drift lineage runs/*.cdx.json

It fits a one-feature linear model by gradient descent on a CSV it writes itself the
first time, saves the weights (``OUT.weights.json``) and the metric (``OUT.metrics.json``),
and records dataset, hyperparameters, model, metric and environment in one CycloneDX
document. Where driftbom is not installed (an environment ``drift run`` records from
outside, as ``drift reproduce`` rebuilds it) it trains and writes the same files, and says
it records nothing itself:

    drift run --dataset train=data/train.csv --model linear=runs/run.cdx.weights.json \
        --metrics runs/run.cdx.metrics.json -- python train.py
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

try:
    import driftbom
except ImportError:  # recorded from outside (drift run): train all the same
    driftbom = None  # type: ignore[assignment, unused-ignore]


def make_data(path: Path, seed: int) -> None:
    """Write 200 noisy points of y = 3x + 0.5, once."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x", "y"])
        for _ in range(200):
            x = rng.uniform(-1, 1)
            writer.writerow([f"{x:.6f}", f"{3 * x + 0.5 + rng.gauss(0, 0.1):.6f}"])


def fit(rows: list[tuple[float, float]], lr: float, epochs: int) -> tuple[float, float, float]:
    """Return weight, bias and mean squared error after ``epochs`` of gradient descent."""
    w = b = 0.0
    for _ in range(epochs):
        gw = sum(2 * (w * x + b - y) * x for x, y in rows) / len(rows)
        gb = sum(2 * (w * x + b - y) for x, y in rows) / len(rows)
        w, b = w - lr * gw, b - lr * gb
    mse = sum((w * x + b - y) ** 2 for x, y in rows) / len(rows)
    return w, b, mse


def main() -> None:
    """Train once and record the run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path("data/train.csv"))
    parser.add_argument("--out", type=Path, default=Path("runs/run.cdx.json"))
    parser.add_argument("--parent", type=Path)
    args = parser.parse_args()
    make_data(args.data, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    config = {"optimizer": {"name": "sgd", "lr": args.lr}, "epochs": args.epochs, "seed": args.seed}
    weights = args.out.with_suffix(".weights.json")
    with tracked(args, config) as run:
        with args.data.open() as handle:
            rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(handle)]
        w, b, mse = fit(rows, args.lr, args.epochs)
        weights.write_text(json.dumps({"w": w, "b": b}))
        args.out.with_suffix(".metrics.json").write_text(json.dumps({"mse": round(mse, 6)}))
        if run is not None:
            run.model("linear", weights)
            run.metric("mse", round(mse, 6))
    done = f"recorded {args.out}" if run is not None else f"wrote {weights}"
    print(f"w={w:.3f} b={b:.3f} mse={mse:.4f}; {done}")


def tracked(args: argparse.Namespace, config: dict[str, Any]) -> Any:
    """Return driftbom's ``track`` of this run, or, without driftbom, a block recording nothing."""
    if driftbom is None:
        print("driftbom is not installed: this run is not recorded here", file=sys.stderr)
        return nullcontext()
    return driftbom.track(
        args.out.stem,
        output=args.out,
        datasets={"train": args.data},
        params=config,
        phase="training",
        parent=args.parent,
    )


if __name__ == "__main__":
    main()
