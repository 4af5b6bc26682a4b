"""Baselines of bench/gbdt: XGBoost (hist) or scikit-learn HistGradientBoosting on the data
files gbdt.ts wrote, with the same hyper-parameters. Prints one JSON line: training seconds,
prediction rows/s on the test split, and the test metric."""
import json
import os
import sys
import time

import numpy as np

data_dir, task, library, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
config = json.loads(sys.argv[5])
with open(os.path.join(data_dir, "shape.json")) as handle:
    shape = json.load(handle)
features = shape["features"]
x_train = np.fromfile(os.path.join(data_dir, "train.x"), dtype="<f4").reshape(-1, features)
y_train = np.fromfile(os.path.join(data_dir, "train.y"), dtype="<f8")
x_test = np.fromfile(os.path.join(data_dir, "test.x"), dtype="<f4").reshape(-1, features)
y_test = np.fromfile(os.path.join(data_dir, "test.y"), dtype="<f8")
classification = task == "binary"


def metric(scores):
    if classification:
        return float(np.mean((scores > 0.5) == (y_test == 1)))
    return float(np.sqrt(np.mean((scores - y_test) ** 2)))


def predict_rate(predict, repeats):
    """Median rows/s over `repeats` calls: by wall time, and by the process's CPU time."""
    rates, cpu_rates = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        predict()
        cpu = time.process_time() - cpu_start
        rates.append(len(x_test) / (time.perf_counter() - start))
        cpu_rates.append(len(x_test) / cpu)
    return float(np.median(rates)), float(np.median(cpu_rates))


if library == "xgboost":
    import xgboost as xgb

    params = {
        "tree_method": "hist",
        "objective": "binary:logistic" if classification else "reg:squarederror",
        "max_depth": config["maxDepth"],
        "eta": config["learningRate"],
        "lambda": config["l2"],
        "min_child_weight": config["minHessianLeaf"],
        "max_bin": config["maxBins"],
        "nthread": threads,
        "seed": 1,
    }
    start = time.perf_counter()
    train = xgb.DMatrix(x_train, label=y_train, nthread=threads)
    booster = xgb.train(params, train, num_boost_round=config["nTrees"])
    seconds = time.perf_counter() - start
    booster.set_param({"nthread": threads})
    scores = booster.inplace_predict(x_test)
    rate, cpu_rate = predict_rate(lambda: booster.inplace_predict(x_test), config["predictRepeats"])
    # The DMatrix route (what booster.predict takes), building the DMatrix each time.
    dmatrix_rate, _ = predict_rate(lambda: booster.predict(xgb.DMatrix(x_test, nthread=threads)), config["predictRepeats"])
    version = xgb.__version__
else:
    from sklearn import __version__ as version
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    model_class = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    model = model_class(
        max_iter=config["nTrees"],
        learning_rate=config["learningRate"],
        max_depth=config["maxDepth"],
        max_leaf_nodes=None,
        min_samples_leaf=config["minSamplesLeaf"],
        l2_regularization=config["l2"],
        max_bins=config["maxBins"],
        early_stopping=False,
        random_state=1,
    )
    start = time.perf_counter()
    model.fit(x_train, y_train)
    seconds = time.perf_counter() - start
    if classification:
        scores = model.predict_proba(x_test)[:, 1]
        rate, cpu_rate = predict_rate(lambda: model.predict_proba(x_test), config["predictRepeats"])
    else:
        scores = model.predict(x_test)
        rate, cpu_rate = predict_rate(lambda: model.predict(x_test), config["predictRepeats"])

result = {"library": library, "version": version, "threads": threads, "trainSeconds": seconds, "predictRowsPerSecond": rate, "predictRowsPerCpuSecond": cpu_rate, "metric": metric(scores)}
if library == "xgboost":
    result["dmatrixPredictRowsPerSecond"] = dmatrix_rate
print(json.dumps(result))
