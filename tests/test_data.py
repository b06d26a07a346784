"""Datasets: torchvision download path (fake network boundary), offline sources, errors, data handling."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets as tvd
import torchvision.datasets.utils as tv_utils

from fake_datasets import FakeInternet, cifar_arrays, mnist_arrays, write_imagefolder, write_mnist_raw
from fa_repro.data import (
    DatasetError,
    add_task,
    correlated_target_regression,
    corrupt_labels,
    download,
    downscale,
    holdout_split,
    load_prepared,
    one_hot,
    prepare,
    training_subset,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture
def internet(monkeypatch):
    net = FakeInternet()
    monkeypatch.setattr(tv_utils.urllib.request, "urlopen", net.urlopen)
    return net


def check_prepared(path, arrays, channels):
    data = load_prepared(path)
    for split in ("train", "test"):
        images = data[f"{split}_images"].numpy()
        expected = arrays[f"{split}_images"]
        expected = expected[:, None] if channels == 1 else expected
        np.testing.assert_array_equal(images, expected)
        np.testing.assert_array_equal(data[f"{split}_labels"].numpy(), arrays[f"{split}_labels"])
    return data


@pytest.mark.parametrize("name,cls", [("mnist", tvd.MNIST), ("kmnist", tvd.KMNIST)])
def test_mnist_like_download_verifies_and_prepares(tmp_path, internet, monkeypatch, name, cls):
    arrays = mnist_arrays()
    internet.publish_mnist(monkeypatch, cls, arrays)
    files = download(name, tmp_path / "tv")
    assert any(f.endswith("train-images-idx3-ubyte") for f in files)
    meta = prepare(name, {"kind": "download"}, tmp_path / "prep.pt", download_root=tmp_path / "tv")
    assert meta["n_train"] == 30 and meta["n_test"] == 20
    check_prepared(tmp_path / "prep.pt", arrays, 1)
    assert all(url.startswith(cls.mirrors[0]) for url in internet.requests)


@pytest.mark.parametrize("name,cls,cifar100", [("cifar10", tvd.CIFAR10, False), ("cifar100", tvd.CIFAR100, True)])
def test_cifar_download_verifies_and_prepares(tmp_path, internet, monkeypatch, name, cls, cifar100):
    arrays = cifar_arrays(n_classes=100 if cifar100 else 10)
    internet.publish_cifar(monkeypatch, cls, arrays, cifar100)
    download(name, tmp_path / "tv")
    prepare(name, {"kind": "download"}, tmp_path / "prep.pt", download_root=tmp_path / "tv")
    check_prepared(tmp_path / "prep.pt", arrays, 3)


def test_corrupt_download_is_an_error_naming_the_dataset(tmp_path, internet, monkeypatch):
    internet.publish_mnist(monkeypatch, tvd.MNIST, mnist_arrays(), corrupt="t10k-images-idx3-ubyte")
    with pytest.raises(DatasetError, match=r"(?s)dataset 'mnist': download failed or the files are corrupt.*looked in"):
        download("mnist", tmp_path / "tv")


def test_no_internet_is_an_error_with_the_fix(tmp_path, internet):
    with pytest.raises(DatasetError, match=r"(?s)'kmnist'.*kind: torchvision, root: DIR"):
        download("kmnist", tmp_path / "tv")


def test_torchvision_layout_offline(tmp_path):
    arrays = mnist_arrays(seed=4)
    write_mnist_raw(tmp_path, arrays)
    prepare("mnist", {"kind": "torchvision", "root": str(tmp_path)}, tmp_path / "p.pt")
    check_prepared(tmp_path / "p.pt", arrays, 1)


def test_truncated_idx_file_is_reported(tmp_path):
    raw = write_mnist_raw(tmp_path, mnist_arrays())
    f = raw / "train-images-idx3-ubyte"
    f.write_bytes(f.read_bytes()[:1000])
    with pytest.raises(DatasetError, match=r"(?s)'mnist': cannot read the train split.*looked in"):
        prepare("mnist", {"kind": "torchvision", "root": str(tmp_path)}, tmp_path / "p.pt")
    assert not (tmp_path / "p.pt").exists()


def test_missing_dataset_is_reported(tmp_path):
    with pytest.raises(DatasetError, match=r"'cifar10'.*looked in .*nowhere"):
        prepare("cifar10", {"kind": "torchvision", "root": str(tmp_path / "nowhere")}, tmp_path / "p.pt")
    with pytest.raises(DatasetError, match=r"'cifar100'.*no train/ folder"):
        prepare("cifar100", {"kind": "imagefolder", "root": str(tmp_path / "nowhere")}, tmp_path / "p.pt")


def test_imagefolder_offline_reads_labels_by_class_name(tmp_path):
    arrays = cifar_arrays(seed=2)
    write_imagefolder(tmp_path / "c10", arrays)
    data = prepare("cifar10", {"kind": "imagefolder", "root": str(tmp_path / "c10")}, tmp_path / "p.pt")
    loaded = load_prepared(tmp_path / "p.pt", expect="cifar10")
    # order inside a split follows the folders; compare as multisets keyed by label
    for split in ("train", "test"):
        got = {(int(l), loaded[f"{split}_images"][i].numpy().tobytes()) for i, l in enumerate(loaded[f"{split}_labels"])}
        exp = {(int(l), arrays[f"{split}_images"][i].tobytes()) for i, l in enumerate(arrays[f"{split}_labels"])}
        assert got == exp
    assert data["n_train"] == 25
    with pytest.raises(DatasetError, match="holds 'cifar10', expected 'mnist'"):
        load_prepared(tmp_path / "p.pt", expect="mnist")
    os.rename(tmp_path / "c10" / "test" / "truck", tmp_path / "c10" / "test" / "lorry")
    with pytest.raises(DatasetError, match="class folders"):
        prepare("cifar10", {"kind": "imagefolder", "root": str(tmp_path / "c10")}, tmp_path / "q.pt")


def test_corrupt_prepared_file_is_reported(tmp_path):
    (tmp_path / "p.pt").write_bytes(b"not a tensor file")
    with pytest.raises(DatasetError, match="corrupt.*delete it and rebuild"):
        load_prepared(tmp_path / "p.pt")
    with pytest.raises(DatasetError, match="missing"):
        load_prepared(tmp_path / "absent.pt")


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no offline MNIST copy beside the repository")
def test_offline_mnist_copy_reads_with_the_documented_checksum(tmp_path):
    import hashlib

    prepare("mnist", {"kind": "torchvision", "root": str(SHARED)}, tmp_path / "m.pt")
    data = load_prepared(tmp_path / "m.pt")
    assert data["train_images"].shape == (60000, 1, 28, 28) and data["test_images"].shape == (10000, 1, 28, 28)
    header = (SHARED / "MNIST" / "raw" / "t10k-images-idx3-ubyte").read_bytes()[:16]
    assert hashlib.md5(header + data["test_images"].numpy().tobytes()).hexdigest() == "2646ac647ad5339dbf082846283269ea"


def test_downscale_is_area_averaging():
    x = torch.arange(2 * 1 * 28 * 28, dtype=torch.float32).reshape(2, 1, 28, 28)
    y = downscale(x, 14)
    torch.testing.assert_close(y, x.reshape(2, 1, 14, 2, 14, 2).mean(dim=(3, 5)))
    z = downscale(torch.ones(3, 3, 32, 32), 14)
    assert z.shape == (3, 3, 14, 14) and torch.allclose(z, torch.ones_like(z))


def test_targets_splits_and_subsets():
    t = one_hot(torch.tensor([2, 0]), 3, offset=0.1)
    torch.testing.assert_close(t, torch.tensor([[-0.1, -0.1, 0.9], [0.9, -0.1, -0.1]]))
    train, held = holdout_split(50_000, 5_000, seed=0)
    assert len(train) == 45_000 and len(held) == 5_000 and len(np.intersect1d(train, held)) == 0
    assert torch.equal(holdout_split(50_000, 5_000, 0)[1], held)
    sub = training_subset(train, 45, seed=1)
    assert len(sub) == 45 and set(sub.tolist()) <= set(train.tolist())
    with pytest.raises(ValueError, match="held-out size"):
        holdout_split(10, 10, 0)


@pytest.mark.parametrize("mode", ["shuffle", "uniform"])
def test_label_corruption_is_exact_seeded_and_train_only(mode):
    labels = torch.arange(10_000) % 10
    out, mask = corrupt_labels(labels, 0.3, 10, seed=5, mode=mode)
    assert int(mask.sum()) == 3000
    assert torch.equal(out[~mask], labels[~mask])
    changed = float((out[mask] != labels[mask]).float().mean())
    assert 0.85 < changed < 0.95  # 9 in 10 draws change a label
    again, _ = corrupt_labels(labels, 0.3, 10, seed=5, mode=mode)
    assert torch.equal(out, again)
    other, _ = corrupt_labels(labels, 0.3, 10, seed=6, mode=mode)
    assert not torch.equal(out, other)
    if mode == "shuffle":
        assert torch.equal(torch.bincount(out), torch.bincount(labels))
    with pytest.raises(ValueError, match=r"p = 1.5 must be in \[0, 1\]"):
        corrupt_labels(labels, 1.5, 10, seed=0)


def test_correlated_targets_have_the_covariance_of_eq_20():
    x, y = correlated_target_regression(200_000, alpha=0.6, beta=0.2, seed=0)
    assert x.shape == (200_000, 10)
    cov = np.cov(y.numpy().T)
    np.testing.assert_allclose(cov, [[1.0, 0.6 * 0.8], [0.6 * 0.8, 0.36]], atol=0.01)
    assert abs(np.corrcoef(x[:, 0].numpy(), y[:, 0].numpy())[0, 1]) < 0.01  # independent of the input


def test_add_task_follows_eq_59():
    x, y = add_task(400, 100, seed=0)
    assert x.shape == (400, 100, 1)
    xs, ys = x[..., 0].numpy(), y[..., 0].numpy()
    for t in (0, 1, 2, 4, 5, 50, 99):
        exp = 0.5 + (0.5 * xs[:, t - 2] if t >= 2 else 0) - (0.25 * xs[:, t - 5] if t >= 5 else 0)
        np.testing.assert_allclose(ys[:, t], exp)
    assert 0.45 < xs.mean() < 0.55


def test_imagenet_is_indexed_and_streamed_with_the_papers_augmentation(tmp_path):
    from fake_datasets import write_imagenet

    from fa_repro.training.streaming import streamed_data
    from fa_repro.training_spec import parse_data

    root = write_imagenet(tmp_path / "imagenet", seed=3)
    meta = prepare("imagenet", {"kind": "imagefolder", "root": str(root), "test_dir": "val"}, tmp_path / "in.pt")
    assert meta["kind"] == "index" and meta["n_classes"] == 1000 and meta["n_train"] == meta["n_test"] == 1000
    index = load_prepared(tmp_path / "in.pt", expect="imagenet")
    # labels follow the sorted class folders (ILSVRC-2012's wnid order)
    assert index["train_paths"][7].startswith(f"train/n{1440764 + 7:08d}/") and int(index["train_labels"][7]) == 7
    d = parse_data({"dataset": "imagenet", "image_size": 24, "steps_per_epoch": 2, "n_test": 10, "n_probe": 6,
                    "target_offset": 0.0})
    data, shape, n_out = streamed_data(index, d, device=torch.device("cpu"), workers=1)
    assert shape == (3, 24, 24) and n_out == 1000 and data.x_test.shape == (10, 3, 24, 24)
    assert data.batches_per_epoch(4, False) == 2 and data.n_train == 1000
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    batches = list(data.epoch_batches(gens, 4, 2))
    assert len(batches) == 2
    x, y, labels = batches[0]
    assert x.shape == (2, 4, 3, 24, 24) and y.shape == (2, 4, 1000) and labels.shape == (2, 4)
    assert torch.equal(x[0], x[1]) and torch.equal(y[0].argmax(-1), labels[0])
    # normalised channels: the fake images' colours spread around ImageNet's channel means
    assert -3 < float(x.mean()) < 3 and float(x.std()) > 0.1
    again = list(data.epoch_batches([torch.Generator().manual_seed(s) for s in (0, 1)], 4, 2))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, again))  # seeded crops, flips and order


def test_missing_or_undownloadable_imagenet_says_how_to_supply_it(tmp_path):
    from fa_repro.config import user_supplied_missing

    with pytest.raises(DatasetError, match="image-net.org"):
        prepare("imagenet", {"kind": "imagefolder", "root": str(tmp_path / "none"), "test_dir": "val"},
                tmp_path / "in.pt")
    with pytest.raises(DatasetError, match="cannot be downloaded"):
        prepare("imagenet", {"kind": "download"}, tmp_path / "in.pt", download_root=tmp_path)
    missing = user_supplied_missing({"imagenet": {"kind": "imagefolder", "root": str(tmp_path / "none"),
                                                  "user_supplied": True}, "mnist": {"kind": "download"}})
    assert list(missing) == ["imagenet"] and "train/<wnid>" in missing["imagenet"]
