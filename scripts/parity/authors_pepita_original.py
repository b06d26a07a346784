"""Runs Dellaferrera & Kreiman's own PEPITA training (GiorgiaD/PEPITA, the tutorial notebook
``Tutorial_PEPITA_FullyConnectedNets_CIFAR-10.ipynb``: CIFAR-10, 1 × 1024, plain PyTorch) for the PEPITA parity
comparison, with the authors' Python (torch, torchvision, numpy, matplotlib not needed). Executed by
scripts/parity/pepita.py as ``python authors_pepita_original.py '<json arguments>' <out.csv>``; it is not a module
of the package and nothing of theirs is copied: the notebook's code cells are read from the checkout and executed
in order, unchanged (its 100 epochs and lr decay at epochs 60 and 90 included).

What is shimmed, data loading only:
* ``torchvision.datasets.CIFAR10`` returns our examples (the uint8 images of our prepared file scaled to [0, 1], as
  their ``ToTensor``): the training subset our run trains on and our test examples;
* ``torch.utils.data.DataLoader`` is a loader over those tensors with the notebook's arguments (batch 64;
  ``shuffle=True`` for training, so a fresh permutation each epoch from a generator seeded by the run's seed; the
  last, smaller batch kept as their ``drop_last=False``), whose iterator also answers the ``.next()`` the notebook
  calls (removed from PyTorch's DataLoader iterator since);
* recording: when the notebook first draws from its training loader (before any update) and when it iterates its
  test loader after every ``record_every``-th epoch, the loader evaluates the notebook's ``net`` on the training and
  test examples — loss −log p_y of its softmax output, accuracy, in the notebook's evaluation mode
  (``do_masks=None``) — and the angle between their feedback and W_totᵀ. Their modulation is x + B e (the 2024
  paper writes x − F e, Sec. 2), so the angle is taken with F = −B. The test accuracies the notebook computes
  itself (``test_accs``) are checked to equal our evaluation.
The global RNG is seeded with the run's seed before the notebook runs (it sets none itself).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch
from curves_file import write_curves  # beside this script; standard library only


NOTEBOOK = "Tutorial_PEPITA_FullyConnectedNets_CIFAR-10.ipynb"


class Batches:
    """An iterator over one pass of a loader that also has the ``.next()`` of old PyTorch iterators."""

    def __init__(self, it):
        self.it = it

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.it)

    next = __next__


def main() -> None:
    arguments, out = json.loads(sys.argv[1]), Path(sys.argv[2]).resolve()
    checkout = Path(arguments["checkout"]).resolve()
    torch.set_num_threads(int(arguments.get("threads", 2)))
    import torchvision

    data = torch.load(Path(arguments["data"]).resolve(), weights_only=True)
    splits = {True: (data["train_images"].to(torch.float32) / 255.0, data["train_labels"]),
              False: (data["test_images"].to(torch.float32) / 255.0, data["test_labels"])}
    cells = [c for c in json.loads((checkout / NOTEBOOK).read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    rows: list[dict] = []
    our_test_accs: dict[int, float] = {}  # epoch -> our evaluation of their test accuracy [%]
    epochs, record_every = int(arguments["epochs"]), int(arguments.get("record_every", 1))

    class OurCIFAR10:
        """Stands for torchvision.datasets.CIFAR10(root, train, download, transform): our examples."""

        def __init__(self, root=None, train=True, download=False, transform=None):
            self.images, self.labels = splits[bool(train)]
            self.train = bool(train)

        def __len__(self):
            return len(self.labels)

    for seed in arguments["seeds"]:
        namespace: dict = {"__name__": "__notebook__"}
        state = {"epoch": 0}
        n_train = len(splits[True][1])
        batches_per_epoch = math.ceil(n_train / int(arguments["batch_size"]))

        def evaluate(x, labels):
            with torch.no_grad():
                p = namespace["net"](x.flatten(1), do_masks=None)  # their evaluation: no dropout masks
            loss = -torch.log(p.gather(1, labels[:, None]).clamp_min(1e-45)).mean()
            return float(loss), float((p.argmax(-1) == labels).double().mean())

        def record():
            epoch = state["epoch"]
            state["epoch"] += 1
            if epoch % record_every and epoch != epochs:
                return
            train_loss, train_acc = evaluate(*splits[True])
            test_loss, test_acc = evaluate(*splits[False])
            weights = [w.detach() for w in namespace["net"].parameters()]
            total = weights[0]
            for w in weights[1:]:
                total = w @ total  # W_tot = W_L ⋯ W_1
            F = -namespace["B"]  # x + B e = x − F e
            cos = torch.nn.functional.cosine_similarity(F.flatten(), total.T.flatten(), dim=0).clamp(-1, 1)
            angle = float(torch.rad2deg(torch.arccos(cos)))
            step = epoch * batches_per_epoch
            for metric, value in (("train_loss", train_loss), ("train_acc", train_acc), ("test_loss", test_loss),
                                  ("test_acc", test_acc), ("feedback_angle", angle)):
                rows.append({"side": "authors", "seed": seed, "step": step, "metric": metric, "value": value})
            if epoch > 0:
                our_test_accs[epoch] = 100.0 * test_acc
            print(f"authors_pepita_original: seed {seed} epoch {epoch}: train loss {train_loss:.4f}, "
                  f"test acc {test_acc:.4f}, angle {angle:.1f}", file=sys.stderr, flush=True)

        class OurLoader:
            """Stands for torch.utils.data.DataLoader(dataset, batch_size, shuffle, num_workers)."""

            def __init__(self, dataset, batch_size=1, shuffle=False, num_workers=0, drop_last=False, **_):
                self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
                self.generator = torch.Generator().manual_seed(seed)
                self.passes = 0

            def __iter__(self):
                if self.dataset.train and self.passes == 0:
                    record()  # the notebook's first draw: before any update (epoch 0)
                if not self.dataset.train:
                    record()  # the notebook tests after every epoch
                self.passes += 1
                n = len(self.dataset)
                order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
                stop = n - n % self.batch_size if self.drop_last else n
                return Batches((self.dataset.images[order[i:i + self.batch_size]],
                                self.dataset.labels[order[i:i + self.batch_size]])
                               for i in range(0, stop, self.batch_size))

        torchvision.datasets.CIFAR10 = OurCIFAR10
        torch.utils.data.DataLoader = OurLoader
        torch.manual_seed(seed)
        __import__("numpy").random.seed(seed)
        stdout = sys.stdout
        sys.stdout = sys.stderr  # their prints
        try:
            for source in sources:
                exec(compile(source, f"{NOTEBOOK} cell", "exec"), namespace)
        finally:
            sys.stdout = stdout
        theirs = namespace["test_accs"]  # after epochs 1, 2, …
        if len(theirs) != epochs or any(abs(theirs[e - 1] - acc) > 1e-6 for e, acc in our_test_accs.items()):
            raise SystemExit(f"authors_pepita_original: our evaluation of their network ({our_test_accs}) "
                             f"differs from the notebook's test accuracies ({theirs})")
        our_test_accs.clear()

    write_curves(out, rows)


if __name__ == "__main__":
    main()
