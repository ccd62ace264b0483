"""The research code's threshold loop in plain numpy, as a long-lived helper of analysis.bench.ts.

The research code (tinysaver, exit_estimation.py: match_performance) rescans every sample for each
threshold: a boolean mask, then accuracies and exit ratio over that mask. This file does the same
vectorised over samples, for the 1,001-point grid of METHOD §5 (k/1000, k = 0..1000), and derives
from that table what libs/cascade gives for a pair: the curve on both splits, Procedure A on the
selection split, the accuracy-drop budgets and the Pareto frontiers. Timed beside it: a leaner
loop body (same outputs), the research code's match_performance as written, and, for contrast,
libs/cascade's own algorithm in numpy (a histogram by grid level, no threshold loop).

It stays running so the bench can measure it from outside (its CPU time is visible in /proc while
it works) and so numpy is imported once. Protocol: one JSON request per line on stdin, one JSON
answer per line on stdout. Timings are taken here with perf_counter around the work alone.
"""

import json
import os
import platform
import sys
import time

import numpy as np

GRID_STEPS = 1000
# METHOD §2: a float32 confidence c exits at τ = k/1000 (a double) iff c > τ. The largest float32
# not above τ is an equivalent float32 threshold (c > τ ⟺ c > t32 for every float32 c), so the
# comparison can run on the float32 array as the research code's does, without a float64 copy.
GRID = np.arange(GRID_STEPS + 1, dtype=np.float64) / GRID_STEPS
GRID_F32 = GRID.astype(np.float32)
GRID_F32 = np.where(
    GRID_F32.astype(np.float64) > GRID, np.nextafter(GRID_F32, np.float32(-1)), GRID_F32
).astype(np.float32)
# Budgets as libs/cascade resolves them: millionths of a point, feasibility on integers.
MICRO = 1_000_000


class Zoo:
    """Per model and split: float32 top-1 confidence and the correctness of the top-1 class."""

    def __init__(self, directory):
        with open(os.path.join(directory, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.directory = directory
        self.macs = self.manifest["macs"]
        self.splits = {}
        self.level_cache = {}

    def load(self):
        """Loads and prepares every (model, split); returns the time each took (ms)."""
        timings = []
        for split in self.manifest["splits"]:
            label = np.load(os.path.join(self.directory, split, "label.npy"))
            models = []
            for name in self.manifest["models"]:
                start = time.perf_counter()
                models.append(self.prepare(split, name, label))
                timings.append((time.perf_counter() - start) * 1000)
            self.splits[split] = models
        return timings

    def levels(self, split, model):
        """Grid levels for the histogram variant, computed once per (model, split) and kept."""
        key = (split, model)
        if key not in self.level_cache:
            self.level_cache[key] = grid_levels(self.splits[split][model][0])
        return self.level_cache[key]

    def prepare(self, split, name, label):
        conf = np.load(os.path.join(self.directory, split, f"{name}.conf.npy"))
        pred = np.load(os.path.join(self.directory, split, f"{name}.pred.npy"))
        return conf, pred == label


def sweep(conf, saver_correct, base_correct, saver_macs, base_macs):
    """The research loop over the grid: one full pass over the samples per threshold."""
    size = GRID_STEPS + 1
    exits = np.empty(size, dtype=np.int64)
    correct = np.empty(size, dtype=np.int64)
    exit_saver_correct = np.empty(size, dtype=np.int64)
    exit_base_correct = np.empty(size, dtype=np.int64)
    accuracy = np.empty(size)
    cost = np.empty(size)
    for k in range(size):
        mask = conf > GRID_F32[k]
        answer_correct = np.where(mask, saver_correct, base_correct)
        accuracy[k] = answer_correct.mean()
        cost[k] = (saver_macs + (~mask).mean() * base_macs) / base_macs
        # Exact counts too: METHOD compares integers (Procedure A, budgets, frontier).
        exits[k] = np.count_nonzero(mask)
        correct[k] = np.count_nonzero(answer_correct)
        exit_saver_correct[k] = np.count_nonzero(saver_correct & mask)
        exit_base_correct[k] = np.count_nonzero(base_correct & mask)
    n = conf.shape[0]
    return {
        "n": n,
        "baseCorrect": int(np.count_nonzero(base_correct)),
        "exits": exits,
        "correct": correct,
        "exitSaverCorrect": exit_saver_correct,
        "exitBaseCorrect": exit_base_correct,
        "accuracy": accuracy,
        "relativeCost": cost,
        "deltaC": saver_macs / base_macs - exits / n,
    }


def procedure_a(table):
    """METHOD §3 as the research code runs it: first τ (from 1.000 down) with ee_acc < tgt_acc."""
    previous = None
    for k in range(GRID_STEPS, 0, -1):
        e = table["exits"][k]
        ee_acc = table["exitSaverCorrect"][k] / e if e > 0 else 0
        tgt_acc = table["exitBaseCorrect"][k] / e if e > 0 else 0
        if ee_acc < tgt_acc:
            return {"match": k, "matchSafe": previous if previous is not None else k, "stopped": True}
        previous = k
    return {"match": 1, "matchSafe": 1, "stopped": False}


def budget_index(table, drop):
    """METHOD §5: most exits within the budget, then the largest τ; τ = 1 is always feasible."""
    drop_micro = round(drop * MICRO)
    feasible = 100 * MICRO * (table["baseCorrect"] - table["correct"]) <= drop_micro * table["n"]
    candidates = np.flatnonzero(feasible)
    most = table["exits"][candidates].max()
    return int(candidates[table["exits"][candidates] == most].max())


def frontier(table):
    """Grid indices on the Pareto frontier: exits descending (stable), accuracy strictly rising."""
    order = np.argsort(-table["exits"], kind="stable")
    correct = table["correct"][order]
    best_before = np.concatenate(([-1], np.maximum.accumulate(correct)[:-1]))
    return order[correct > best_before]


def analyse_pair(zoo, saver, base, budgets, sweep_split=None):
    """Everything libs/cascade reports for one ordered pair, on both splits. `sweep_split` is the
    research loop unless given; histogram_sweep reads grid levels instead of confidences."""
    sweep_split = sweep_split or sweep
    tables = {}
    for split, models in zoo.splits.items():
        conf, saver_correct = models[saver]
        _, base_correct = models[base]
        if sweep_split is histogram_sweep:
            conf = zoo.levels(split, saver)
        tables[split] = sweep_split(conf, saver_correct, base_correct, zoo.macs[saver], zoo.macs[base])
    selection, evaluation = (tables[s] for s in zoo.manifest["splits"])
    return {
        "tables": tables,
        "procedureA": procedure_a(selection),
        "budgets": [
            {"drop": d, "k": budget_index(selection, d), "oracleK": budget_index(evaluation, d)}
            for d in budgets
        ],
        "frontier": {split: frontier(t) for split, t in tables.items()},
    }


def summary(result):
    """What the bench checks for every timed pair: the chosen thresholds."""
    return {
        "match": result["procedureA"]["match"],
        "budgets": [[b["k"], b["oracleK"]] for b in result["budgets"]],
    }


def lean_sweep(conf, saver_correct, base_correct, saver_macs, base_macs):
    """A leaner loop body than the research code's: one mask and three counts per threshold; the
    cascade's correct count, accuracy and cost follow from the counts after the loop. Same table,
    same outputs; timed so the verdict does not hinge on how the loop body is written."""
    size = GRID_STEPS + 1
    counts = np.empty((3, size), dtype=np.int64)
    for k in range(size):
        mask = conf > GRID_F32[k]
        counts[0, k] = np.count_nonzero(mask)
        counts[1, k] = np.count_nonzero(saver_correct & mask)
        counts[2, k] = np.count_nonzero(base_correct & mask)
    return table_from_counts(counts, base_correct, saver_macs, base_macs)


def table_from_counts(counts, base_correct, saver_macs, base_macs):
    """The sweep's table from [exits, exitSaverCorrect, exitBaseCorrect] at every grid index."""
    exits, exit_saver_correct, exit_base_correct = counts
    n = base_correct.shape[0]
    base_total = int(np.count_nonzero(base_correct))
    correct = exit_saver_correct + base_total - exit_base_correct
    return {
        "n": n,
        "baseCorrect": base_total,
        "exits": exits,
        "correct": correct,
        "exitSaverCorrect": exit_saver_correct,
        "exitBaseCorrect": exit_base_correct,
        "accuracy": correct / n,
        "relativeCost": (saver_macs * n + base_macs * (n - exits)) / (base_macs * n),
        "deltaC": saver_macs / base_macs - exits / n,
    }


def grid_levels(conf):
    """#{k : conf > τ_k} per sample (libs/cascade's gridLevel): it exits at k iff level > k."""
    return np.searchsorted(GRID_F32, conf, side="left")


def histogram_sweep(level, saver_correct, base_correct, saver_macs, base_macs):
    """libs/cascade's algorithm in numpy, for contrast: no loop over thresholds — one histogram
    by grid level, then suffix sums (exits at k = samples with level > k)."""
    size = GRID_STEPS + 2
    per_level = np.stack(
        [
            np.bincount(level, minlength=size),
            np.bincount(level[saver_correct], minlength=size),
            np.bincount(level[base_correct], minlength=size),
        ]
    )
    at_or_above = np.cumsum(per_level[:, ::-1], axis=1)[:, ::-1]
    return table_from_counts(at_or_above[:, 1:], base_correct, saver_macs, base_macs)


def research_literal(conf, saver_pred, base_pred, label, saver_macs, base_macs):
    """The research code's match_performance with compelete=True (its default), restated: its own
    thresholds np.arange(1, 0, -0.001), fancy-indexed selections and one info row per threshold.
    Under numpy 1.x the float64 threshold is cast to float32 for the comparison."""
    n = label.shape[0]
    rows = []
    for t in np.arange(1, 0, -0.001):
        exit_mask = conf > t
        pass_mask = conf <= t
        saver_sel, base_sel, label_sel = saver_pred[exit_mask], base_pred[exit_mask], label[exit_mask]
        base_pass, label_pass = base_pred[pass_mask], label[pass_mask]
        if saver_sel.shape[0] > 0:
            ee_acc = (saver_sel == label_sel).sum() / saver_sel.shape[0]
            tgt_acc = (base_sel == label_sel).sum() / base_sel.shape[0]
        else:
            ee_acc = tgt_acc = 0
        ee_ratio = saver_sel.shape[0] / n
        pass_ratio = base_pass.shape[0] / n
        acc = ((saver_sel == label_sel).sum() + (base_pass == label_pass).sum()) / n
        # Its delat_c for a standalone saver (exit 0): prior backbone cost 0, exit cost C_S / C_B.
        exit_cost = saver_macs / base_macs
        delta_c = ee_ratio * (exit_cost - 1) + pass_ratio * exit_cost
        rows.append((t, acc, ee_acc, tgt_acc, ee_ratio, pass_ratio, delta_c))
    return rows


def to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def load_raw(zoo, split, model):
    """Confidence and top-1 class as stored, for the research-literal loop (it compares classes)."""
    conf = np.load(os.path.join(zoo.directory, split, f"{zoo.manifest['models'][model]}.conf.npy"))
    pred = np.load(os.path.join(zoo.directory, split, f"{zoo.manifest['models'][model]}.pred.npy"))
    return conf, pred


def research_literal_pair(zoo, saver, base, split):
    label = np.load(os.path.join(zoo.directory, split, "label.npy"))
    conf, saver_pred = load_raw(zoo, split, saver)
    _, base_pred = load_raw(zoo, split, base)
    return research_literal(conf, saver_pred, base_pred, label, zoo.macs[saver], zoo.macs[base])


def time_variant(zoo, variant, saver, base, budgets):
    """One pair, both splits, with the loop body `variant`; inputs prepared before the clock."""
    if variant == "brief":
        start = time.perf_counter()
        analyse_pair(zoo, saver, base, budgets)
        return (time.perf_counter() - start) * 1000
    if variant == "lean":
        start = time.perf_counter()
        analyse_pair(zoo, saver, base, budgets, lean_sweep)
        return (time.perf_counter() - start) * 1000
    if variant == "histogram":
        for split in zoo.manifest["splits"]:
            zoo.levels(split, saver)  # prepared before the clock, as libs/cascade's are
        start = time.perf_counter()
        analyse_pair(zoo, saver, base, budgets, histogram_sweep)
        return (time.perf_counter() - start) * 1000
    if variant == "literal":
        total = 0.0
        for split in zoo.manifest["splits"]:
            label = np.load(os.path.join(zoo.directory, split, "label.npy"))
            conf, saver_pred = load_raw(zoo, split, saver)
            _, base_pred = load_raw(zoo, split, base)
            start = time.perf_counter()
            research_literal(conf, saver_pred, base_pred, label, zoo.macs[saver], zoo.macs[base])
            total += time.perf_counter() - start
        return total * 1000
    raise ValueError(f"unknown variant {variant!r}")


def handle(zoo, request):
    cmd = request["cmd"]
    budgets = request.get("budgets", [0.01, 0.5, 1.0])
    if cmd == "hello":
        return {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "threadEnv": {
                k: os.environ.get(k)
                for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            },
        }
    if cmd == "load":
        return {"prepareMs": zoo.load()}
    if cmd == "analyse":
        saver, base = request["saver"], request["base"]
        result = analyse_pair(zoo, saver, base, budgets)
        selection = zoo.manifest["splits"][0]
        rows = research_literal_pair(zoo, saver, base, selection)
        n = zoo.manifest["samples"]
        failing = next((i for i, row in enumerate(rows) if row[2] < row[3]), len(rows) - 1)
        result["researchLiteral"] = {
            # Row i has threshold 1 − i·0.001 (accumulated in float64): grid index 1000 − i.
            "exits": [round(row[4] * n) for row in rows],
            "matchK": GRID_STEPS - failing,
            "matchDeltaC": rows[failing][6],
        }
        result["lean"] = analyse_pair(zoo, saver, base, budgets, lean_sweep)
        result["histogram"] = analyse_pair(zoo, saver, base, budgets, histogram_sweep)
        return result
    if cmd == "time":
        ms = [
            time_variant(zoo, request["variant"], request["saver"], request["base"], budgets)
            for _ in range(request["repeats"])
        ]
        return {"ms": ms}
    if cmd == "timePairs":
        summaries = []
        start = time.perf_counter()
        for saver, base in request["pairs"]:
            summaries.append(summary(analyse_pair(zoo, saver, base, budgets)))
        return {"ms": (time.perf_counter() - start) * 1000, "summaries": summaries}
    if cmd == "timeLevels":
        conf = zoo.splits[request["split"]][request["model"]][0]
        ms = []
        for _ in range(request["repeats"]):
            start = time.perf_counter()
            grid_levels(conf)
            ms.append((time.perf_counter() - start) * 1000)
        return {"ms": ms}
    if cmd == "timePrepare":
        split = request["split"]
        label = np.load(os.path.join(zoo.directory, split, "label.npy"))
        ms = []
        for _ in range(request["repeats"]):
            start = time.perf_counter()
            zoo.prepare(split, zoo.manifest["models"][request["model"]], label)
            ms.append((time.perf_counter() - start) * 1000)
        return {"ms": ms}
    raise ValueError(f"unknown command {cmd!r}")


def main():
    zoo = Zoo(sys.argv[1])
    for line in sys.stdin:
        try:
            answer = to_json(handle(zoo, json.loads(line)))
        except Exception as error:  # the bench shows it and stops
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
