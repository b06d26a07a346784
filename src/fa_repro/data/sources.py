"""Where the image datasets come from, and the prepared tensor file every training job reads.

Three kinds of source (``config.yaml: data.sources.<dataset>.kind``):

* ``download`` (default): torchvision downloads the official archives into ``<data_root>/torchvision`` and
  verifies them against its MD5 checksums (a Snakemake ``localrule``, so on a cluster it runs where the
  internet is);
* ``torchvision``: an existing copy in torchvision's on-disk layout under ``root`` (read with
  ``download=False``; CIFAR archives are still checksum-verified by torchvision);
* ``imagefolder``: ``root/{train,test}/<class>/<image>`` as in ``../shared/datasets/cifar10-jpeg``
  (``test_dir`` names the test folder, e.g. ``val`` for ImageNet).

Whatever the source, :func:`prepare` writes one file with uint8 images ``(n, C, H, W)`` and int64 labels for
both splits; :func:`load_prepared` reads it back. ImageNet (images of every size, 1.3 M of them) is indexed
instead: the prepared file lists each split's image paths and labels, and training decodes and augments the
images as it goes (:mod:`fa_repro.training.streaming`). ImageNet cannot be downloaded by the pipeline: its
source is a user-supplied ImageFolder copy (:func:`user_supplied_missing`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from fa_repro.atomic import write_atomically
from fa_repro.config import IMAGENET_HOW_TO

FORMAT_VERSION = 1


class DatasetError(RuntimeError):
    """A dataset is missing, corrupt or misconfigured; the message names it, where it was looked for and the fix."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    torchvision_class: str
    n_classes: int
    channels: int
    size: int
    classes: tuple[str, ...] | None  # folder names of an ImageFolder copy, in label order (None: sorted names)
    n_train: int
    n_test: int


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec("mnist", "MNIST", 10, 1, 28, tuple(str(i) for i in range(10)), 60_000, 10_000),
    "kmnist": DatasetSpec(
        "kmnist", "KMNIST", 10, 1, 28, ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"), 60_000, 10_000
    ),
    "cifar10": DatasetSpec(
        "cifar10",
        "CIFAR10",
        10,
        3,
        32,
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        50_000,
        10_000,
    ),
    "cifar100": DatasetSpec("cifar100", "CIFAR100", 100, 3, 32, None, 50_000, 10_000),
    # ILSVRC-2012 (Boopathy & Fiete Fig. 5): images of every size, indexed rather than decoded (size 0)
    "imagenet": DatasetSpec("imagenet", "ImageNet", 1000, 3, 0, None, 1_281_167, 50_000),
}

HOW_TO_SUPPLY = (
    "Either let the pipeline download it (data.sources.{name}.kind: download, needs internet), or point "
    "data.sources.{name} at a local copy: {{kind: torchvision, root: DIR}} for torchvision's on-disk layout, "
    "or {{kind: imagefolder, root: DIR}} for DIR/train/<class>/*.png|jpg and DIR/test/<class>/*."
)


def spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}")
    return DATASETS[name]


def _fail(name: str, where: Path | str, problem: str) -> DatasetError:
    return DatasetError(f"dataset {name!r}: {problem} (looked in {where}). " + HOW_TO_SUPPLY.format(name=name))


def _torchvision_dataset(name: str, root: Path, train: bool, download: bool):
    import torchvision.datasets as tvd

    cls = getattr(tvd, spec(name).torchvision_class)
    return cls(root=str(root), train=train, download=download)


def download(name: str, root: str | Path) -> list[str]:
    """Download ``name`` through torchvision into ``root`` (both splits), verifying torchvision's checksums.

    Returns the files now under ``root`` that belong to the dataset, for the download record.
    """
    if spec(name).size == 0:
        raise DatasetError(f"dataset {name!r}: " + IMAGENET_HOW_TO.format(default="resources/data/imagenet"))
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        for train in (True, False):
            _torchvision_dataset(name, root, train, download=True)
    except Exception as err:  # network errors, checksum mismatches, truncated archives
        raise _fail(name, root, f"download failed or the files are corrupt: {err}") from err
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _read_torchvision(name: str, root: Path) -> dict[str, torch.Tensor]:
    out = {}
    for split, train in (("train", True), ("test", False)):
        try:
            ds = _torchvision_dataset(name, root, train, download=False)
            images = np.asarray(ds.data)
            labels = np.asarray(ds.targets)
        except Exception as err:
            raise _fail(name, root, f"cannot read the {split} split in torchvision's layout: {err}") from err
        if images.ndim == 3:  # (n, H, W) grey
            images = images[:, None]
        elif images.ndim == 4 and images.shape[-1] in (1, 3):  # (n, H, W, C)
            images = images.transpose(0, 3, 1, 2)
        out[f"{split}_images"] = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8))
        out[f"{split}_labels"] = torch.from_numpy(labels.astype(np.int64))
    return out


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm"}


def _imagefolder_files(name: str, root: Path, split: str, folder: str) -> list[tuple[Path, int]]:
    """(image, label) of one split of an ImageFolder copy; the class folders must be the dataset's classes."""
    ds = spec(name)
    split_dir = root / folder
    if not split_dir.is_dir():
        raise _fail(name, split_dir, f"no {folder}/ folder of class sub-folders for the {split} split")
    folders = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    expected = list(ds.classes) if ds.classes is not None else folders
    if sorted(expected) != folders or len(folders) != ds.n_classes:
        raise _fail(
            name, split_dir, f"class folders {folders[:12]}… do not match the {ds.n_classes} classes {expected[:12]}…"
        )
    files: list[tuple[Path, int]] = []
    for label, cls in enumerate(expected):
        files += [(p, label) for p in sorted((split_dir / cls).iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise _fail(name, split_dir, "no images in the class folders")
    return files


def _index_imagefolder(name: str, root: Path, test_dir: str) -> dict:
    """Image paths (relative to ``root``) and labels of both splits, for datasets decoded during training."""
    out = {}
    for split, folder in (("train", "train"), ("test", test_dir)):
        files = _imagefolder_files(name, root, split, folder)
        out[f"{split}_paths"] = [str(p.relative_to(root)) for p, _ in files]
        out[f"{split}_labels"] = torch.tensor([label for _, label in files], dtype=torch.int64)
    return out


def _read_imagefolder(name: str, root: Path, show_progress: bool = True, test_dir: str = "test") -> dict[str, torch.Tensor]:
    from PIL import Image
    from tqdm import tqdm

    ds = spec(name)
    out = {}
    for split, folder in (("train", "train"), ("test", test_dir)):
        files = _imagefolder_files(name, root, split, folder)
        mode = "L" if ds.channels == 1 else "RGB"
        images = np.empty((len(files), ds.size, ds.size, ds.channels), dtype=np.uint8)
        labels = np.empty(len(files), dtype=np.int64)
        for i, (path, label) in enumerate(
            tqdm(files, desc=f"{name} {split}", unit="img", disable=not show_progress, mininterval=2)
        ):
            try:
                with Image.open(path) as img:
                    arr = np.asarray(img.convert(mode))
            except Exception as err:
                raise _fail(name, path, f"unreadable image: {err}") from err
            if arr.shape[:2] != (ds.size, ds.size):
                raise _fail(name, path, f"image of size {arr.shape[:2]}, expected {ds.size}×{ds.size}")
            images[i] = arr.reshape(ds.size, ds.size, ds.channels)
            labels[i] = label
        out[f"{split}_images"] = torch.from_numpy(images.transpose(0, 3, 1, 2).copy())
        out[f"{split}_labels"] = torch.from_numpy(labels)
    return out


def prepare(name: str, source: dict, out: str | Path, *, download_root: str | Path | None = None) -> dict:
    """Read dataset ``name`` from ``source`` and write the prepared tensor file ``out``.

    ``source`` is a ``data.sources`` entry: ``{"kind": "download"}`` (read from ``download_root``, filled
    by :func:`download`), ``{"kind": "torchvision", "root": ...}`` or ``{"kind": "imagefolder", "root": ...}``.
    """
    ds = spec(name)
    kind = source.get("kind", "download")
    if ds.size == 0 and kind != "imagefolder":
        raise DatasetError(f"dataset {name!r}: source kind {kind!r} is not possible. "
                           + IMAGENET_HOW_TO.format(default="resources/data/imagenet"))
    if kind == "download":
        if download_root is None:
            raise DatasetError(f"dataset {name!r}: kind 'download' needs the download root")
        root = Path(download_root)
        tensors = _read_torchvision(name, root)
    elif kind == "torchvision":
        root = Path(source["root"])
        tensors = _read_torchvision(name, root)
    elif kind == "imagefolder" and ds.size == 0:  # ImageNet: an index of the images, decoded when training
        return _write_index(name, Path(source["root"]), source.get("test_dir", "test"), out)
    elif kind == "imagefolder":
        root = Path(source["root"])
        tensors = _read_imagefolder(name, root, test_dir=source.get("test_dir", "test"))
    elif kind == "unavailable":
        raise _fail(name, "data.sources", f"marked unavailable here: {source.get('reason', 'no reason given')}")
    else:
        raise DatasetError(f"dataset {name!r}: unknown source kind {kind!r} (download | torchvision | imagefolder)")
    for split in ("train", "test"):
        images, labels = tensors[f"{split}_images"], tensors[f"{split}_labels"]
        if images.shape[1:] != (ds.channels, ds.size, ds.size) or len(images) != len(labels) or len(images) == 0:
            raise _fail(name, root, f"{split} split has images {tuple(images.shape)} and {len(labels)} labels")
        if labels.min() < 0 or labels.max() >= ds.n_classes:
            raise _fail(name, root, f"{split} labels outside 0…{ds.n_classes - 1}")
    meta = {
        "format_version": FORMAT_VERSION,
        "dataset": name,
        "source": {"kind": kind, "root": str(root)},
        "n_classes": ds.n_classes,
        "n_train": len(tensors["train_labels"]),
        "n_test": len(tensors["test_labels"]),
        "train_images_sha256": hashlib.sha256(tensors["train_images"].numpy().tobytes()).hexdigest(),
    }
    return _save_prepared(meta, tensors, out)


def _write_index(name: str, root: Path, test_dir: str, out: str | Path) -> dict:
    if not root.is_dir():
        raise DatasetError(f"dataset {name!r}: no copy at {root}. " + IMAGENET_HOW_TO.format(default=root))
    index = _index_imagefolder(name, root, test_dir)
    meta = {
        "format_version": FORMAT_VERSION,
        "dataset": name,
        "kind": "index",
        "source": {"kind": "imagefolder", "root": str(root.resolve()), "test_dir": test_dir},
        "n_classes": spec(name).n_classes,
        "n_train": len(index["train_paths"]),
        "n_test": len(index["test_paths"]),
        "train_paths_sha256": hashlib.sha256("\n".join(index["train_paths"]).encode()).hexdigest(),
    }
    return _save_prepared(meta, index, out)


def _save_prepared(meta: dict, content: dict, out: str | Path) -> dict:
    """Write a prepared file atomically (a killed job never leaves a truncated one); return its meta."""
    write_atomically(out, lambda tmp: torch.save({"meta": meta, **content}, tmp))
    return meta


def load_prepared(path: str | Path, expect: str | None = None) -> dict:
    """Load a prepared dataset file (see :func:`prepare`), checking its format and, if given, its dataset name."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"prepared dataset file {path} is missing: build it with the prepare_dataset rule")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise DatasetError(
            f"prepared dataset file {path} is corrupt or unreadable ({type(err).__name__}); delete it and rebuild"
        ) from err
    meta = data.get("meta", {})
    if meta.get("format_version") != FORMAT_VERSION:
        raise DatasetError(f"prepared dataset file {path} has format {meta.get('format_version')}; rebuild it")
    if expect is not None and meta.get("dataset") != expect:
        raise DatasetError(f"prepared dataset file {path} holds {meta.get('dataset')!r}, expected {expect!r}")
    return data


def describe(meta: dict) -> str:
    return json.dumps(meta, sort_keys=True)
