"""Prints the iris data set bundled with scikit-learn (public domain) as JSON."""
import json
from sklearn.datasets import load_iris
iris = load_iris()
print(json.dumps({"features": iris.data.tolist(), "labels": iris.target.tolist(), "classes": list(iris.target_names)}))
