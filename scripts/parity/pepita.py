"""Parity of whole PEPITA runs with the authors' own training code.

Two families, chosen by the checkout given (or ``--family``):

* ``2024`` — ravifrancesco/PEPITA, the code of Srinivasan et al. 2024 (PyTorch Lightning 1.6): their
  ``scripts/train.py`` with its command-line defaults, which are the paper's Table 4 plain-PEPITA recipe (1 × 1024,
  He-normal weights, normal F of std 0.05·√(2/d_in) as a product of two factors, dropout 10 %, SGD momentum 0.9,
  batch 64 with ``drop_last``, lr ×0.1 at epochs 60 and 90, no mirroring), with ``-wd 0.0`` (plain: no weight
  decay) and the dataset's learning rate (Table 4: CIFAR-10 0.01, MNIST 0.1). Ours: the pipeline's
  ``srinivasan2024_<dataset>_h1_pepita_plain``.
* ``original`` — GiorgiaD/PEPITA, Dellaferrera & Kreiman 2022: the tutorial notebook (CIFAR-10 1 × 1024, He-uniform
  weights, uniform F U(±0.05·√(6/d_in)), dropout 10 %, momentum 0.9, lr 0.01, batch 64, 100 epochs, lr ×0.1 at
  60 and 90; its full-data run ends at 52.58 %). Ours: ``srinivasan2024_cifar10_h1_pepita_he_uniform`` (Fig. 3a's
  "PEPITA uniform", the same recipe).

Both sides train on the same examples (a seeded subset of our prepared dataset, written once and fed to their code
by a data-loading shim: scripts/parity/authors_pepita_2024.py, authors_pepita_original.py) for the paper's 100 epochs
and lr schedule, ``--seeds`` seeds each. Both record, every ``--record-every`` epochs: the loss −log p_y and accuracy
evaluated on the whole training subset and on the test examples, and the angle between F and W_totᵀ (Fig. 3c).

    python scripts/parity/pepita.py --authors ~/PEPITA-2024 --authors-python ~/venv-pepita/bin/python \\
        [--dataset cifar10|mnist] [--seeds 3] [--epochs 100] [--n-train 2560] [--n-test 1000]
    python scripts/parity/pepita.py --authors ~/PEPITA-original --authors-python ~/venv-pepita/bin/python

Their Python (tried: Python 3.11): torch, torchvision, numpy<2 (Lightning 1.6 uses ``np.Inf``), matplotlib (the
notebook imports it); for the 2024 code also pytorch_lightning==1.6.5, torchmetrics==0.9.2, loguru, yacs, scipy,
scikit-learn and setuptools<81 (Lightning 1.6 imports pkg_resources). Results:
results/parity/pepita_<family>_<dataset>_{curves,points,summary}.csv; their run's files under results/parity/work/.
``--reuse-authors`` takes the authors' curves of an earlier run with the same arguments instead of rerunning them;
``--recompare`` compares the stored curves of the last run again without training. The verdict is common.compare's
(Welch's test over the seeds, Bonferroni over the compared steps: common.py), with a floor of one test image (1/n_test) for the test accuracy.
``--control feedback_scale=2`` (or ``lr=2``), with ``--control-epochs N``, also trains our side with that factor
deliberately wrong and compares it with the authors' curves (…_control_points.csv, not part of the table): the
check that the comparison would catch such an error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import torch

from common import (RESULTS, ParityError, authors_checkout, compare, our_curves, paper_spec, prepared_dataset,
                    run_authors, summary_rows, write_results)

NOTEBOOK = "Tutorial_PEPITA_FullyConnectedNets_CIFAR-10.ipynb"
FAMILIES = {
    "2024": {"repository": "ravifrancesco/PEPITA", "paper": "Srinivasan et al. 2024",
             "required": ["scripts/train.py", "pepita/core/trainer.py", "pepita/models/FCnet.py"],
             "runner": "authors_pepita_2024.py", "variant": "plain", "datasets": ("cifar10", "mnist"),
             "recipe": "He-normal W, normal F (std 0.05·√(2/d)), no WD"},
    "original": {"repository": "GiorgiaD/PEPITA", "paper": "Dellaferrera & Kreiman 2022",
                 "required": [NOTEBOOK], "runner": "authors_pepita_original.py", "variant": "he_uniform",
                 "datasets": ("cifar10",), "recipe": "He-uniform W, uniform F U(±0.05·√(6/d)), no WD"},
}
# our metrics-table columns -> parity metric names (the runners write the same names)
METRICS = {"train_eval_loss": "train_loss", "train_eval_acc": "train_acc", "test_loss": "test_loss",
           "test_acc": "test_acc", "feedback_angle": "feedback_angle"}
COMPARED = ("train_loss", "test_acc", "feedback_angle")
PAPER_EPOCHS = 100


def detect_family(path: str) -> str:
    root = Path(path).expanduser()
    if (root / NOTEBOOK).exists():
        return "original"
    if (root / "pepita" / "core" / "trainer.py").exists():
        return "2024"
    raise ParityError(f"{root} is neither a checkout of GiorgiaD/PEPITA ({NOTEBOOK}) nor of ravifrancesco/PEPITA "
                      "(pepita/core/trainer.py); pass --family if it is laid out differently")


def milestones(epochs: int) -> list[int]:
    """The paper's decay epochs 60 and 90 of 100, scaled to ``epochs``."""
    return [round(60 * epochs / PAPER_EPOCHS), round(90 * epochs / PAPER_EPOCHS)]


def our_spec(family: str, dataset: str, args) -> tuple[str, dict]:
    name = f"srinivasan2024_{dataset}_h1_pepita_{FAMILIES[family]['variant']}"
    overrides = {"seeds": list(range(args.seeds)), "epochs": args.epochs, "record_every": args.record_every,
                 "checkpoint_every": args.epochs, "eval_batch_size": 2000,
                 "metrics": ["train_evaluation", "feedback_angle"],
                 "data": {"subset": args.n_train, "test_subset": args.n_test},
                 "optimizer": {"lr_milestones": milestones(args.epochs)}}
    return name, paper_spec(name, overrides)


def exchange_data(spec: dict, prepared: Path, out: Path) -> tuple[int, int]:
    """Write the examples our run trains and tests on (uint8, N × C × H × W, as our prepared file stores them) for
    the authors' runner, taken from the pipeline's own data path; returns the numbers of training and test
    examples."""
    from fa_repro.training_spec import parse_training_spec
    from fa_repro.training.data import build_data

    data, _, _ = build_data(parse_training_spec(spec), prepared, spec["seeds"], "cpu")
    shape = tuple(torch.load(prepared, weights_only=True)["train_images"].shape[1:])

    def as_uint8(x):
        u = (x * 255.0).round().to(torch.uint8).reshape(len(x), *shape)
        if not torch.equal(u.to(torch.float32) / 255.0, x.reshape(len(x), *shape)):
            raise ParityError("the images are not uint8/255: cannot hand the same examples to their code")
        return u

    torch.save({"train_images": as_uint8(data.x_train), "train_labels": data.labels_train.clone(),
                "test_images": as_uint8(data.x_test), "test_labels": data.labels_test.clone()}, out)
    return data.n_train, len(data.labels_test)


def their_arguments(family: str, dataset: str, spec: dict, args, work: Path, data_file: Path, checkout: Path) -> dict:
    arguments = {"checkout": str(checkout), "data": str(data_file), "work": str(work / "authors"),
                 "batch_size": spec["batch_size"], "seeds": [s + 1 for s in spec["seeds"]],  # their -s 0 is "random"
                 "epochs": args.epochs, "record_every": args.record_every, "threads": args.threads}
    if family == "2024":  # their command line: the defaults are Table 4's recipe; plain PEPITA has no weight decay
        opt = spec["optimizer"]
        arguments["cli"] = ["-d", dataset, "-ls", "1024", "-e", str(args.epochs), "-lr", str(opt["lr"]),
                            "-wd", "0.0", "-mom", str(opt["momentum"]), "-bs", str(spec["batch_size"]),
                            "-dr", str(spec["model"]["dropout"]), "-de", *map(str, opt["lr_milestones"]),
                            "-lrd", str(opt["lr_gamma"]), "-li", "he_normal", "-bi", "normal",
                            "-bstd", str(spec["rule"]["feedback_scale"]), "-w", "0"]
    elif args.epochs != PAPER_EPOCHS:
        raise ParityError(f"the GiorgiaD/PEPITA notebook trains {PAPER_EPOCHS} epochs (its loop is literal): "
                          "run the original family with --epochs 100 and a smaller --n-train")
    return arguments


def their_curves(runner: str, args, arguments: dict, work: Path) -> pd.DataFrame:
    """The authors' curves: their code run now, or with ``--reuse-authors`` the curves of an earlier run with the
    same arguments (their runs are the slow side)."""
    stored, curves = work / "authors_arguments.json", work / "authors_curves.csv"
    if args.reuse_authors and curves.exists() and stored.exists() and json.loads(stored.read_text()) == arguments:
        print(f"parity: reusing the authors' curves of {curves} (same arguments)", file=sys.stderr)
        return pd.read_csv(curves)
    stored.unlink(missing_ok=True)
    out = run_authors(Path(__file__).with_name(runner), args.authors_python, arguments, curves)
    stored.write_text(json.dumps(arguments, indent=1))
    return out


def configuration(family: str, dataset: str, spec: dict, args, n_train: int) -> str:
    opt = spec["optimizer"]
    return (f"{dataset.upper() if dataset == 'mnist' else 'CIFAR-10'} 1×1024, {FAMILIES[family]['recipe']}, "
            f"lr {opt['lr']:g}, momentum {opt['momentum']:g}, batch {spec['batch_size']}, dropout 10 %, "
            f"{args.epochs} epochs (lr ×{opt['lr_gamma']:g} after {'/'.join(map(str, opt['lr_milestones']))}), "
            f"{n_train} train / {args.n_test} test images, {args.seeds} seeds each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authors", required=True, help="a checkout of ravifrancesco/PEPITA or GiorgiaD/PEPITA")
    parser.add_argument("--authors-python", default=sys.executable, help="the Python with the authors' packages")
    parser.add_argument("--family", choices=list(FAMILIES), help="default: from the checkout's files")
    parser.add_argument("--dataset", default="cifar10", choices=["cifar10", "mnist"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=PAPER_EPOCHS,
                        help="the lr decays after 60 %% and 90 %% of them, as the paper's 60/90 of 100")
    parser.add_argument("--n-train", type=int, default=2560, help="training examples (a seeded subset)")
    parser.add_argument("--n-test", type=int, default=1000, help="test examples (a seeded subset)")
    parser.add_argument("--record-every", type=int, default=5, help="epochs between evaluations")
    parser.add_argument("--compare-epochs", type=int, nargs="+", default=[5, 25, 50, 75, 100])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reuse-authors", action="store_true",
                        help="reuse the authors' curves of an earlier run with the same arguments")
    parser.add_argument("--recompare", action="store_true",
                        help="compare the curves of the last run again (results/parity/<key>_curves.csv), no training")
    parser.add_argument("--control", help="KEY=FACTOR (lr or feedback_scale): also run our side with that "
                                          "deliberate error and compare it with the authors' curves")
    parser.add_argument("--control-epochs", type=int, help="train the control this many epochs (default: all)")
    args = parser.parse_args()
    if args.seeds < 3:
        raise ParityError("--seeds must be at least 3 (agreement is judged against the seed-to-seed spread)")
    family = args.family or detect_family(args.authors)
    fam = FAMILIES[family]
    if args.dataset not in fam["datasets"]:
        raise ParityError(f"the {family} family ({fam['repository']}) has no {args.dataset} run; "
                          f"choose --dataset from {fam['datasets']}")
    bad = [e for e in args.compare_epochs if e % args.record_every or not 0 < e <= args.epochs]
    if bad:
        raise ParityError(f"--compare-epochs {bad} are not recorded epochs (multiples of --record-every "
                          f"{args.record_every} up to --epochs {args.epochs})")
    checkout = authors_checkout(args.authors, fam["required"], fam["repository"])
    torch.set_num_threads(args.threads)

    key = f"pepita_{family}_{args.dataset}"
    work = RESULTS / "work" / key
    work.mkdir(parents=True, exist_ok=True)
    name, spec = our_spec(family, args.dataset, args)
    prepared = prepared_dataset(args.dataset)
    data_file = work / "examples.pt"
    n_train, n_test = exchange_data(spec, prepared, data_file)
    # an accuracy on n_test images moves in steps of 1/n_test: agreement is judged no finer than one image (the seed
    # spread of converged networks can be a single image, or none)
    floor = {"test_acc": 1.0 / n_test}
    if n_train % spec["batch_size"] and family == "original":
        print(f"parity: {n_train} is not a multiple of {spec['batch_size']}: the notebook keeps the last, smaller "
              "batch (and divides it by 64), our run drops it", file=sys.stderr)
    if args.recompare:  # the curves of the last run, compared again (no training)
        curves = pd.read_csv(RESULTS / f"{key}_curves.csv")
        authors = curves[curves.side == "authors"]
    else:
        arguments = their_arguments(family, args.dataset, spec, args, work, data_file, checkout)
        authors = their_curves(fam["runner"], args, arguments, work)
        ours = our_curves(spec, prepared, METRICS, name=f"parity {key}")
        curves = pd.concat([ours, authors[authors.metric.isin(METRICS.values())]], ignore_index=True)
    steps_per_epoch = n_train // spec["batch_size"] if spec["drop_last"] else -(-n_train // spec["batch_size"])
    steps = [e * steps_per_epoch for e in args.compare_epochs]
    points = compare(curves[curves.metric.isin(COMPARED)], steps, floor)
    points.insert(1, "epoch", [s // steps_per_epoch for s in points.step])
    write_results(key, curves, points, summary_rows(points.drop(columns="epoch"), fam["paper"],
                                                    f"PEPITA ({fam['repository']})",
                                                    configuration(family, args.dataset, spec, args, n_train)))
    if args.control:
        epochs = args.control_epochs or args.epochs
        control(args.control, epochs, spec, prepared, authors,
                [s for s, e in zip(steps, args.compare_epochs) if e <= epochs], floor, key)


def control(option: str, epochs: int, spec: dict, prepared: Path, authors: pd.DataFrame, steps: list[int],
            floor: dict, key: str) -> None:
    """Our side with one factor deliberately wrong, for its first ``epochs`` epochs, compared with the authors'
    curves by the same rule."""
    field, _, factor = option.partition("=")
    if field not in ("lr", "feedback_scale") or not factor:
        raise ParityError(f"--control {option!r}: use lr=FACTOR or feedback_scale=FACTOR")
    if not steps:
        raise ParityError(f"--control-epochs {epochs} reaches none of the compared epochs")
    wrong = {**spec, "epochs": epochs, "optimizer": dict(spec["optimizer"]), "rule": dict(spec["rule"])}
    section = wrong["optimizer"] if field == "lr" else wrong["rule"]
    section[field] = section[field] * float(factor)
    ours = our_curves(wrong, prepared, METRICS, name=f"parity {key} control {option}")
    curves = pd.concat([ours, authors[authors.metric.isin(METRICS.values())]], ignore_index=True)
    points = compare(curves[curves.metric.isin(COMPARED)], steps, floor)
    points.insert(0, "control", option)
    points.to_csv(RESULTS / f"{key}_control_points.csv", index=False)
    print(f"parity: control {option} (deliberately wrong on our side):")
    columns = ["metric", "step", "ours_mean", "authors_mean", "difference", "tolerance", "agree"]
    print(points[columns].to_string(index=False))


if __name__ == "__main__":
    main()
