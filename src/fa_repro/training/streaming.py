"""Training data decoded and augmented as training goes, for ImageNet (Boopathy & Fiete App. F, Fig. 5).

The prepared file of such a dataset is an index (image paths and labels, :mod:`fa_repro.data.sources`). Each
"epoch" of the training loop is ``steps_per_epoch`` batches drawn without replacement from a fresh permutation
of the training images (seeded by the run's order generator, so a resumed job draws the same batches); the
images are read by DataLoader worker processes and augmented as App. F says: a random crop of 8–100 % of the
area with aspect ratio 3/4–4/3, rescaled to ``image_size``, a random horizontal flip, per-channel normalisation.
Evaluation uses a fixed, seeded subset of the validation images (and of the training images for the
per-epoch training metrics), resized and centre-cropped, held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from fa_repro.data import one_hot
from fa_repro.training_spec import DatasetSpec
from fa_repro.training.engine import TrainingData

# ImageNet's per-channel mean and standard deviation (of the RGB values in [0, 1]), as torchvision's models use
CHANNEL_MEAN = (0.485, 0.456, 0.406)
CHANNEL_STD = (0.229, 0.224, 0.225)


def train_transform(image_size: int):
    """App. F: random crop (scale 0.08–1, aspect 0.75–1.34) rescaled to ``image_size``, flip, normalisation."""
    from torchvision import transforms

    return transforms.Compose([
        transforms.RandomResizedCrop(image_size, scale=(0.08, 1.0), ratio=(0.75, 1.34)),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(CHANNEL_MEAN, CHANNEL_STD),
    ])


def eval_transform(image_size: int):
    """Resize the short side to 8/7 of ``image_size`` (256 for 224) and take the central crop."""
    from torchvision import transforms

    return transforms.Compose([
        transforms.Resize(round(image_size * 8 / 7)),
        transforms.CenterCrop(image_size),
        transforms.ToTensor(),
        transforms.Normalize(CHANNEL_MEAN, CHANNEL_STD),
    ])


class IndexedImages(torch.utils.data.Dataset):
    """Images listed by a prepared index, read with PIL and transformed; item i is (image, label)."""

    def __init__(self, root: str | Path, paths: list[str], labels: torch.Tensor, transform):
        self.root, self.paths, self.labels, self.transform = Path(root), list(paths), labels, transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        from PIL import Image

        path = self.root / self.paths[i]
        try:
            with Image.open(path) as img:
                image = self.transform(img.convert("RGB"))
        except Exception as err:
            raise RuntimeError(f"cannot read training image {path}: {err}; fix or remove it and rerun") from err
        return image, self.labels[i]


def _load_all(images: IndexedImages, workers: int) -> tuple[torch.Tensor, torch.Tensor]:
    loader = torch.utils.data.DataLoader(images, batch_size=256, shuffle=False, num_workers=workers)
    xs, ys = zip(*loader)
    return torch.cat(xs), torch.cat(ys)


@dataclass(kw_only=True)
class StreamedTrainingData(TrainingData):
    """A :class:`TrainingData` whose training batches are decoded as the loop asks for them. ``x_train`` …
    hold a fixed subset of training images for the per-epoch metrics only."""

    train_images: IndexedImages
    n_classes: int
    target_offset: float
    steps_per_epoch: int
    workers: int
    _n_train: int = field(repr=False)

    @property
    def n_train(self) -> int:
        return self._n_train

    def batches_per_epoch(self, batch_size: int, drop_last: bool) -> int:
        return self.steps_per_epoch

    def probe(self, n: int):
        """The first ``n`` of the fixed random sample of training images decoded for the metrics."""
        return self.x_train[:n], self.y_train[:n], self.labels_train[:n]

    def epoch_batches(self, generators, batch_size, n_batches):
        """Batches shared by every seed (one generator per seed): ``n_batches`` × ``batch_size`` images of a
        permutation drawn from the first seed's generator; the augmentation is seeded from the same generator."""
        device = self.x_test.device
        take = torch.randperm(self._n_train, generator=generators[0])[: n_batches * batch_size]
        seed = int(torch.randint(0, 2**62, (1,), generator=generators[0]))
        loader = torch.utils.data.DataLoader(
            torch.utils.data.Subset(self.train_images, take.tolist()), batch_size=batch_size, shuffle=False,
            num_workers=self.workers, generator=torch.Generator().manual_seed(seed), drop_last=True,
            pin_memory=device.type == "cuda", persistent_workers=False)
        for x, labels in loader:
            x = x.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            n_seeds = len(generators)
            y = one_hot(labels, self.n_classes, self.target_offset)
            yield (x.unsqueeze(0).expand(n_seeds, *x.shape), y.unsqueeze(0).expand(n_seeds, *y.shape),
                   labels.unsqueeze(0).expand(n_seeds, -1))


def streamed_data(index: dict, d: DatasetSpec, device, workers: int) -> tuple[StreamedTrainingData, tuple, int]:
    """The training data of an indexed dataset: ``d`` is the run's data record (``image_size``,
    ``steps_per_epoch``, ``n_test`` validation images and ``n_probe`` training images for the metrics)."""
    meta = index["meta"]
    root, size = meta["source"]["root"], d.image_size
    n_classes, offset = int(meta["n_classes"]), d.target_offset

    def fixed_subset(split: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        paths, labels = index[f"{split}_paths"], index[f"{split}_labels"]
        keep = torch.randperm(len(paths), generator=torch.Generator().manual_seed(seed))[:n].sort().values
        return _load_all(IndexedImages(root, [paths[i] for i in keep], labels[keep], eval_transform(size)), workers)

    x_test, labels_test = fixed_subset("test", d.n_test, d.split_seed + 2)
    x_probe, labels_probe = fixed_subset("train", d.n_probe, d.split_seed + 3)
    train_images = IndexedImages(root, index["train_paths"], index["train_labels"], train_transform(size))
    td = StreamedTrainingData(
        x_probe.to(device), one_hot(labels_probe, n_classes, offset).to(device), x_test.to(device),
        one_hot(labels_test, n_classes, offset).to(device), labels_probe.to(device), labels_test.to(device),
        train_images=train_images, n_classes=n_classes, target_offset=offset,
        steps_per_epoch=d.steps_per_epoch, workers=workers,
        _n_train=len(index["train_paths"]))
    return td, (3, size, size), n_classes
