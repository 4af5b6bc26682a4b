"""Companion of predict-probe.ts: XGBoost's side of the predict experiments on the files the
probe wrote. Trains XGBoost with bench/gbdt's parameters, writes its trees (trees-xgboost.json)
for the probe to export to ONNX, loads ReproML's trees (trees-reproml.json) into an XGBoost
booster, checks that booster reproduces ReproML's margins, and times inplace_predict on both
tree sets. Prints one JSON line."""
import json
import os
import struct
import sys
import time

import numpy as np
import xgboost as xgb

data_dir, task, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = json.loads(sys.argv[4])
with open(os.path.join(data_dir, "shape.json")) as handle:
    features = json.load(handle)["features"]
x_train = np.fromfile(os.path.join(data_dir, "train.x"), dtype="<f4").reshape(-1, features)
y_train = np.fromfile(os.path.join(data_dir, "train.y"), dtype="<f8")
x_test = np.fromfile(os.path.join(data_dir, "test.x"), dtype="<f4").reshape(-1, features)
classification = task == "binary"
INT_MAX = 2147483647


def next_up_f32(value):
    """Smallest float32 above a float32 value: x <= t  <=>  x < next_up(t) for float32 x."""
    bits = struct.unpack("<i", struct.pack("<f", value))[0]
    if value == 0:
        return struct.unpack("<f", struct.pack("<i", 1))[0]
    bits = bits + 1 if value > 0 else bits - 1
    return struct.unpack("<f", struct.pack("<i", bits))[0]


x_same = np.repeat(x_test[:1], len(x_test), axis=0)


def rate(predict):
    rates = []
    predict()
    for _ in range(repeats):
        start = time.process_time()
        predict()
        rates.append(len(x_test) / (time.process_time() - start))
    return float(np.median(rates))


params = {
    "tree_method": "hist",
    "objective": "binary:logistic" if classification else "reg:squarederror",
    "max_depth": config["maxDepth"],
    "eta": config["learningRate"],
    "lambda": config["l2"],
    "min_child_weight": config["minHessianLeaf"],
    "max_bin": config["maxBins"],
    "nthread": 1,
    "seed": 1,
}
booster = xgb.train(params, xgb.DMatrix(x_train, label=y_train, nthread=1), num_boost_round=config["nTrees"])
booster.set_param({"nthread": 1})
model = json.loads(booster.save_raw("json"))
xgb_trees = []
for t in model["learner"]["gradient_booster"]["model"]["trees"]:
    xgb_trees.append(
        {
            "left": t["left_children"],
            "right": t["right_children"],
            "feature": t["split_indices"],
            "lessThan": t["split_conditions"],
            "defaultLeft": t["default_left"],
        }
    )
base_score = float(model["learner"]["learner_model_param"]["base_score"])
with open(os.path.join(data_dir, "trees-xgboost.json"), "w") as handle:
    json.dump({"trees": xgb_trees, "baseScore": base_score}, handle)
xgb_margins = booster.inplace_predict(x_test, predict_type="margin").astype(np.float64)
xgb_margins.tofile(os.path.join(data_dir, "xgboost-margins.f64"))

# ReproML's trees in an XGBoost booster: x <= t becomes x < next_up(t), missing follows missingLeft.
with open(os.path.join(data_dir, "trees-reproml.json")) as handle:
    ours = json.load(handle)
template = model["learner"]["gradient_booster"]["model"]["trees"][0]
converted = []
for index, tree in enumerate(ours["trees"]):
    n = len(tree["feature"])
    parents = [INT_MAX] * n
    for node in range(n):
        if tree["feature"][node] >= 0:
            parents[tree["left"][node]] = node
            parents[tree["right"][node]] = node
    leaf = [f < 0 for f in tree["feature"]]
    converted.append(
        {
            **template,
            "id": index,
            "base_weights": [tree["value"][i] if leaf[i] else 0.0 for i in range(n)],
            "default_left": [1 if (not leaf[i] and tree["missingLeft"][i]) else 0 for i in range(n)],
            "left_children": [-1 if leaf[i] else tree["left"][i] for i in range(n)],
            "right_children": [-1 if leaf[i] else tree["right"][i] for i in range(n)],
            "loss_changes": [0.0] * n,
            "parents": parents,
            "split_conditions": [tree["value"][i] if leaf[i] else next_up_f32(tree["threshold"][i]) for i in range(n)],
            "split_indices": [0 if leaf[i] else tree["feature"][i] for i in range(n)],
            "split_type": [0] * n,
            "sum_hessian": [1.0] * n,
            "tree_param": {**template["tree_param"], "num_nodes": str(n)},
        }
    )
model["learner"]["gradient_booster"]["model"]["trees"] = converted
model["learner"]["gradient_booster"]["model"]["tree_info"] = [0] * len(converted)
model["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = str(len(converted))
# XGBoost adds base_score (as a margin) to every row; ReproML's base margin goes there.
margin = ours["baseMargin"]
model["learner"]["learner_model_param"]["base_score"] = str(1 / (1 + np.exp(-margin)) if classification else margin)
ours_booster = xgb.Booster()
ours_booster.load_model(bytearray(json.dumps(model), "utf8"))
ours_booster.set_param({"nthread": 1})
ours_margins = ours_booster.inplace_predict(x_test, predict_type="margin").astype(np.float64)
expected = np.fromfile(os.path.join(data_dir, "reproml-margins.f64"), dtype="<f8")

print(
    json.dumps(
        {
            "version": xgb.__version__,
                        "reproMLTreesInXgboost": {
                "max": float(np.max(np.abs(ours_margins - expected))),
                "rowsOver1e4": int(np.sum(np.abs(ours_margins - expected) > 1e-4)),
                # What is left once the same offset on every row (the base score) is taken out.
                "maxAroundMedian": float(np.max(np.abs(ours_margins - expected - np.median(ours_margins - expected)))),
            },
            "rates": {
                "XGBoost trees, XGBoost inplace_predict": rate(lambda: booster.inplace_predict(x_test)),
                "ReproML trees, XGBoost inplace_predict": rate(lambda: ours_booster.inplace_predict(x_test)),
                "XGBoost trees, XGBoost inplace_predict, the first test row repeated": rate(lambda: booster.inplace_predict(x_same)),
                "ReproML trees, XGBoost inplace_predict, the first test row repeated": rate(lambda: ours_booster.inplace_predict(x_same)),
            },
        }
    )
)
