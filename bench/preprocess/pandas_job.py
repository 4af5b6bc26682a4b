"""The pandas baseline of bench/preprocess: the same job as the ReproML preprocess stage.

read CSV -> seeded shuffle + 80/20 split -> fit mean imputation, one-hot categories and
standard scaling on the training rows -> apply to both splits -> write each split's
features CSV and raw CSV. Prints one JSON line: wall time inside the process, peak RSS.
"""
import json
import os
import resource
import sys
import time

started = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

csv_path, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
numeric = [f"num_{i}" for i in range(8)]
categorical = ["cat_a", "cat_b", "cat_c"]

df = pd.read_csv(csv_path)
order = np.random.default_rng(1).permutation(len(df))
n_train = round(len(df) * 0.8)
splits = {"train": df.iloc[np.sort(order[:n_train])], "test": df.iloc[np.sort(order[n_train:])]}
train = splits["train"]

means = train[numeric].mean()
imputed_train = train[numeric].fillna(means)
centers = imputed_train.mean()
stds = imputed_train.std(ddof=0).replace(0, 1)
categories = {c: sorted(train[c].dropna().unique()) for c in categorical}
classes = sorted(train["label"].unique())

for name, part in splits.items():
    scaled = (part[numeric].fillna(means) - centers) / stds
    dummies = [
        pd.get_dummies(pd.Categorical(part[c], categories=categories[c]), prefix=c, prefix_sep="=", dtype=np.int8).set_index(part.index)
        for c in categorical
    ]
    features = pd.concat([scaled, *dummies], axis=1)
    features["label"] = pd.Categorical(part["label"], categories=classes).codes
    features.to_csv(os.path.join(out_dir, f"{name}.features.csv"), index=False)
    part.to_csv(os.path.join(out_dir, f"{name}.raw.csv"), index=False)

peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "peakRssMb": peak_mb}))
