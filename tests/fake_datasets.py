"""Tiny datasets written in torchvision's exact on-disk formats, and a fake internet serving them.

Only the network boundary is faked: ``urllib.request.urlopen`` inside torchvision serves these bytes, and the
MD5 tables torchvision checks are those of the files this server publishes. Everything else (download,
checksum verification, archive extraction, parsing) is torchvision's and our real code.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np


def idx_images(images: np.ndarray) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">iiii", 0x00000803, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">ii", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()


def mnist_arrays(n_train=30, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": np.arange(n_train) % 10,
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test) * 3) % 10,
    }


def mnist_files(arrays) -> dict[str, bytes]:
    """The four uncompressed IDX files of torchvision's MNIST/raw folder."""
    return {
        "train-images-idx3-ubyte": idx_images(arrays["train_images"]),
        "train-labels-idx1-ubyte": idx_labels(arrays["train_labels"]),
        "t10k-images-idx3-ubyte": idx_images(arrays["test_images"]),
        "t10k-labels-idx1-ubyte": idx_labels(arrays["test_labels"]),
    }


def write_mnist_raw(root, arrays, folder="MNIST"):
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, data in mnist_files(arrays).items():
        (raw / name).write_bytes(data)
    return raw


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_imagefolder(root, arrays, classes=CIFAR10_CLASSES):
    """``root/{train,test}/<class>/NNNN.png``, the ImageFolder layout of ``../shared/datasets/cifar10-jpeg``."""
    from PIL import Image

    for split in ("train", "test"):
        for i, (img, label) in enumerate(zip(arrays[f"{split}_images"], arrays[f"{split}_labels"])):
            d = root / split / classes[label]
            d.mkdir(parents=True, exist_ok=True)
            Image.fromarray(img.transpose(1, 2, 0)).save(d / f"{i:04d}.png")
    return root


def cifar_arrays(n_train=25, n_test=10, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 3, 32, 32), dtype=np.uint8),
        "train_labels": np.arange(n_train) % n_classes,
        "test_images": rng.integers(0, 256, (n_test, 3, 32, 32), dtype=np.uint8),
        "test_labels": (np.arange(n_test) * 7) % n_classes,
    }


def _pickle(obj) -> bytes:
    return pickle.dumps(obj, protocol=2)


def cifar_archive(arrays, cifar100=False) -> tuple[bytes, dict[str, bytes]]:
    """The .tar.gz of the python version of CIFAR-10/100 and its member files (torchvision's layout)."""
    members = {}
    if cifar100:
        base, label_key = "cifar-100-python", "fine_labels"
        members[f"{base}/train"] = _pickle({"data": arrays["train_images"].reshape(-1, 3072),
                                            label_key: list(map(int, arrays["train_labels"]))})
        members[f"{base}/test"] = _pickle({"data": arrays["test_images"].reshape(-1, 3072),
                                           label_key: list(map(int, arrays["test_labels"]))})
        members[f"{base}/meta"] = _pickle({"fine_label_names": [f"class{i:03d}" for i in range(100)]})
    else:
        base = "cifar-10-batches-py"
        chunks = np.array_split(np.arange(len(arrays["train_labels"])), 5)
        for i, idx in enumerate(chunks, 1):
            members[f"{base}/data_batch_{i}"] = _pickle({"data": arrays["train_images"][idx].reshape(-1, 3072),
                                                        "labels": list(map(int, arrays["train_labels"][idx]))})
        members[f"{base}/test_batch"] = _pickle({"data": arrays["test_images"].reshape(-1, 3072),
                                                 "labels": list(map(int, arrays["test_labels"]))})
        members[f"{base}/batches.meta"] = _pickle({"label_names": ["airplane", "automobile", "bird", "cat", "deer",
                                                                   "dog", "frog", "horse", "ship", "truck"]})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue(), members


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class FakeInternet:
    """Serves ``{url: bytes}`` through a stand-in for ``urllib.request.urlopen``; records the requests."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []

    def urlopen(self, request, *args, **kwargs):
        url = request.full_url if hasattr(request, "full_url") else str(request)
        self.requests.append(url)
        if url not in self.files:
            import urllib.error

            raise urllib.error.URLError(f"fake internet: no route to {url}")
        return _Response(url, self.files[url])

    def publish_mnist(self, monkeypatch, cls, arrays, corrupt: str | None = None):
        """Publish gzipped IDX files at every mirror of ``cls`` and set its checksum table to theirs."""
        resources = []
        for name, data in mnist_files(arrays).items():
            gz = gzip.compress(data, mtime=0)
            resources.append((name + ".gz", md5(gz)))
            if corrupt == name:
                gz = gz[: len(gz) // 2]
            for mirror in cls.mirrors:
                self.files[mirror + name + ".gz"] = gz
        monkeypatch.setattr(cls, "resources", resources)

    def publish_cifar(self, monkeypatch, cls, arrays, cifar100=False):
        archive, members = cifar_archive(arrays, cifar100)
        self.files[cls.url] = archive
        monkeypatch.setattr(cls, "tgz_md5", md5(archive))
        base = cls.base_folder
        monkeypatch.setattr(cls, "train_list", [[n, md5(members[f"{base}/{n}"])] for n, _ in cls.train_list])
        monkeypatch.setattr(cls, "test_list", [[n, md5(members[f"{base}/{n}"])] for n, _ in cls.test_list])
        monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5(members[f"{base}/{cls.meta['filename']}"])})


class _Response(io.BytesIO):
    def __init__(self, url, data):
        super().__init__(data)
        self.url = url
        self.length = len(data)


def write_imagenet(root, n_classes=1000, train_per_class=1, val_per_class=1, seed=0):
    """An ImageNet copy in ILSVRC-2012's ImageFolder layout, ``root/{train,val}/n<8 digits>/*.JPEG``: JPEGs of
    varied sizes (the real images are not square either), each class a different mean colour."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, per_class in (("train", train_per_class), ("val", val_per_class)):
        for c in range(n_classes):
            d = root / split / f"n{1440764 + c:08d}"
            d.mkdir(parents=True, exist_ok=True)
            colour = rng.integers(0, 256, 3)
            for i in range(per_class):
                h, w = rng.integers(24, 56, 2)
                img = np.clip(colour + rng.normal(0, 40, (h, w, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(d / f"n{1440764 + c:08d}_{i}.JPEG", quality=85)
    return root
