"""`make bench`: driftbom's performance budgets, side by side with its peers, in one run.

Prints medians and ratios and writes them to docs/benchmarks.md (--write).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
ENV_DIR = WORK / "mlenv"
BIN = Path(sys.executable).parent
PEER_CAP = 60.0
DRIFT = str(BIN / "drift")


def timed(
    argv: list[str],
    reps: int,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    cap: float | None = None,
) -> float:
    """Return the median wall time of ``argv`` over ``reps`` runs (after one warm-up).

    A peer that runs past ``cap`` seconds is stopped and reported as taking ``cap``
    (shown as "> cap"): an O(n^2) peer must not hold the whole benchmark hostage.
    """
    run_env = {**os.environ, **(env or {})}
    run_env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for index in range(reps + (0 if cap else 1)):
        start = time.perf_counter()
        try:
            done = subprocess.run(
                argv, capture_output=True, env=run_env, cwd=cwd, check=False, timeout=cap or 900
            )
        except subprocess.TimeoutExpired:
            return float("inf")
        if index == 0 and not cap:
            continue  # warm-up
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            msg = f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-400:]}"
            raise SystemExit(msg)
    return statistics.median(times)


def ensure_env() -> Path:
    """Create the ~190-distribution ML environment once (pinned in requirements-ml.txt)."""
    python = ENV_DIR / "bin" / "python"
    stamp = ENV_DIR / ".requirements"
    wanted = (HERE / "requirements-ml.txt").read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(ENV_DIR, ignore_errors=True)
    print("bench: building the benchmark environment (several minutes, once)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(ENV_DIR)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "-r",
            str(HERE / "requirements-ml.txt"),
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return python


class Table:
    def __init__(self, title: str, budget: str) -> None:
        self.title, self.budget, self.rows = title, budget, []

    def add(self, name: str, seconds: float, ours: bool = False, cap: float = PEER_CAP) -> None:
        self.rows.append((name, seconds, ours, cap))

    def markdown(self) -> str:
        base = next(s for _, s, ours, _ in self.rows if ours)
        lines = [
            f"### {self.title}",
            "",
            f"Budget: {self.budget}",
            "",
            "| command | median | vs drift |",
            "|---|---:|---:|",
        ]
        for name, seconds, ours, cap in self.rows:
            if seconds == float("inf"):
                shown, ratio = f"> {cap:.0f} s (stopped)", f"> {cap / base:.0f}×"
            else:
                shown = f"{seconds:.3f} s" if seconds >= 0.01 else f"{seconds * 1000:.3f} ms"
                ratio = "1.0×" if ours else f"{seconds / base:.1f}×"
            lines.append(f"| {'**' + name + '**' if ours else name} | {shown} | {ratio} |")
        return "\n".join(lines) + "\n"


def bench_snapshot(python: Path, reps: int, peer_reps: int) -> Table:
    table = Table("Snapshot of the ML environment", "`drift snapshot`, validated, ≤ 0.25 s median")
    out = WORK / "snap.cdx.json"
    shutil.rmtree(WORK / "cache", ignore_errors=True)  # the warm-up run fills it again
    snapshot = [DRIFT, "snapshot", "--python", str(python), "-o", str(out)]
    table.add("drift snapshot (validated)", timed(snapshot, reps, cwd=WORK), ours=True)
    table.add(
        "drift snapshot --no-cache (every dist-info and dpkg status parsed again)",
        timed([*snapshot, "--no-cache"], reps, cwd=WORK),
    )
    table.add("pip freeze", timed([str(python), "-m", "pip", "freeze"], peer_reps))
    table.add("pip inspect", timed([str(python), "-m", "pip", "inspect"], peer_reps))
    cdx = str(BIN / "cyclonedx-py")
    table.add(
        "cyclonedx-py environment --no-validate",
        timed([cdx, "environment", "--no-validate", str(python)], peer_reps),
    )
    table.add(
        "cyclonedx-py environment (validated)",
        timed([cdx, "environment", str(python)], 1, cap=PEER_CAP),
    )
    if any((python.parent.parent / "lib").glob("python3*/site-packages/torch")):
        table.add(
            "python -m torch.utils.collect_env",
            timed([str(python), "-m", "torch.utils.collect_env"], 1),
        )
    return table


TYPER_NEXT = "0.29.2"


def _typer_next() -> Path:
    """Install (once) the typer release drift's pin leaves out, into a folder of its own."""
    target = WORK / f"typer-{TYPER_NEXT}"
    if not (target / "typer").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(target),
             f"typer=={TYPER_NEXT}"],
            check=True,
        )  # fmt: skip
    return target


def bench_help(reps: int) -> Table:
    """Start-up, paired with the choice made for it: typer below 0.29."""
    table = Table(
        "Start-up",
        "`drift --help` ≤ 0.2 s; the typer<0.29 pin stays while it pays",
    )
    table.add("drift --help", timed([DRIFT, "--help"], reps), ours=True)
    sub = [DRIFT, "check", "--help"]  # a command's own parse: where typer 0.29 costs
    table.add("drift check --help", timed(sub, reps))
    nextenv = {**os.environ, "PYTHONPATH": str(_typer_next())}
    tried = subprocess.run(sub, capture_output=True, text=True, env=nextenv, check=False)
    if tried.returncode == 0:
        table.add(f"drift check --help with typer {TYPER_NEXT} (outside the pin)",
                  timed(sub, reps, env={"PYTHONPATH": str(_typer_next())}))  # fmt: skip
    else:  # the pin also keeps what drift imports from typer: say so, time nothing
        why = (tried.stderr.strip().splitlines() or ["no message"])[-1][:80]
        table.budget += f"; with typer {TYPER_NEXT} drift does not start ({why})"
    table.add("python -c pass", timed([sys.executable, "-c", "pass"], reps))
    table.add("python -c 'import typer'", timed([sys.executable, "-c", "import typer"], reps))
    return table


def _in_process(setup: str, statement: str, number: int = 200) -> float:
    """Median seconds per call of ``statement``, measured in a fresh interpreter."""
    code = (
        "import statistics, timeit\n"
        f"{setup}\n"
        f"runs = timeit.repeat({statement!r}, globals=globals(), number={number}, repeat=7)\n"
        f"print(statistics.median(runs) / {number})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def bench_gpu() -> Table:
    table = Table(
        "GPU layer on a machine without an NVIDIA driver",
        "≤ 5 ms added when NVML is absent (≤ 50 ms with a GPU: see scripts/gpu-check.sh)",
    )
    setup = "from driftbom.probes.system.gpu import GpuProbe\nfrom driftbom.probes.interface import ProbeContext\np, c = GpuProbe(), ProbeContext()"
    table.add("GpuProbe().collect() (no driver)", _in_process(setup, "p.collect(c)"), ours=True)
    setup = "from driftbom.probes.system.os_packages import OsPackagesProbe\nfrom driftbom.probes.interface import ProbeContext\np, c = OsPackagesProbe(), ProbeContext()"
    table.add("for scale: OsPackagesProbe().collect()", _in_process(setup, "p.collect(c)", 5))
    return table


def bench_scrub(python: Path) -> Table:
    """The document-wide scrub of a snapshot: one pass over all its strings, or one per string."""
    doc = WORK / "scrub.cdx.json"
    subprocess.run([DRIFT, "-q", "snapshot", "--python", str(python), "-o", str(doc)], check=True)
    setup = f"import orjson\nfrom driftbom import redact\ndoc = orjson.loads(open({str(doc)!r}, 'rb').read())"
    table = Table(
        "Optimisation: a document scrubbed in one pass (snapshot of the ML environment)",
        "it stays only while the run without it is slower",
    )
    table.add(
        "scrub_tree: one pass when nothing needs removing",
        _in_process(setup, "redact.scrub_tree(doc)", 20),
        ours=True,
    )
    table.add("each string scrubbed alone", _in_process(setup, "redact._scrub_each(doc)", 20))
    return table


def bench_check(python: Path, reps: int) -> list[Table]:
    sys.path.insert(0, str(HERE))
    from synth import pair  # noqa: PLC0415

    snap = WORK / "snap.cdx.json"
    subprocess.run(
        [DRIFT, "snapshot", "--python", str(python), "-o", str(snap)], check=True, cwd=WORK
    )
    real = Table("drift check of two snapshots of the ML environment", "≤ 0.3 s")
    real.add(
        "drift check (same document)",
        timed([DRIFT, "check", str(snap), str(snap)], reps),
        ours=True,
    )
    naive = [
        sys.executable,
        "-c",
        (
            "import json,sys; from deepdiff import DeepDiff; "
            "DeepDiff(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), ignore_order=True)"
        ),
    ]
    real.add("deepdiff over the raw JSON", timed([*naive, str(snap), str(snap)], 3, cap=PEER_CAP))
    scaling = Table(
        "drift check of synthetic documents (2% bumped, 1% removed, 1% added)",
        "10,000 components ≤ 1 s; cost linear in components",
    )
    for count in (1_000, 10_000, 100_000):
        ref, cur = pair(count)
        ref_path, cur_path = WORK / f"ref-{count}.cdx.json", WORK / f"cur-{count}.cdx.json"
        ref_path.write_text(json.dumps(ref))
        cur_path.write_text(json.dumps(cur))
        n = reps if count <= 10_000 else 3
        seconds = timed([DRIFT, "check", "--format", "json", str(ref_path), str(cur_path)], n)
        scaling.add(f"drift check, {count:,} components", seconds, ours=count == 10_000)
        if count == 10_000:
            load = "import json,sys; [json.load(open(p)) for p in sys.argv[1:]]"
            scaling.add(
                "python: json.load of both files (the budget's unit: drift ≤ 3×)",
                timed([sys.executable, "-c", load, str(ref_path), str(cur_path)], n),
            )
            scaling.add(
                "deepdiff over the raw JSON, 10,000 components",
                timed([*naive, str(ref_path), str(cur_path)], 1, cap=PEER_CAP),
            )
    return [real, scaling]


def _pair(
    title: str, with_it: tuple[str, list[str]], without: tuple[str, list[str]], reps: int
) -> Table:
    table = Table(title, "it stays only while the run without it is slower")
    table.add(with_it[0], timed(with_it[1], reps), ours=True)
    table.add(without[0], timed(without[1], reps))
    return table


def bench_optimisations(python: Path, reps: int) -> list[Table]:
    """Each optimisation that stays, measured with and without it in the same run."""
    snap = [DRIFT, "snapshot", "--python", str(python), "-o", str(WORK / "pair.cdx.json")]
    ref, cur = str(WORK / "ref-10000.cdx.json"), str(WORK / "cur-10000.cdx.json")
    check = ["check", "--format", "json", ref, cur]
    py = sys.executable
    gc_on = "import sys; from driftbom.cli import run; run()"
    slow_exit = (
        "import gc,sys; gc.disable(); from driftbom.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    compare = (
        "import gc,os,sys; gc.disable(); from driftbom.sbom import codecs; "
        "from driftbom.comparator import check; {read}; check(a, b); os._exit(0)"
    )
    paired = "a, b = codecs.read_pair(*map(__import__('pathlib').Path, sys.argv[1:]))"
    single = "a, b = (codecs.read(__import__('pathlib').Path(p)) for p in sys.argv[1:])"
    return [
        _pair(
            "Optimisation: the stat-keyed parse cache (snapshot of the ML environment)",
            ("with the cache", snap),
            ("without: --no-cache", [*snap, "--no-cache"]),
            reps,
        ),
        _pair(
            "Optimisation: the garbage collector off (check of 10,000 components)",
            ("drift (collector off)", [DRIFT, *check]),
            ("the same CLI with the collector on", [py, "-c", gc_on, *check]),
            reps,
        ),
        _pair(
            "Optimisation: exit without tearing the interpreter down (check of 10,000 components)",
            ("drift (os._exit once output is flushed)", [DRIFT, *check]),
            ("the same CLI ending with sys.exit", [py, "-c", slow_exit, *check]),
            reps,
        ),
        _pair(
            "Optimisation: unchanged components built once (read and compare 10,000 components)",
            (
                "read_pair (the second document reuses the first's)",
                [py, "-c", compare.format(read=paired), ref, cur],
            ),
            ("two independent reads", [py, "-c", compare.format(read=single), ref, cur]),
            reps,
        ),
    ]


def bench_rebuild(reps: int) -> Table:
    snap = WORK / "snap.cdx.json"
    out = WORK / "rebuild"
    table = Table(
        "drift rebuild of the ML environment's SBOM",
        "planning and rendering without resolution ≤ 0.3 s",
    )
    base = [DRIFT, "-q", "rebuild", str(snap), "-o", str(out), "--skip-unreproducible"]
    table.add(
        "drift rebuild --no-resolve (plan + render)",
        timed([*base, "--no-resolve"], reps),
        ours=True,
    )
    return table


_TRAIN = """\
import json, os
rows = [float(x) for x in open("data/points.csv").read().split()]
os.makedirs("out", exist_ok=True)
json.dump({"w": sum(rows) / len(rows)}, open("out/model.json", "w"))
json.dump({"accuracy": 0.9}, open("out/metrics.json", "w"))
"""


def _reproduce_project() -> tuple[Path, Path, Path]:
    """Return a recorded tiny training run: its code, its interpreter and its record."""
    root = WORK / "reproduce"
    shutil.rmtree(root, ignore_errors=True)
    (root / "code" / "data").mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "env")], check=True)
    code, python = root / "code", root / "env" / "bin" / "python"
    (code / "train.py").write_text(_TRAIN)
    (code / "data" / "points.csv").write_text("1\n2\n3\n")
    (code / ".gitignore").write_text("out/\n")
    git = ["git", "-C", str(code), "-c", "user.email=b@example.com", "-c", "user.name=b"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "train"]):
        subprocess.run([*git, *args], check=True)
    record = root / "run.cdx.json"
    subprocess.run(
        [DRIFT, "-q", "run", "--python", str(python), "-o", str(record), "--dataset",
         "points=data", "--model", "model=out/model.json", "--metrics", "out/metrics.json",
         "--", str(python), "train.py"],
        cwd=code, check=True,
    )  # fmt: skip
    return code, python, record


def bench_reproduce(reps: int) -> Table:
    """What drift adds to a reproduction whose venv was built before: verify, rerun, judge."""
    code, python, record = _reproduce_project()
    env = {"DRIFT_CACHE_DIR": str(WORK / "reproduce" / "cache")}
    table = Table(
        "drift reproduce of a recorded run, its venv already built",
        "drift's own time (verify, record, judge), apart from building and training, ≤ 2 s",
    )
    argv = [DRIFT, "-q", "reproduce", "--in", "venv", str(record), "--metrics", "out/metrics.json", "-o",
            str(WORK / "reproduce" / "again.cdx.json")]  # fmt: skip
    table.add("drift reproduce (IDENTICAL, venv reused)", timed(argv, reps, env, code), ours=True)
    table.add("the training command alone", timed([str(python), "train.py"], reps, cwd=code))
    return table


def bench_hashes(reps: int) -> Table:
    """Hashes of the ML environment's exact pins: the JSON API (cold, cached) vs pip-compile.

    torch (``+cpu``) is left out of both: its index is PyTorch's, which this benchmark's
    machine may not reach; every other pin is on PyPI.
    """
    document = json.loads((WORK / "snap.cdx.json").read_text())
    document["components"] = [c for c in document["components"] if c["bom-ref"] != "pypi:torch"]
    sbom = WORK / "snap-no-torch.cdx.json"
    sbom.write_text(json.dumps(document))
    argv = [DRIFT, "-q", "rebuild", str(sbom), "-o", str(WORK / "rebuild-hashes")]
    argv.append("--skip-unreproducible")
    pins = [
        f"{c['name']}=={c['version']}"
        for c in document["components"]
        if c["bom-ref"].startswith("pypi:") and c["name"] not in ("pip", "setuptools", "wheel")
    ]
    table = Table(
        f"Hashes of {len(pins)} exact pins of the ML environment (network, PyPI)",
        "≤ 1/10 of pip-compile --generate-hashes on the same pins; ≤ 1 s from the cache",
    )
    cold = []
    for rep in range(reps):
        cache = WORK / f"hash-cache-{rep}"
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed(argv, 1, env={"DRIFT_CACHE_DIR": str(cache)}, cap=PEER_CAP * 10))
    table.add(
        "drift rebuild, hashes from the JSON API (empty cache)", statistics.median(cold), ours=True
    )
    warm = {"DRIFT_CACHE_DIR": str(WORK / "hash-cache-0")}
    table.add("drift rebuild, hashes from the cache", timed(argv, reps, env=warm))
    requirements = WORK / "pins.in"
    requirements.write_text("".join(f"{pin}\n" for pin in pins))
    home = WORK / "pip-compile-home"  # no cache of pip's or pip-tools', as drift's is empty
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    compile_argv = [
        sys.executable, "-m", "piptools", "compile", "--quiet", "--generate-hashes",
        "--no-header", "--no-annotate", "--allow-unsafe", "--rebuild", "--no-reuse-hashes",
        "--output-file", str(WORK / "pins.txt"), str(requirements),
    ]  # fmt: skip
    (WORK / "pins.txt").unlink(missing_ok=True)  # an earlier output would lend its hashes
    cold = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "PIP_NO_CACHE_DIR": "1"}
    table.add(
        "pip-compile --generate-hashes (once; an empty HOME: no cache, as drift's)",
        timed(compile_argv, 1, env=cold, cap=PEER_CAP * 15),
        cap=PEER_CAP * 15,
    )
    return table


def _dataset_files() -> tuple[Path, Path]:
    """Create (once) a 1 GiB file and a 10,000-file folder of 10 KiB each (100 MB)."""
    root = WORK / "datasets"
    big, many = root / "big.bin", root / "files"
    if not big.exists() or big.stat().st_size != 1 << 30:
        root.mkdir(parents=True, exist_ok=True)
        with big.open("wb") as handle:
            for _ in range(1024):
                handle.write(os.urandom(1 << 20))
    if not many.exists() or len(list(many.rglob("*.bin"))) != 10_000:
        shutil.rmtree(many, ignore_errors=True)
        for i in range(10_000):
            folder = many / f"{i // 1000:02}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{i:05}.bin").write_bytes(os.urandom(10 * 1024))
    return big, many


DVC_VERSION = "3.67.1"


def ensure_dvc() -> Path:
    """Install DVC (the peer of dataset hashing) into its own venv once."""
    dvc = WORK / "dvcenv" / "bin" / "dvc"
    if dvc.exists():
        return dvc
    print("bench: installing dvc (once)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(WORK / "dvcenv")], check=True)
    pip = [str(WORK / "dvcenv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"dvc=={DVC_VERSION}"], check=True)
    return dvc


def _dvc_add(many: Path) -> list[str]:
    """A command that makes a fresh DVC repository, links the files into it and adds them."""
    dvc = ensure_dvc()
    repo = WORK / "dvc-repo"
    script = (
        f"rm -rf {repo} && mkdir -p {repo} && cd {repo} && git init -q && {dvc} init -q && "
        f"cp -al {many} data && {dvc} add -q data"
    )
    return ["sh", "-c", script]


def bench_datasets(python: Path, reps: int) -> list[Table]:
    """Dataset hashing: a warm 1 GiB file, a cold and an unchanged 10,000-file dataset."""
    big, many = _dataset_files()
    snap = [DRIFT, "-q", "snapshot", "--python", str(python), "-o", str(WORK / "ds.cdx.json")]
    warm = {"DRIFT_CACHE_DIR": str(WORK / "ds-cache")}
    subprocess.run([*snap, "--dataset", f"big={big}"], env={**os.environ, **warm}, check=True)
    one = Table(
        "A warm 1 GiB dataset file, whole snapshot included",
        "≤ 0.10× sha256sum of the file",
    )
    one.add("drift snapshot --dataset big=<1 GiB> (unchanged: from the cache)",
            timed([*snap, "--dataset", f"big={big}"], reps, env=warm), ours=True)  # fmt: skip
    one.add("sha256sum <1 GiB>", timed(["sha256sum", str(big)], 3))
    cold_code = (
        "import sys; from pathlib import Path; from driftbom.inputs.datasets import "
        "hash_dataset; hash_dataset('d', Path(sys.argv[1]))"
    )
    many_table = Table(
        "A 10,000-file dataset (10 KiB each), hashed from nothing",
        "≤ 0.25× dvc add of the same files",
    )
    many_table.add("drift: hash_dataset (BLAKE3, no cache)",
                   timed([sys.executable, "-c", cold_code, str(many)], reps), ours=True)  # fmt: skip
    many_table.add("dvc add (a fresh repository, the files hard-linked in)",
                   timed(_dvc_add(many), 3, cap=PEER_CAP * 5), cap=PEER_CAP * 5)  # fmt: skip
    unchanged = _unchanged(snap, many, "10,000", "adds ≤ 0.2 s to the snapshot", warm, reps)
    return [one, many_table, unchanged]


def paired(
    commands: dict[str, tuple[list[str], dict[str, str]]], reps: int
) -> dict[str, tuple[float, float]]:
    """Return each command's median wall and CPU seconds (user+sys of the child).

    After one warm-up run each, the commands run in turn, ``reps`` rounds: on a shared
    machine a busy moment then costs every command alike, and CPU time shows what the
    command itself spent whatever the others sharing the cores did.
    """
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(reps + 1):
        for name, (argv, env) in commands.items():
            run_env = {**os.environ, **env}
            run_env.pop("PYTHONDONTWRITEBYTECODE", None)  # as ``timed``: compiled once
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, env=run_env, capture_output=True, check=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if round_:  # the first round warms up
                walls[name].append(wall)
                cpus[name].append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
    return {n: (statistics.median(walls[n]), statistics.median(cpus[n])) for n in commands}


def _unchanged(
    snap: list[str],
    files: Path,
    count: str,
    budget: str,
    warm: dict[str, str],
    reps: int,
    floor: tuple[str, list[str]] | None = None,
) -> Table:
    """Return what an unchanged dataset of ``files`` adds to a snapshot, its cache warmed.

    The snapshot with and without the dataset (and ``floor``, a named command for scale)
    run paired; the budget line gives what the dataset adds in wall and in CPU time.
    """
    commands = {"with": ([*snap, "--dataset", f"d={files}"], warm), "without": (snap, warm)}
    if floor is not None:
        commands["floor"] = (floor[1], {})
    got = paired(commands, reps)
    (wall, cpu), (wall0, cpu0) = got["with"], got["without"]
    measured = f"measured over {reps} paired runs: adds {wall - wall0:.3f} s wall, "
    measured += f"{cpu - cpu0:.3f} s CPU (user+sys)"
    if floor is not None:
        measured += f"; the stat floor {got['floor'][0]:.3f} s wall, {got['floor'][1]:.3f} s CPU"
    table = Table(f"An unchanged {count}-file dataset in a snapshot", f"{budget}; {measured}")
    table.add(f"drift snapshot --dataset d=<{count} files> (unchanged)", wall, ours=True)
    table.add("drift snapshot (no dataset)", wall0)
    if floor is not None:
        table.add(floor[0], got["floor"][0])
    return table


def _small_files(count: int, size: int = 4096) -> Path:
    """Create (once) ``count`` files of ``size`` bytes, 1,000 to a folder."""
    root = WORK / "datasets" / f"{count}x{size}"
    stamp = root / ".complete"
    if stamp.exists():
        return root / "files"
    shutil.rmtree(root, ignore_errors=True)
    for i in range(count):
        folder = root / "files" / f"{i // 1000:03}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:06}.bin").write_bytes(os.urandom(size))
    stamp.write_text("done\n")
    return root / "files"


def _sparse(gib: int) -> Path:
    """A sparse file of ``gib`` GiB (no disk used; read as zeros at memory speed)."""
    path = WORK / "datasets" / f"sparse-{gib}g.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.stat().st_size != gib << 30:
        with path.open("wb") as handle:
            handle.truncate(gib << 30)
    return path


_PART = """
import os, statistics, sys, time
from pathlib import Path
from driftbom import hashes
from driftbom.inputs import datasets
{setup}
def once():
    {call}
def before():
    {before}
before(); once()  # warm-up: imports, the page cache
times = []
for _ in range({reps}):
    before()
    start = time.perf_counter()
    once()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def hash_part(call: str, reps: int, setup: str = "", *args: str, before: str = "pass") -> float:
    """Median seconds of ``call`` alone (no start-up, no imports, not ``before``), warmed up."""
    code = _PART.format(call=call, reps=reps, setup=setup, before=before)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


_EVICT = """
def evict(root):  # drop the files from the page cache (no root needed): a cold disk
    for folder, _, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
"""


def bench_hashing_small(reps: int) -> list[Table]:
    """10,000 files of 4 KiB hashed from nothing, against b3sum over the same files."""
    files = _small_files(10_000)
    table = Table(
        "Hashing 10,000 files of 4 KiB from nothing (the hashing part)",
        "≤ 2× find | xargs -0 b3sum over the same files",
    )
    call = "datasets.hash_dataset('d', Path(sys.argv[1]))"
    table.add("drift: hash_dataset (listing and hashing, in process)",
              hash_part(call, reps, "", str(files)), ours=True)  # fmt: skip
    b3sum = f"find {files} -type f -print0 | xargs -0 b3sum > /dev/null"
    table.add("find | xargs -0 b3sum (Debian's b3sum)", timed(["sh", "-c", b3sum], reps))
    threads = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "real = datasets._hash_open\n"
        "def _pool(files, missing, hashed, progress):\n"
        "    with ThreadPoolExecutor(6) as pool:\n"
        "        list(pool.map(lambda i: _one(files, i, hashed), missing))\n"
        "def _one(files, i, hashed):\n"
        "    fd = datasets._open(files, i)\n"
        "    try: real(files, i, fd, hashed)\n"
        "    finally: os.close(fd)\n"
        "datasets._hash_files = _pool"
    )
    table.add("the same, a thread pool of 6 with a task per file (as before)",
              hash_part(call, reps, threads, str(files)))  # fmt: skip
    cold = Table(
        "Optimisation: a window of small files asked of the disk at once (10,000 × 4 KiB, cold)",
        "it stays only while the run without it is slower",
    )
    evict = "evict(sys.argv[1])"
    cold.add("drift, evicted from the page cache first (WILLNEED on each window)",
             hash_part(call, 5, _EVICT, str(files), before=evict), ours=True)  # fmt: skip
    no_advice = _EVICT + "datasets._advise = lambda fd: None"
    cold.add("the same without the advice: one file after the other",
             hash_part(call, 5, no_advice, str(files), before=evict))  # fmt: skip
    return [table, cold]


def bench_hashing_large(reps: int) -> list[Table]:
    """A warm 1 GiB file: drift's hashing part against b3sum; memory whatever the size."""
    big, _ = _dataset_files()
    table = Table(
        "Hashing a warm 1 GiB file (the hashing part)",
        "≤ 1.5× b3sum of the file (which memory-maps it)",
    )
    call = "fd = os.open(sys.argv[1], os.O_RDONLY); hashes.blake3_file(fd, os.fstat(fd).st_size); os.close(fd)"
    ours = hash_part(call, reps, "", str(big))
    table.add("drift: hashes.blake3_file (pread into fixed buffers, read ahead)", ours, ours=True)
    table.add("b3sum <1 GiB> (memory-mapped, all cores)", timed(["b3sum", str(big)], reps))
    in_turn = (
        "def _in_turn(fd, size, hash_part):\n"
        "    buffer, done = bytearray(hashes.CHUNK), 0\n"
        "    while got := hashes._fill(fd, buffer, done):\n"
        "        hash_part(memoryview(buffer)[:got]); done += got\n"
        "hashes._read_ahead = _in_turn"
    )
    table.add("the same, each piece read then hashed in turn (no read-ahead threads)",
              hash_part(call, reps, in_turn, str(big)))  # fmt: skip
    mmap = "import blake3\nh = blake3.blake3"
    table.add("for scale: blake3 update_mmap in process (what drift did: SIGBUS on truncation)",
              hash_part("h(max_threads=h.AUTO).update_mmap(sys.argv[1])", reps, mmap, str(big)))  # fmt: skip
    table.add(
        "b3sum --no-mmap <1 GiB> (reads, one thread)", timed(["b3sum", "--no-mmap", str(big)], 3)
    )
    table.add("sha256sum <1 GiB>", timed(["sha256sum", str(big)], 3))
    return [table, bench_hashing_memory()]


def bench_hashing_memory() -> Table:
    """Peak memory of hashing sparse files of growing size: flat, where a map grew with it."""
    hashing = [sys.executable, "-c", (
        "import os, sys; from driftbom import hashes; fd = os.open(sys.argv[1], os.O_RDONLY); "
        "hashes.blake3_file(fd, os.fstat(fd).st_size)"
    )]  # fmt: skip
    mapped = [sys.executable, "-c", (
        "import sys, blake3; h = blake3.blake3(max_threads=blake3.blake3.AUTO); "
        "h.update_mmap(sys.argv[1])"
    )]  # fmt: skip
    sys.path.insert(0, str(HERE.parent / "src"))
    from driftbom import hashes  # noqa: PLC0415 - after src is on the path

    base = peak_mib([sys.executable, "-c", "from driftbom import hashes; import blake3"])
    peaks = {gib: peak_mib([*hashing, str(_sparse(gib))]) for gib in (1, 16)}
    mapped_peak = peak_mib([*mapped, str(_sparse(1))])  # it grows with the file: 1 GiB shows it
    bound = (hashes.READERS + 1) * hashes.CHUNK >> 20
    rows = ", ".join(f"{gib} GiB: {peak:.0f} MiB" for gib, peak in peaks.items())
    table = Table(
        "Hashing memory whatever the file's size (sparse files, peak resident memory)",
        f"bounded: at most (READERS + 1) × CHUNK of file data, {bound} MiB here, above the "
        f"interpreter's {base:.0f} MiB; measured {rows}; memory-mapped (before), 1 GiB: "
        f"{mapped_peak:.0f} MiB",
    )
    seconds = timed([*hashing, str(_sparse(16))], 1, cap=PEER_CAP * 5)
    table.add("drift: hashes.blake3_file, 16 GiB sparse (whole process)", seconds, ours=True)
    return table


def bench_hashing_many(python: Path, reps: int) -> list[Table]:
    """100,000 files of 4 KiB: peak memory from nothing; what an unchanged one adds."""
    files = _small_files(100_000)
    cache = WORK / "ds-cache-100k"
    shutil.rmtree(cache, ignore_errors=True)
    snap = [DRIFT, "-q", "snapshot", "--python", str(python), "-o", str(WORK / "ds100k.cdx.json")]
    cold = [*snap, "--no-cache", "--dataset", f"d={files}"]
    peak = peak_mib(cold)
    fresh = Table(
        "100,000 files of 4 KiB hashed from nothing, whole snapshot included",
        f"peak resident memory ≤ 150 MiB (measured: {peak:.0f} MiB; "
        f"{peak_mib([*snap, '--no-cache']):.0f} MiB without the dataset)",
    )
    fresh.add("drift snapshot --no-cache --dataset d=<100,000 files>", timed(cold, 3), ours=True)
    b3sum = f"find {files} -type f -print0 | xargs -0 b3sum > /dev/null"
    fresh.add("find | xargs -0 b3sum (Debian's b3sum)", timed(["sh", "-c", b3sum], 3))
    return [fresh, bench_unchanged_many(python, reps)]


def bench_unchanged_many(python: Path, reps: int) -> Table:
    """What an unchanged 100,000-file dataset adds to a snapshot, beside the stat floor."""
    files = _small_files(100_000)
    snap = [DRIFT, "-q", "snapshot", "--python", str(python), "-o", str(WORK / "ds100k.cdx.json")]
    warm = {"DRIFT_CACHE_DIR": str(WORK / "ds-cache-100k")}
    subprocess.run([*snap, "--dataset", f"d={files}"], env={**os.environ, **warm}, check=True)
    budget = "adds ≤ 0.3 s to the snapshot (the difference of the first two rows)"
    stat_all = ["find", str(files), "-type", "f", "-printf", "%i %s %T@ %C@\n"]
    floor = "for scale: find -printf of each file's inode, size, mtime and ctime (the stat floor)"
    return _unchanged(snap, files, "100,000", budget, warm, max(reps, 9), (floor, stat_all))


def hashing_tables(python: Path, reps: int) -> list[Table]:
    """Dataset hashing: against sha256sum and dvc, against b3sum, its memory, 100,000 files."""
    return [
        *bench_datasets(python, 5),
        *bench_hashing_small(reps),
        *bench_hashing_large(reps),
        *bench_hashing_many(python, 5),
    ]


def _audit_store() -> Path:
    """Create (once) a store of 100 names x 100 snapshots of the ML environment (5 GB)."""
    root = WORK / "audit-store"
    stamp = root / ".complete"
    if stamp.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    sys.path.insert(0, str(HERE.parent / "src"))
    import orjson  # noqa: PLC0415 - after src is on the path

    from driftbom.store import LocalStore  # noqa: PLC0415

    store = LocalStore(root)
    document = orjson.loads((WORK / "snap.cdx.json").read_bytes())
    target = next(c for c in document["components"] if c["bom-ref"] == "pypi:six")
    for name in range(100):
        document["metadata"]["component"]["name"] = f"box-{name:03}"
        for entry in range(100):
            bumped = entry == 99 and name % 10 == 0  # every tenth box: a major bump last
            target["version"] = "2.0.0" if bumped else f"1.{entry}.0"
            store.put(f"box-{name:03}", orjson.dumps(document))
    stamp.write_text("100 x 100\n")
    return root


_PEAK = """
import os, sys
quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=quiet)
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_mib(argv: list[str], env: dict[str, str] | None = None) -> float:
    """Return the peak resident memory of one run of ``argv``, in MiB.

    Measured by a small helper process that starts it: a child's peak counts its parent's
    memory at the moment it starts, so the benchmark's own (large) process must not be it.
    """
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *argv],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    code, kib = done.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return int(kib) / 1024


def _stored_size(root: Path) -> str:
    sizes = [p.stat().st_size for p in (root / "objects").glob("0*/*.cdx.json")]
    return f"{statistics.median(sizes) / 1000:.0f} KB"


def bench_audit(reps: int) -> Table:
    """drift audit of 10,000 stored snapshots (100 names x 100), from the local store."""
    root = _audit_store()
    audit = [DRIFT, "-q", "audit", "--store", str(root), "--format", "json"]
    table = Table(
        f"drift audit of 10,000 stored snapshots (100 names × 100, {_stored_size(root)} each)",
        f"≤ 30 s from the local store; memory bounded (peak {peak_mib(audit):.0f} MiB)",
    )
    table.add("drift audit (each latest against its baseline)", timed(audit, reps), ours=True)
    page = [*audit, "--html", str(WORK / "audit.html")]
    table.add("drift audit --html (each name's last 20 snapshots on a timeline)", timed(page, 1, cap=PEER_CAP * 5),
              cap=PEER_CAP * 5)  # fmt: skip
    return table


PAGE_NAMES, PAGE_HISTORY = 100, 20


def _page_document() -> Path:
    """Return the snapshot the page's store repeats: the ML environment's, else drift's own venv's."""
    ml = WORK / "snap.cdx.json"
    if ml.exists():
        return ml
    own = WORK / "page-snap.cdx.json"
    if not own.exists():
        subprocess.run(
            [DRIFT, "-q", "snapshot", "--python", sys.executable, "-o", str(own)], check=True
        )
    return own


def _page_store(document: Path) -> tuple[Path, callable]:
    """Create (once) a store of 100 names x 20 snapshots; return it and a function that adds
    one new snapshot to each name (a new version of six, every tenth name a major bump)."""
    sys.path.insert(0, str(HERE.parent / "src"))
    import orjson  # noqa: PLC0415 - after src is on the path

    from driftbom.store import LocalStore  # noqa: PLC0415

    root = WORK / "audit-page-store"
    store = LocalStore(root)
    data = orjson.loads(document.read_bytes())
    target = next(c for c in data["components"] if c["bom-ref"] == "pypi:six")
    added = {"count": len(store.history("box-000")) if (root / ".complete").exists() else 0}

    def one_more_each() -> None:
        step = added["count"]
        for name in range(PAGE_NAMES):
            data["metadata"]["component"]["name"] = f"box-{name:03}"
            target["version"] = f"{2 if name % 10 == 0 and step else 1}.{step}.0"
            store.put(f"box-{name:03}", orjson.dumps(data))
        added["count"] += 1

    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"bench: storing {PAGE_NAMES} names x {PAGE_HISTORY} snapshots", file=sys.stderr)
        for _ in range(PAGE_HISTORY):
            one_more_each()
        (root / ".complete").write_text(f"{PAGE_NAMES} x {PAGE_HISTORY}\n")
    return root, one_more_each


def _once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env={**os.environ, **env}, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(
            f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-400:]}"
        )
    return time.perf_counter() - start


def bench_audit_page(reps: int) -> Table:
    """A nightly audit page: the same store with one new snapshot per name, cache on and off."""
    document = _page_document()
    root, one_more_each = _page_store(document)
    cache = WORK / "page-cache"
    shutil.rmtree(cache, ignore_errors=True)
    on, off = {"DRIFT_CACHE_DIR": str(cache)}, {"DRIFT_NO_CACHE": "1"}
    page = [
        DRIFT,
        "-q",
        "audit",
        "--store",
        str(root),
        "--format",
        "json",
        "--html",
        str(WORK / "page.html"),
    ]
    first = _once(page, on)  # an empty cache: every point parsed and compared
    cached, uncached, plain = [], [], []
    for _ in range(reps):
        one_more_each()
        cached.append(_once(page, on))
        uncached.append(_once(page, off))
        plain.append(_once(page[:-2], on))
    size = document.stat().st_size / 1000
    table = Table(
        f"drift audit --html, nightly: {PAGE_NAMES} names × {PAGE_HISTORY} snapshots ({size:.0f} KB each), one new per name",
        "≤ 3 s for the repeat page; the cache of scores stays only while the run without it is slower",
    )
    table.add(
        "drift audit --html, the scores of earlier nights from the cache",
        statistics.median(cached),
        ours=True,
    )
    table.add(
        "the same without the cache (DRIFT_NO_CACHE=1): every point parsed and compared",
        statistics.median(uncached),
    )
    table.add("the first page (an empty cache)", first)
    table.add(
        "drift audit without --html (each latest against its baseline)", statistics.median(plain)
    )
    return table


FLEET_NAMES = 10_000


def _fleet_store(names: int) -> Path:
    """Create (once) a store of ``names`` names x 2 snapshots, each put with its summary.

    Every name's baseline and latest are the same two documents of the size the product
    writes (stored once: content-addressed), every tenth name's latest a major bump. Each
    put is ``Layout.put`` with the summary a real put writes: the two documents are compared
    once per kind of name by ``summaries.compared`` and the summary given each name's entry.
    """
    sys.path.insert(0, str(HERE.parent / "src"))
    import orjson  # noqa: PLC0415 - after src is on the path

    from driftbom.sbom import codecs  # noqa: PLC0415
    from driftbom.store import LocalStore  # noqa: PLC0415
    from driftbom.summaries import compared, encoded  # noqa: PLC0415

    root = WORK / f"fleet-store-{names}"
    if (root / ".complete").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    print(f"bench: storing {names} names x 2 snapshots with their summaries", file=sys.stderr)
    store = LocalStore(root)
    create = store.blobs.create
    store.blobs.create = lambda key, data: False if (root / key).exists() else create(key, data)
    data = orjson.loads(_page_document().read_bytes())
    target = next(c for c in data["components"] if c["bom-ref"] == "pypi:six")
    documents = []
    for version in ("1.16.0", "1.17.0", "2.0.0"):
        target["version"] = version
        documents.append(orjson.dumps(data))
    parsed = [codecs.decode_any(d, "bench") for d in documents]
    digest = [hashlib.sha256(d).hexdigest() for d in documents]
    done: dict[int, object] = {}

    def summarize(kind: int, name: str):
        def summarized(entry, baseline):
            if kind not in done:  # each kind of name compared once, as its puts would
                done[kind] = compared(parsed[0], parsed[kind], ("", digest[0], digest[kind]), None)
            ids = {"name": name, "entry": entry.id, "baseline": baseline, "snapshot": entry.digest}
            return encoded(done[kind]._replace(**ids))

        return summarized

    for index in range(names):
        name = f"machine-{index:05}"
        kind = 2 if index % 10 == 0 else 1
        store.put(name, documents[0], (), summarize(0, name))
        store.put(name, documents[kind], (), summarize(kind, name))
    (root / ".complete").write_text(f"{names} x 2\n")
    return root


def bench_fleet(names: int = FLEET_NAMES) -> list[Table]:
    """The nightly audit of a fleet: every name's summary read, locally and in S3."""
    root = _fleet_store(names)
    size = _page_document().stat().st_size / 1000
    audit = [DRIFT, "-q", "audit", "--store", str(root), "--format", "json"]
    page = [*audit, "--html", str(WORK / "fleet.html")]
    local = Table(
        f"drift audit of a fleet: {names} names × 2 snapshots ({size:.0f} KB each), local",
        f"≤ 10 s, --html ≤ 20 s at 10,000 names; peak {peak_mib(audit):.0f} MiB, "
        f"--html {peak_mib(page):.0f} MiB (≤ 200 MiB)",
    )
    local.add("drift audit (each name's stored summary)", timed(audit, 3), ours=True)
    local.add("drift audit --html (a row per name, details of the failing ones)", timed(page, 1))
    local.rows[-1] = (f"{local.rows[-1][0]}: {(WORK / 'fleet.html').stat().st_size / 1e6:.1f} MB",
                      *local.rows[-1][1:])  # fmt: skip
    policy = WORK / "fleet-policy.toml"
    policy.write_text('fail-on = "critical"\n')
    shutil.rmtree(root / "summary-refs", ignore_errors=True)  # the last run's recomputed ones
    changed = [*audit, "--policy", str(policy)]
    recomputed = _recomputed(changed)
    local.add(
        f"policy changed: every summary recomputed ({recomputed[1]} of {names})", recomputed[0]
    )
    again = _recomputed(changed)
    local.add(f"the next run under it ({again[1]} recomputed)", again[0])
    return [local, _fleet_s3(root)]


def _recomputed(argv: list[str]) -> tuple[float, int]:
    """Run ``argv`` (an audit) once: its time and the count of summaries it recomputed."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-400:]}")
    return time.perf_counter() - start, int(json.loads(done.stdout)["recomputed"])


def _fleet_s3(root: Path) -> Table:
    server, env = _moto_server()
    try:
        os.environ.update(env)
        import s3fs  # type: ignore[import-untyped]  # noqa: PLC0415

        fs = s3fs.S3FileSystem()
        fs.mkdir("fleet")
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        files = [f for f in files if not f.startswith((".", "summary-refs"))]
        print(f"bench: uploading {len(files)} files of the fleet store to moto", file=sys.stderr)
        fs.put([str(root / f) for f in files], [f"fleet/store/{f}" for f in files])
        audit = [DRIFT, "-q", "audit", "--store", "s3://fleet/store", "--format", "json"]
        table = Table(
            f"drift audit of the same fleet in S3 (moto's server, {len(files)} objects)",
            f"≤ 60 s at 10,000 names; peak {peak_mib(audit, env):.0f} MiB (≤ 200 MiB)",
        )
        table.add("drift audit --store s3://fleet/store", timed(audit, 1, env=env), ours=True)
        return table
    finally:
        for key in env:
            os.environ.pop(key, None)
        server.terminate()
        server.wait()


def _signing_key() -> Path:
    """Create (once) an ECDSA P-256 key for the signing benchmark."""
    key = WORK / "signing.pem"
    if not key.exists():
        subprocess.run(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", str(key)],
            check=True, capture_output=True,
        )  # fmt: skip
    return key


def bench_signing(python: Path, reps: int) -> Table:
    """A second signature of a record with a 1 GiB model and a 10,000-file dataset."""
    big, many = _dataset_files()
    model = WORK / "signing-model"
    if not (model / "big.bin").exists():
        model.mkdir(parents=True, exist_ok=True)
        os.link(big, model / "big.bin")
    key = _signing_key()
    warm = {"DRIFT_CACHE_DIR": str(WORK / "sign-cache")}
    heavy, light = WORK / "signed.cdx.json", WORK / "signed-light.cdx.json"
    snap = [DRIFT, "-q", "snapshot", "--python", str(python)]
    env = {**os.environ, **warm}
    subprocess.run([*snap, "-o", str(heavy), "--model", f"m={model}", "--dataset", f"d={many}"],
                   env=env, check=True)  # fmt: skip
    subprocess.run([*snap, "-o", str(light)], env=env, check=True)
    sign = [DRIFT, "-q", "sign", "--key", str(key)]
    time.sleep(2.1)  # past the cache's racy window: the first signature's digests are kept
    first = _once([*sign, str(heavy), "--model", "m"], warm)
    table = Table(
        "A second signature of a record with a 1 GiB model and a 10,000-file dataset",
        "adds ≤ 0.1 s to signing a record of neither (the difference of the first two rows)",
    )
    table.add("drift sign --model m (the model's SHA-256 from the cache)",
              timed([*sign, str(heavy), "--model", "m"], reps, env=warm), ours=True)  # fmt: skip
    table.add("drift sign of a record with no model and no dataset",
              timed([*sign, str(light)], reps, env=warm))  # fmt: skip
    table.add("the first signature (the model read once for its SHA-256)", first)
    table.add("sha256sum <1 GiB> (for scale)", timed(["sha256sum", str(big)], 3))
    return table


def _moto_server() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """Start moto's S3 server on a free local port; return it and the variables that reach it."""
    import socket  # noqa: PLC0415

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return server, env


def bench_audit_s3(reps: int) -> Table:
    """The same audit with the store in S3 (moto's server on 127.0.0.1, in its memory)."""
    root = _audit_store()
    server, env = _moto_server()
    try:
        os.environ.update(env)
        import s3fs  # type: ignore[import-untyped]  # noqa: PLC0415

        fs = s3fs.S3FileSystem()
        fs.mkdir("bench")
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        files = [f for f in files if not f.startswith(".")]
        print(f"bench: uploading {len(files)} files of the audit store to moto", file=sys.stderr)
        fs.put([str(root / f) for f in files], [f"bench/store/{f}" for f in files])
        args = ["-q", "audit", "--store", "s3://bench/store", "--format", "json"]
        audit = [DRIFT, *args]
        table = Table(
            f"drift audit of the same 10,000 snapshots in S3 (moto's server, {len(files)} objects)",
            f"≤ 30 s, as from the local store; reads in parallel; memory bounded (peak {peak_mib(audit, env):.0f} MiB)",
        )
        table.add("drift audit --store s3://bench/store", timed(audit, reps, env=env), ours=True)
        one_at_a_time = (
            "import driftbom.audit as a; a.AHEAD = 1; from driftbom.cli import run; run()"
        )
        table.add("the same, one name fetched at a time (AHEAD = 1)",
                  timed([sys.executable, "-c", one_at_a_time, *args], reps, env=env))  # fmt: skip
        local = [DRIFT, "-q", "audit", "--store", str(root), "--format", "json"]
        table.add("drift audit of the local store", timed(local, reps))
        page = [*audit, "--html", str(WORK / "audit-s3.html")]
        table.add("drift audit --store s3://bench/store --html", timed(page, 1, env=env, cap=PEER_CAP * 5),
                  cap=PEER_CAP * 5)  # fmt: skip
        return table
    finally:
        for key in env:
            os.environ.pop(key, None)
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--peer-reps", type=int, default=5)
    parser.add_argument(
        "--fleet-names", type=int, default=FLEET_NAMES, help="names in the fleet's store"
    )
    parser.add_argument("--write", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument(
        "--only",
        choices=["hashing", "unchanged", "audit-page", "signing", "fleet"],
        help="run one group of tables (printed, never written)",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ["DRIFT_CACHE_DIR"] = str(WORK / "cache")  # never the user's ~/.cache
    if args.only == "hashing":  # drift's own venv stands in for the ML environment
        print("\n".join(t.markdown() for t in hashing_tables(Path(sys.executable), args.reps)))
        return 0
    if args.only == "unchanged":  # the 100,000-file table alone, drift's own venv again
        print(bench_unchanged_many(Path(sys.executable), args.reps).markdown())
        return 0
    if args.only == "audit-page":
        print(bench_audit_page(args.reps).markdown())
        return 0
    if args.only == "fleet":
        print("\n".join(t.markdown() for t in bench_fleet(args.fleet_names)))
        return 0
    if args.only == "signing":  # drift's own venv stands in for the ML environment
        print(bench_signing(Path(sys.executable), args.reps).markdown())
        return 0
    python = ensure_env()
    count = len(
        json.loads(
            subprocess.run(
                [str(python), "-m", "pip", "list", "--format", "json"],
                capture_output=True,
                check=True,
            ).stdout
        )
    )
    tables = [
        bench_help(args.reps),
        bench_gpu(),
        bench_snapshot(python, args.reps, args.peer_reps),
        *bench_check(python, args.reps),
        bench_rebuild(args.reps),
        bench_reproduce(args.reps),
        bench_hashes(3),
        *hashing_tables(python, args.reps),
        bench_audit(3),
        bench_audit_s3(3),
        bench_audit_page(3),
        *bench_fleet(args.fleet_names),
        bench_signing(python, args.reps),
        *bench_optimisations(python, args.reps),
        bench_scrub(python),
    ]
    header = (
        "# Benchmarks\n\n"
        f"`make bench` on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; the ML environment has {count} distributions "
        "(benchmarks/requirements-ml.txt). Medians of repeated wall-clock runs, each after one "
        "warm-up run; ratios are relative to drift in the same table (higher is slower).\n"
    )
    text = header + "\n" + "\n".join(t.markdown() for t in tables)
    print(text)
    if args.write:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
