"""The ``ctdnn-bench`` command line. Only this module (and the report writer it calls) writes files."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ctdnn_bench.computed import COMPUTED, CONDITIONING_GRID, write_computed
from ctdnn_bench.errors import ConfigError, CTDNNError, EnvironmentFailure

#: The profiles of :data:`ctdnn_bench.experiments.PROFILES` (named here so that ``--help`` needs no torch import).
PROFILE_NAMES = ("quick", "standard", "paper")
#: The profile recorded for runs of ``ctdnn-bench train`` (no experiment profile).
CUSTOM_PROFILE = "custom"
#: Every profile a stored run can have: what ``report --profile`` filters on.
RECORD_PROFILES = (*PROFILE_NAMES, CUSTOM_PROFILE)

DESCRIPTION = """\
Benchmark continuous-time neural networks with time-dependent weights theta(t) = sum_k p_k(t) theta_k:
ResNets (forward Euler), Hamiltonian networks (Verlet) and neural ODEs (torchdiffeq) with monomial, Legendre and
other time bases, on the ELM, CDR and DCR surrogate data sets and the spiral ODE task (Rosso, Ruthotto &
Sargsyan, arXiv 2507.22045). Results go to --results-dir (one JSON record per run), the report to report/.
"""

EPILOG = """\
examples:
  ctdnn-bench reproduce                         # all experiments, standard profile, then the report
  ctdnn-bench reproduce --profile paper --plan  # projected wall time of the paper settings; runs nothing
  ctdnn-bench run table2 --profile paper --seeds 20 0 1 --scheduler tcp://head:8786
  ctdnn-bench train --dataset elm --architecture resnet --basis legendre --degree 3 -T 5 --epochs 50
  ctdnn-bench train --dataset elm --basis legendre --degree 3 --optimizer gnvpro --work-units 4000
  ctdnn-bench conditioning --degrees 3 4 5 6
  ctdnn-bench data --data-dir ../shared/data    # verify (or download) the data files
"""


#: ``TrainConfig`` optimizers (kept here so that building the parser does not import torch; a test keeps them equal).
OPTIMIZERS = ("adam", "adam_meganet", "rmsprop", "gnvpro")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gives one line (exit status 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--results-dir", default="results", help="results store root (default: %(default)s)")
    p.add_argument(
        "--data-dir",
        default=None,
        help="directory with NNERDS.mat / CDR_Data.mat (default: $CTDNN_DATA_DIR, else download)",
    )


def _sweep_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument(
        "--profile",
        default="standard",
        choices=list(PROFILE_NAMES),
        help="quick: a ~3-minute smoke run; standard: >= 5 seeds, a report with evidence in ~15 minutes on 2 "
        "cores; paper: the paper's settings (default: %(default)s)",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="initialization seeds (default: profile's)")
    p.add_argument(
        "--protocol",
        default="revised",
        choices=["revised", "v1"],
        help="revised (DTO: ridge warm start + Tikhonov; neural ODE: StepLR, early stop, best checkpoint) or v1 "
        "(DTO: Meganet ADAM, stop at loss 0.01; spiral: 20 windows on a relative time axis)",
    )
    p.add_argument("--epochs", type=int, default=None, help="override the profile's DTO epochs")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="address of a running Dask scheduler (tcp://host:8786): run there instead of locally",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--group-size",
        type=int,
        default=128,
        help="most discretize-then-optimize runs trained together as one stacked model; 1 trains each run alone "
        "(same results, several times slower) (default: %(default)s)",
    )
    p.add_argument(
        "--plan",
        action="store_true",
        help="print runs, groups and the projected wall time per experiment (from a short calibration on this "
        "machine), and run nothing",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ctdnn-bench`` (one sub-command per job, each added by its ``_add_*`` function)."""
    parser = _Parser(
        prog="ctdnn-bench", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("list", help="list data sets, bases, models, integrators, optimizers, experiments and profiles")
    for add in (_add_conditioning, _add_train, _add_run, _add_reproduce, _add_report, _add_data, _add_regress):
        add(sub)
    return parser


def _add_conditioning(sub: Any) -> None:
    p = sub.add_parser("conditioning", help="condition numbers of the basis and Gram matrices per basis, degree, T")
    p.add_argument("--degrees", type=int, nargs="+", default=list(CONDITIONING_GRID.degrees))
    p.add_argument("--final-times", "-T", type=float, nargs="+", default=list(CONDITIONING_GRID.final_times))
    p.add_argument(
        "--n-points",
        type=int,
        default=CONDITIONING_GRID.n_points,
        help="grid points of the basis matrix (paper: n_t = 12)",
    )
    p.add_argument("--json", default=None, help="also write the table as JSON to this file")


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train one model (flags, or a TOML file with [model] and [train] tables)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _common(p)
    p.add_argument("--config", default=None, help="TOML file; flags given on the command line override it")
    g = p.add_argument_group("data and seeds")
    g.add_argument(
        "--dataset", help="elm, cdr, dcr, spiral (see `ctdnn-bench list`), or a .mat/.npz path (default elm)"
    )
    for name in ("seed-init", "seed-split", "seed-batch"):
        g.add_argument(f"--{name}", type=int)
    g.add_argument("--dtype", choices=["float32", "float64"])
    g.add_argument("--device", help="torch device, e.g. cpu or cuda")
    _train_model_args(p.add_argument_group("model (see ModelConfig)"))
    _train_training_args(p.add_argument_group("training (see TrainConfig)"))


def _train_model_args(g: Any) -> None:
    g.add_argument("--architecture", help="resnet, hamiltonian or node")
    g.add_argument("--basis", help="monomial, legendre, chebyshev, fourier, piecewise_constant, ...")
    g.add_argument("--degree", type=int, help="polynomial degree d (d + 1 basis functions)")
    g.add_argument("--domain", help="time domain of the basis: raw ([0, T]), unit ([0, 1]), symmetric ([-1, 1])")
    g.add_argument("--final-time", "-T", dest="final_time", type=float, help="final time T")
    g.add_argument("--n-steps", type=int, help="ResNet/Hamiltonian steps (paper: 12)")
    g.add_argument("--width", type=int, help="state width (paper: 15)")
    g.add_argument("--hidden", type=int, nargs="*", help="neural ODE: hidden widths of the vector field MLP")
    g.add_argument("--method", help="neural ODE integrator: dopri5, bosh3, rk4, euler")
    g.add_argument("--rtol", type=float)
    g.add_argument("--atol", type=float)
    g.add_argument(
        "--no-adjoint",
        dest="adjoint",
        action="store_const",
        const=False,
        help="backpropagate through the solver instead of the adjoint",
    )
    g.add_argument("--adjoint-norm", help="error norm of the adjoint solve: default or seminorm")


def _train_training_args(g: Any) -> None:
    g.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        help="adam (torch, minibatches), adam_meganet (the authors' MATLAB ADAM), rmsprop (spiral task) or gnvpro "
        "(variable projection + trust-region Gauss-Newton, "
        "full batch, resnet/hamiltonian; alpha1/alpha2 default to the paper's 1e-5/1e-3)",
    )
    for name, kind in (("lr", float), ("batch-size", int), ("epochs", int), ("iterations", int)):
        g.add_argument(f"--{name}", type=kind)
    g.add_argument("--loss", help="half_mse or l1")
    g.add_argument("--alpha1", type=float)
    g.add_argument("--alpha2", type=float)
    g.add_argument(
        "--warm-start",
        dest="decoder_warm_start",
        action="store_const",
        const=True,
        help="ridge warm start of the decoder",
    )
    g.add_argument("--loss-tol", type=float)
    g.add_argument("--grad-clip", type=float)
    g.add_argument("--eval-every", type=int)
    g.add_argument("--lr-step", type=int, help="StepLR: decay the learning rate every this many steps (0: never)")
    g.add_argument("--lr-decay", type=float, help="StepLR factor")
    g.add_argument("--patience", type=int, help="stop after this many evaluations without a better validation error")
    g.add_argument(
        "--restore-best",
        dest="restore_best",
        action="store_const",
        const=True,
        help="report the checkpoint with the best validation error",
    )
    g.add_argument(
        "--work-units",
        type=positive_int,
        metavar="N",
        help="gnvpro: budget in work units (objective+gradient 2, Gauss-Newton product 2, trial 1; default 4000)",
    )


def _add_run(sub: Any) -> None:
    p = sub.add_parser(
        "run", help="run one experiment (table2, table3, node, table4; conditioning, workprecision, harness)"
    )
    p.add_argument("experiment", help="table2, table3, node, table4, conditioning, workprecision or harness")
    _sweep_args(p)


def _add_reproduce(sub: Any) -> None:
    p = sub.add_parser("reproduce", help="run every experiment, then write the report (the main job)")
    _sweep_args(p)
    p.add_argument("--report-dir", default="report", help="where the HTML report goes (default: %(default)s)")
    p.add_argument("--no-report", action="store_true", help="skip writing the report")


def _add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="write report/index.html from the results store and benchmark results")
    p.add_argument("--results-dir", default="results")
    p.add_argument("--report-dir", default="report")
    p.add_argument(
        "--profile",
        default=None,
        choices=list(RECORD_PROFILES),
        help=f"only runs of this profile ({CUSTOM_PROFILE}: runs of `ctdnn-bench train`) (default: all)",
    )


def _add_data(sub: Any) -> None:
    p = sub.add_parser("data", help="verify the data files (downloading missing ones) and prepare the DCR stand-in")
    p.add_argument("--data-dir", default=None, help="directory with the data files (default: $CTDNN_DATA_DIR)")
    p.add_argument(
        "--no-download",
        action="store_true",
        help="only check the data directory (else the download cache); never download",
    )
    p.add_argument("--dcr", action="store_true", help="also generate (or check the cache of) the DCR stand-in")


def _add_regress(sub: Any) -> None:
    from ctdnn_bench.harness.baseline import DEFAULT_BASELINE  # no torch import: cheap

    p = sub.add_parser(
        "regress",
        help="CI check: deterministic metrics (NFE, condition numbers, parameter counts, short trainings) vs baseline",
    )
    p.add_argument("--baseline", default=str(DEFAULT_BASELINE), help="baseline file (default: %(default)s)")
    p.add_argument("--update", action="store_true", help="regenerate the baseline (accept a deliberate change)")
    p.add_argument("--data-dir", default=None, help="directory with NNERDS.mat (default: $CTDNN_DATA_DIR)")
    p.add_argument("--no-training", action="store_true", help="skip the short training runs (they need the ELM data)")
    p.add_argument("--ratios", action="store_true", help="also measure and print timing ratios (information only)")


# ----------------------------------------------------------------------------------------------- commands


def cmd_list(args: argparse.Namespace) -> int:
    from ctdnn_bench import BASES, INTEGRATORS, MODELS
    from ctdnn_bench.data import DATASETS
    from ctdnn_bench.experiments import EXPERIMENTS, PROFILES
    from ctdnn_bench.training.config import OPTIMIZERS

    rows = {
        "data sets": [*(f"{name} ({spec.task})" for name, spec in DATASETS.items()), "<path to .mat/.npz>"],
        "bases": list(BASES),
        "models": list(MODELS),
        "integrators": list(INTEGRATORS),
        "optimizers": list(OPTIMIZERS),
        "experiments": [*EXPERIMENTS, *COMPUTED],
        "profiles": list(PROFILES),
    }
    for name, values in rows.items():
        print(f"{name:12s} {', '.join(values)}")
    return 0


def cmd_conditioning(args: argparse.Namespace) -> int:
    from ctdnn_bench.conditioning import check_conditioning_args, conditioning_table

    check_conditioning_args(tuple(args.degrees), tuple(args.final_times), args.n_points)
    if args.json:
        _check_output_file(Path(args.json), "--json")
    rows = conditioning_table(degrees=tuple(args.degrees), final_times=tuple(args.final_times), n_points=args.n_points)
    print(f"{'basis':10s} {'domain':9s} {'d':>2s} {'T':>5s} {'cond(A)':>10s} {'cond(Gram)':>11s} {'max|A|':>9s}")
    for r in rows:
        print(
            f"{r.basis:10s} {r.domain:9s} {r.degree:2d} {r.T:5g} {r.cond_matrix:10.3g} {r.cond_gram:11.3g} "
            f"{r.max_abs_entry:9.3g}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=1))
        print(f"wrote {args.json}")
    return 0


def _check_output_file(path: Path, flag: str) -> None:
    """Before any work: ``path`` names a file (bad input otherwise) in a writable directory (else exit 1)."""
    from ctdnn_bench.store import check_writable_dir

    if path.is_dir():
        raise ConfigError(f"{flag} {str(path)!r} is a directory; give the name of a file to write")
    check_writable_dir(path.parent, f"the directory of {flag} {str(path)!r},", flag)


def train_config_from_args(args: argparse.Namespace) -> Any:
    """A RunConfig from an optional TOML file overridden by the flags that were given."""
    from ctdnn_bench.models import ModelConfig
    from ctdnn_bench.training.config import GNVPRO_ALPHAS, RunConfig, TrainConfig

    base: dict[str, Any] = {"model": {}, "train": {}}
    if args.config:
        try:
            base.update(tomllib.loads(Path(args.config).read_text()))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {args.config}: {exc}") from exc
        for table in ("model", "train"):
            if not isinstance(base[table], dict):
                raise ConfigError(f"{args.config}: {table} must be a table ([{table}]), got {base[table]!r}")
    # flag destinations are the dataclass field names, so each flag goes to the config it belongs to
    model_keys = {f.name for f in dataclasses.fields(ModelConfig)}
    train_keys = {f.name for f in dataclasses.fields(TrainConfig)}
    top_keys = {f.name for f in dataclasses.fields(RunConfig)} - {"model", "train", "label"}
    for key, value in vars(args).items():
        if value is None:
            continue
        if key in model_keys:
            base["model"][key] = value
        elif key in train_keys:
            base["train"][key] = value
        elif key in top_keys:
            base[key] = value
    if base.get("train", {}).get("optimizer") == "gnvpro":
        for name, value in GNVPRO_ALPHAS.items():  # the paper's GNvpro regularization unless given
            base["train"].setdefault(name, value)
    d = base.get("model", {})
    if d.get("basis") == "static":
        d.setdefault("degree", 0)
    return RunConfig.from_dict(base)


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from ctdnn_bench.data import dataset_task
    from ctdnn_bench.data.identity import data_identity
    from ctdnn_bench.store import ResultsStore
    from ctdnn_bench.training.run import execute, load_data

    cfg = train_config_from_args(args)
    cfg.check_device()  # bad device, data or results directory fail before any work
    identity = data_identity(cfg.dataset, args.data_dir)
    store = ResultsStore(args.results_dir)
    store.check_writable()
    key = cfg.key()
    status, reason = store.reuse_status(key, identity)
    if status == "refused":
        raise ConfigError(f"{reason}; or pass another --results-dir")
    if status != "reusable":
        if status == "stale":
            print(f"note: {reason}; recomputing it", file=sys.stderr)
        load_data(cfg.dataset, args.data_dir, cfg.seed_split)
        by_iteration = dataset_task(cfg.dataset) == "trajectory" or cfg.train.iterations > 0
        total, unit = (cfg.train.iterations, "it") if by_iteration else (cfg.train.epochs, "epoch")
        if cfg.train.optimizer == "gnvpro":
            total, unit = cfg.train.budget, "WU"  # progress in work units
        with tqdm(total=total, desc=f"train {cfg.label}", unit=unit) as bar:

            def progress(done: int, _total: int) -> None:
                bar.update(done - bar.n)

            # execute's one thread, as in `run`: the same key gives the same bits from both commands
            summary = execute(cfg, args.results_dir, args.data_dir, ("train",), CUSTOM_PROFILE, progress=progress)
        if summary["status"] == "error":
            print(summary["traceback"], file=sys.stderr)
            return 1
        if summary["status"] == "claimed":
            print(f"run {key} is being computed by another process (claim {store.claim_path(key)})", file=sys.stderr)
            return 1
    record = store.read(key)
    _print_record(record, store.path(key))
    return 0


def _print_record(record: dict[str, Any], path: Path) -> None:
    f = record["final"]
    print(
        f"run {record['key']} ({record['label']}): {record['status']}"
        + (f" at step {record['diverged_at']}: {record['reason']}" if record["status"] != "ok" else "")
    )
    for split in ("train", "val", "test"):
        if f"{split}_rel_err" in f:
            print(f"  {split:5s} rel. error {f[f'{split}_rel_err']:.4g}")
    print(
        f"  parameters: theta {f.get('theta')}, total {f.get('total')}; training NFE forward "
        f"{f.get('nfe_forward_train')}, backward {f.get('nfe_backward_train')}; train time {f.get('train_time'):.1f} s"
    )
    if "work_units" in f:  # gnvpro
        print(f"  gnvpro: {f['iterations']} iterations, {f['work_units']} work units ({f['optimizer_stop']})")
    print(f"  stalled: {record['stalled']}; record: {path}")


def _summary_table(results_dir: str, keys: set[str]) -> str:
    from ctdnn_bench.store import ResultsStore

    notes: list[str] = []
    df = ResultsStore(results_dir).table(notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if df.empty:
        return "(no records)"
    df = df[df["key"].isin(keys)]
    if df.empty:
        return "(no records)"
    df = df.assign(arch=df["architecture"], err=df["test_rel_err"] if "test_rel_err" in df else float("nan"))
    index = ["dataset", "arch", "T", *(["optimizer"] if df["optimizer"].nunique() > 1 else [])]
    table = df.pivot_table(index=index, columns="label", values="err", aggfunc="mean")
    return str(table.round(4).to_string())


def _sweep_configs(names: list[str], args: argparse.Namespace) -> dict[str, list[Any]]:
    """Every experiment's configs, with the sweep's arguments checked: all bad input fails here, before any work."""
    from ctdnn_bench.data.fetch import resolve_data_dir
    from ctdnn_bench.experiments import experiment_configs
    from ctdnn_bench.runner import check_sweep_args

    if args.group_size < 1:
        raise ConfigError(f"--group-size must be >= 1, got {args.group_size}")
    configs = {
        n: experiment_configs(n, args.profile, tuple(args.seeds) if args.seeds else None, args.protocol, args.epochs)
        for n in names
    }
    check_sweep_args([c for cfgs in configs.values() for c in cfgs], args.workers, args.scheduler)
    resolve_data_dir(args.data_dir)  # a mistyped --data-dir fails now, not after the conditioning table
    return configs


def _run_experiments(configs: dict[str, list[Any]], args: argparse.Namespace) -> int:
    from ctdnn_bench.runner import run_sweep

    start = time.perf_counter()
    errors, keys = [], set()
    for name, cfgs in configs.items():
        summaries = run_sweep(
            cfgs,
            args.results_dir,
            data_dir=args.data_dir,
            workers=args.workers,
            scheduler=args.scheduler,
            experiments=(name,),
            profile=args.profile,
            progress=not args.no_progress,
            group_size=args.group_size,
        )
        keys |= {c.key() for c in cfgs}
        n = Counter(s["status"] for s in summaries)
        errors += [s for s in summaries if s["status"] == "error"]
        elsewhere = f", {n['claimed']} being computed by another sweep" if n["claimed"] else ""
        print(
            f"{name}: {len(summaries)} runs ({n['ok'] + n['diverged']} new, {n['skipped']} already done, "
            f"{n['diverged']} new diverged, {n['error']} failed{elsewhere})"
        )
    print(_summary_table(args.results_dir, keys))
    print(f"wall time {time.perf_counter() - start:.0f} s; records in {Path(args.results_dir) / 'runs'}")
    for e in errors:
        print(f"FAILED {e['label']} ({e['key']}): {e['reason']}", file=sys.stderr)
    return 1 if errors else 0


def _run_computed(name: str, results_dir: str) -> int:
    from ctdnn_bench.store import check_writable_dir

    check_writable_dir(Path(results_dir), "results directory", "--results-dir")  # before any work
    start = time.perf_counter()
    path = write_computed(name, results_dir)
    print(f"{name}: wrote {path} ({time.perf_counter() - start:.0f} s)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    if args.experiment in COMPUTED:
        if args.plan:
            print(f"{args.experiment}: no training; it takes seconds")
            return 0
        return _run_computed(args.experiment, args.results_dir)
    configs = _sweep_configs([args.experiment], args)
    return _print_plan(configs, args) if args.plan else _run_experiments(configs, args)


def _print_plan(configs: dict[str, list[Any]], args: argparse.Namespace) -> int:
    """``--plan``: runs, groups and projected wall time per experiment; nothing is run or written."""
    from ctdnn_bench.plan import format_plan, plan_sweep

    workers = args.workers or os.cpu_count() or 1
    rows = plan_sweep(configs, args.results_dir, data_dir=args.data_dir, workers=workers, group_size=args.group_size)
    print(f"plan for profile {args.profile!r} ({args.results_dir}):")
    print(format_plan(rows, workers))
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Every stored result (conditioning, work precision, harness), every experiment, then the report."""
    from ctdnn_bench.experiments import REPRODUCED
    from ctdnn_bench.store import ResultsStore, check_writable_dir

    configs = _sweep_configs(list(REPRODUCED), args)
    if args.plan:
        return _print_plan(configs, args)
    ResultsStore(args.results_dir).check_writable()
    if not args.no_report:  # an unwritable report directory fails now, not after hours of training
        check_writable_dir(Path(args.report_dir), "report directory", "--report-dir")
    code = max(_run_computed(name, args.results_dir) for name in COMPUTED)
    code = max(code, _run_experiments(configs, args))
    if not args.no_report:
        code = max(code, _write_report(args.results_dir, args.report_dir, args.profile))
    return code


def _write_report(results_dir: str, report_dir: str, profile: str | None) -> int:
    try:
        from ctdnn_bench.report import write_report
    except ImportError as exc:
        print(f"the report needs the 'report' extra (matplotlib, seaborn, jinja2): {exc}", file=sys.stderr)
        return 1
    from ctdnn_bench.store import check_writable_dir

    check_writable_dir(Path(report_dir), "report directory", "--report-dir")
    print(f"wrote {write_report(results_dir=results_dir, report_dir=report_dir, profile=profile)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    return _write_report(args.results_dir, args.report_dir, args.profile)


def cmd_data(args: argparse.Namespace) -> int:
    from ctdnn_bench.data import KNOWN_FILES, data_path, verify_all
    from ctdnn_bench.data.fetch import resolve_data_dir, sha256

    resolve_data_dir(args.data_dir)  # a mistyped --data-dir is bad input (exit 2), not a missing file
    ok = True
    if args.no_download:  # the data directory (else the download cache), checked, never downloaded into
        for name, path, good in verify_all(args.data_dir):
            ok &= good
            status = "ok      " if good else ("CORRUPT " if path.is_file() else "MISSING ")
            print(f"{status} {name}  {path}")
    else:
        for name in KNOWN_FILES:
            try:
                path = data_path(name, args.data_dir)
                print(f"ok       {name}  {path}  sha256 {sha256(path)[:16]}...")
            except CTDNNError as exc:
                ok = False
                print(f"MISSING  {exc}")
    if args.dcr:
        from ctdnn_bench.data import load_dcr

        ds = load_dcr(args.data_dir)
        print(f"ok       dcr  {'stand-in: ' if ds.standin else ''}{ds.provenance}")
    return 0 if ok else 1


def _print_throughput(data_dir: str | None) -> None:
    """Stacked vs single-run training throughput on ELM, one thread, both dtypes (information, not a gate)."""
    from ctdnn_bench.data import load_dataset
    from ctdnn_bench.harness.ratios import throughput_ratio
    from ctdnn_bench.harness.timing import single_thread
    from ctdnn_bench.harness.trainings import ENSEMBLE_SIZES

    data, size = load_dataset("elm", data_dir=data_dir), max(ENSEMBLE_SIZES)
    with single_thread():
        for dtype in ("float64", "float32"):
            single, stacked, ratio = throughput_ratio(data, size, dtype)
            print(
                f"ratio stacked_vs_single_{dtype}: {ratio:.2f} ({stacked:.1f} vs {single:.1f} ELM model-epochs/s at "
                f"M = {size} vs 1, one thread, median of 3 interleaved rounds; not a gate)"
            )


def cmd_regress(args: argparse.Namespace) -> int:
    from ctdnn_bench.harness.baseline import regress
    from ctdnn_bench.harness.ratios import timing_ratios

    result = regress(args.baseline, args.data_dir, training=not args.no_training, update=args.update)
    if args.ratios:
        for name, ratio in timing_ratios().items():
            print(f"ratio {name}: {ratio:.3f} (forward+backward time, median of interleaved rounds; not a gate)")
        if not args.no_training:
            _print_throughput(args.data_dir)
    if result.written is not None:
        print(f"wrote {len(result.metrics)} metrics to {result.written}")
        return 0
    for m in result.moved:
        print(f"MOVED {m}", file=sys.stderr)
    if result.moved:
        print(
            f"{len(result.moved)} of {len(result.metrics)} metrics moved from {args.baseline}; if the change is "
            f"deliberate, accept it with `ctdnn-bench regress --update --baseline {args.baseline}` and commit the file",
            file=sys.stderr,
        )
        return 1
    print(f"ok: {len(result.metrics)} metrics match {args.baseline}")
    return 0


COMMANDS = {
    "list": cmd_list,
    "conditioning": cmd_conditioning,
    "train": cmd_train,
    "run": cmd_run,
    "reproduce": cmd_reproduce,
    "report": cmd_report,
    "data": cmd_data,
    "regress": cmd_regress,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ctdnn-bench``; returns the exit code: 2 for bad input, 1 for failed runs and for failures of
    the machine (unwritable directory, full disk, unreachable cluster), 130 when interrupted. Errors are one line."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except EnvironmentFailure as exc:
        return _fail(args.command, exc, 1)
    except CTDNNError as exc:
        return _fail(args.command, exc, 2)
    except MemoryError:
        return _fail(args.command, "out of memory; lower the sizes (degree, width, batch size) or the workers", 1)
    except OSError as exc:  # a full disk, a directory that vanished: the machine, not the input
        return _fail(args.command, f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are saved; run the same command again to resume", file=sys.stderr)
        return 130


def _fail(command: str, what: object, code: int) -> int:
    message = " ".join(str(what).split())  # one line, whatever the exception's text
    print(f"ctdnn-bench {command}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
