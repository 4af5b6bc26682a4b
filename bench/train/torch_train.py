"""PyTorch CPU baseline: the same MLP, data, batch size and optimizer as bench/train/throughput.ts."""
import json, sys, time
import numpy as np
import torch

path, rows, features, classes, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
if threads > 0:
    torch.set_num_threads(threads)
raw = np.fromfile(path, dtype=np.float32)
x = torch.from_numpy(raw[: rows * features].reshape(rows, features).copy())
y = torch.from_numpy(raw[rows * features :].astype(np.int64))
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(features, 128), torch.nn.ReLU(), torch.nn.Linear(128, classes))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
batch = 256
times = []
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(rows)
    total = 0.0
    for i in range(0, rows, batch):
        idx = order[i : i + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    times.append(time.perf_counter() - start)
# First epoch is warm-up, as on the ReproML side.
measured = times[1:]
print(json.dumps({"samplesPerSecond": rows * len(measured) / sum(measured), "threads": torch.get_num_threads(), "lastLoss": total / rows, "torch": torch.__version__}))
