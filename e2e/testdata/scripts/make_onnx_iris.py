#!/usr/bin/python3
"""Writes e2e/testdata/models/onnx-iris: a real ONNX model (the iris logistic regression
of make_sklearn_iris.py, its coefficients written as an ONNX graph Gemm -> Softmax, ArgMax)
in the folder layout and MLmodel format of MLflow 2.x's mlflow.onnx.save_model, without
MLflow, skl2onnx or onnxruntime.

Made with Debian's python3-sklearn and python3-onnx:

    /usr/bin/python3 e2e/testdata/scripts/make_onnx_iris.py e2e/testdata/models/onnx-iris
"""
import json
import os
import sys

import numpy
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

iris = load_iris()
lr = LogisticRegression(max_iter=500, random_state=0).fit(iris.data, iris.target)
W = numpy_helper.from_array(lr.coef_.astype(numpy.float32), "coef")
b = numpy_helper.from_array(lr.intercept_.astype(numpy.float32), "intercept")
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["float_input", "coef", "intercept"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
    ],
    "iris_logistic_regression",
    [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, 4])],
    [
        helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3]),
    ],
    initializer=[W, b],
)
model = helper.make_model(graph, producer_name="fuseml-seldon-e2e", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "model.onnx"))

py = "%d.%d.%d" % sys.version_info[:3]
inputs = json.dumps([{"type": "tensor", "name": "float_input", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}])
outputs = json.dumps([
    {"type": "tensor", "name": "label", "tensor-spec": {"dtype": "int64", "shape": [-1]}},
    {"type": "tensor", "name": "probabilities", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}},
])
size = os.path.getsize(os.path.join(out, "model.onnx"))
with open(os.path.join(out, "MLmodel"), "w") as f:
    f.write(f"""artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: {onnx.__version__}
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: {py}
mlflow_version: 2.9.2
model_size_bytes: {size}
model_uuid: 6d2e4f1a3b5c47d89e0f1a2b3c4d5e6f
run_id: 1c7a6d4b2e3f4a5b9c0d1e2f3a4b5c6d
signature:
  inputs: '{inputs}'
  outputs: '{outputs}'
  params: null
utc_time_created: '2026-11-22 03:00:00.000000'
""")
with open(os.path.join(out, "conda.yaml"), "w") as f:
    f.write(f"""channels:
- conda-forge
dependencies:
- python={py}
- pip<=23.0.1
- pip:
  - mlflow==2.9.2
  - onnx=={onnx.__version__}
  - onnxruntime
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
    f.write(f"mlflow==2.9.2\nonnx=={onnx.__version__}\nonnxruntime\n")
print("wrote", out)
