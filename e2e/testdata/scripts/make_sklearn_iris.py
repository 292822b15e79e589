#!/usr/bin/python3
"""Writes e2e/testdata/models/sklearn-iris: a real scikit-learn model (logistic
regression on the iris data bundled with scikit-learn) in the folder layout and MLmodel
format of MLflow 2.x's mlflow.sklearn.save_model, without MLflow itself.

Made with Debian's python3-sklearn (apt-get install python3-sklearn):

    /usr/bin/python3 e2e/testdata/scripts/make_sklearn_iris.py e2e/testdata/models/sklearn-iris
"""
import json
import os
import pickle
import sys

import numpy
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

iris = load_iris()
model = LogisticRegression(max_iter=500, random_state=0).fit(iris.data, iris.target)
with open(os.path.join(out, "model.pkl"), "wb") as f:
    pickle.dump(model, f, protocol=4)

py = "%d.%d.%d" % sys.version_info[:3]
features = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
inputs = json.dumps([{"type": "double", "name": n, "required": True} for n in features])
outputs = json.dumps([{"type": "long", "required": True}])
size = os.path.getsize(os.path.join(out, "model.pkl"))

mlmodel = f"""artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: {py}
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: pickle
    sklearn_version: {sklearn.__version__}
mlflow_version: 2.9.2
model_size_bytes: {size}
model_uuid: 3f1c2b7e9a0d4e58b6c1d2e3f4a5b6c7
run_id: 0b6f5c3a1d2e4f5a8b9c0d1e2f3a4b5c
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '{inputs}'
  outputs: '{outputs}'
  params: null
utc_time_created: '2026-11-22 03:00:00.000000'
"""
with open(os.path.join(out, "MLmodel"), "w") as f:
    f.write(mlmodel)
with open(os.path.join(out, "conda.yaml"), "w") as f:
    f.write(f"""channels:
- conda-forge
dependencies:
- python={py}
- pip<=23.0.1
- pip:
  - mlflow==2.9.2
  - scikit-learn=={sklearn.__version__}
name: mlflow-env
""")
with open(os.path.join(out, "python_env.yaml"), "w") as f:
    f.write(f"""python: {py}
build_dependencies:
- pip==23.0.1
- setuptools
- wheel
dependencies:
- -r requirements.txt
""")
with open(os.path.join(out, "requirements.txt"), "w") as f:
    f.write(f"mlflow==2.9.2\nnumpy=={numpy.__version__}\nscikit-learn=={sklearn.__version__}\n")
with open(os.path.join(out, "input_example.json"), "w") as f:
    json.dump({"columns": features, "data": iris.data[[0, 50, 100]].tolist()}, f)
    f.write("\n")
print("wrote", out, "- predictions for the input example:", model.predict(iris.data[[0, 50, 100]]).tolist())
