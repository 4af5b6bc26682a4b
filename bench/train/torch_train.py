"""PyTorch CPU baselines for bench/train/throughput.ts: the same MLP, data, batch size and optimizer.

mode "autograd": nn.Sequential + autograd + torch.optim.Adam (what a PyTorch user writes).
mode "script":   hand-written gradients and Adam, the whole epoch one TorchScript function (no
                 autograd, no Python per batch): the strongest single-threaded PyTorch we know.
mode "check":    one epoch of each from the same weights and order; prints the largest parameter
                 difference (the hand-written gradients are PyTorch's own, up to float rounding).

One thread for real: the caller sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS
before this process starts (OpenBLAS sizes its pool when torch loads and ignores set_num_threads),
and this script reports what it got: torch.get_num_threads(), the threads of this process from
/proc/self/status after training, and the CPU time of the timed epochs (samples per CPU second:
what one core does, less sensitive to a shared machine's load than samples per wall second).
"""
import json, os, sys, time
from typing import List, Tuple

import numpy as np
import torch
from torch import Tensor

path, rows, features, classes, epochs, threads, mode = (
    sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7],
)
torch.set_num_threads(threads)
raw = np.fromfile(path, dtype=np.float32)
x = torch.from_numpy(raw[: rows * features].reshape(rows, features).copy())
y = torch.from_numpy(raw[rows * features :].astype(np.int64))
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(features, 128), torch.nn.ReLU(), torch.nn.Linear(128, classes))
BATCH = 256
LR = 1e-3


def autograd_epochs() -> List[Tuple[float, float]]:
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter(), time.process_time()
        order = torch.randperm(rows)
        for i in range(0, rows, BATCH):
            idx = order[i : i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            loss.item()
        times.append((time.perf_counter() - start[0], time.process_time() - start[1]))
    return times


@torch.jit.script
def script_epoch(
    x: Tensor, y: Tensor, order: Tensor, params: List[Tensor], m: List[Tensor], v: List[Tensor], step: int, lr: float, batch: int
) -> Tuple[int, float]:
    """One epoch: forward, hand-derived backward of softmax cross-entropy through Linear-ReLU-Linear, Adam (PyTorch's formula)."""
    beta1 = 0.9
    beta2 = 0.999
    eps = 1e-8
    rows = x.size(0)
    total = 0.0
    i = 0
    while i < rows:
        idx = order[i : i + batch]
        xb = x.index_select(0, idx)
        yb = y.index_select(0, idx).unsqueeze(1)
        n = xb.size(0)
        h = torch.addmm(params[1], xb, params[0].t())
        a = torch.relu(h)
        z = torch.addmm(params[3], a, params[2].t())
        logp = torch.log_softmax(z, 1)
        total -= float(logp.gather(1, yb).sum())
        g = logp.exp()
        g.scatter_add_(1, yb, torch.full([n, 1], -1.0))
        g.div_(n)
        grads: List[Tensor] = [torch.empty(0)] * 4
        grads[2] = g.t().mm(a)
        grads[3] = g.sum(0)
        gh = g.mm(params[2]).mul_(h > 0)
        grads[0] = gh.t().mm(xb)
        grads[1] = gh.sum(0)
        step += 1
        bias1 = 1.0 - beta1**step
        bias2 = 1.0 - beta2**step
        for k in range(4):
            m[k].mul_(beta1).add_(grads[k], alpha=1.0 - beta1)
            v[k].mul_(beta2).addcmul_(grads[k], grads[k], value=1.0 - beta2)
            denom = (v[k].sqrt() / (bias2**0.5)).add_(eps)
            params[k].addcdiv_(m[k], denom, value=-lr / bias1)
        i += batch
    return step, total


def script_epochs() -> List[Tuple[float, float]]:
    params = [p.detach().clone() for p in model.parameters()]  # W1 [128, F], b1, W2 [C, 128], b2
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    step = 0
    times = []
    with torch.no_grad():
        for _ in range(epochs):
            start = time.perf_counter(), time.process_time()
            order = torch.randperm(rows)
            step, _ = script_epoch(x, y, order, params, m, v, step, LR, BATCH)
            times.append((time.perf_counter() - start[0], time.process_time() - start[1]))
    return times


def check_script_against_autograd() -> Tuple[float, float]:
    """One epoch of both on the same order from the same weights: the largest parameter difference, and the largest change."""
    initial = [p.detach().clone() for p in model.parameters()]
    params = [p.clone() for p in initial]
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    order = torch.randperm(rows)
    with torch.no_grad():
        script_epoch(x, y, order, params, m, v, 0, LR, BATCH)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    for i in range(0, rows, BATCH):
        idx = order[i : i + BATCH]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x[idx]), y[idx]).backward()
        optimizer.step()
    difference = max(float((a - b).abs().max()) for a, b in zip(params, model.parameters()))
    return difference, max(float((a - b).abs().max()) for a, b in zip(params, initial))


if mode == "check":
    difference, change = check_script_against_autograd()
    print(json.dumps({"maxAbsDifference": difference, "maxChange": change}))
    sys.exit(0)


def process_threads() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


times = autograd_epochs() if mode == "autograd" else script_epochs()
# (wall, CPU) seconds per epoch; the first is warm-up (TorchScript compiles there), as on the ReproML side.
measured = times[1:]
wall = sum(epoch[0] for epoch in measured)
cpu = sum(epoch[1] for epoch in measured)
print(
    json.dumps(
        {
            "samplesPerSecond": rows * len(measured) / wall,
            "samplesPerCpuSecond": rows * len(measured) / cpu,
            "torchThreads": torch.get_num_threads(),
            "processThreads": process_threads(),
            "cpuOverWall": cpu / wall,
            "env": {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
            "torch": torch.__version__,
        }
    )
)
