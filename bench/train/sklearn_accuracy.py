"""scikit-learn baseline: LogisticRegression and MLPClassifier (defaults) on the same feature files."""
import json, sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

warnings.simplefilter("ignore", ConvergenceWarning)

def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, :-1], data[:, -1].astype(int)

x_train, y_train = load(sys.argv[1])
x_test, y_test = load(sys.argv[2])
logistic = LogisticRegression(max_iter=5000).fit(x_train, y_train)
mlp = MLPClassifier(random_state=0).fit(x_train, y_train)
print(json.dumps({
    "logistic": float((logistic.predict(x_test) == y_test).mean()),
    "mlp": float((mlp.predict(x_test) == y_test).mean()),
}))
