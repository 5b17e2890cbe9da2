"""ONNX graphs, served with onnxruntime (CPU).

``save_model`` takes an ``onnx.ModelProto``, the bytes of one, or the path of a ``.onnx``
file. The signature comes from the graph's declared inputs and outputs when no example is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError
from cairn.flavors.base import Flavor, SaveContext, SaveResult, inside, require

__all__ = ["OnnxFlavor", "graph_signature"]

MODEL_FILE = "model.onnx"

# onnx.TensorProto element types -> NumPy dtype names
_ELEM = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
}  # fmt: skip


def _value_schema(value: Any) -> dict[str, Any] | None:
    tensor = value.type.tensor_type
    if not value.type.HasField("tensor_type"):
        return None
    shape = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
    return {"name": value.name, "type": "tensor", "dtype": _ELEM.get(tensor.elem_type, "object"),
            "shape": shape}  # fmt: skip


def graph_signature(proto: Any) -> dict[str, Any] | None:
    """A ``tensors`` signature from the graph's declared inputs and outputs."""
    inputs = [_value_schema(v) for v in proto.graph.input]
    outputs = [_value_schema(v) for v in proto.graph.output]
    if not inputs or any(i is None for i in inputs):
        return None
    return {
        "inputs": {"type": "tensors", "tensors": inputs},
        "outputs": {"type": "tensors", "tensors": [o for o in outputs if o is not None]},
    }


def _is_onnx_path(obj: Any) -> bool:
    return isinstance(obj, Path | str) and str(obj).endswith(".onnx")


class OnnxFlavor(Flavor):
    name = "onnx"
    priority = 10

    def detect(self, obj: Any) -> bool:
        if _is_onnx_path(obj):
            return Path(obj).is_file()
        return type(obj).__name__ == "ModelProto" and type(obj).__module__.startswith("onnx")

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        onnx = require("onnx", "onnx")
        if _is_onnx_path(obj):
            proto = onnx.load_model(str(obj))
        elif isinstance(obj, bytes):
            proto = onnx.load_model_from_string(obj)
        else:
            proto = obj
        if type(proto).__name__ != "ModelProto":
            raise FlavorError("expected an onnx.ModelProto, its bytes or a .onnx path", "")
        try:
            onnx.checker.check_model(proto)
        except Exception as exc:
            raise FlavorError(f"the ONNX graph is not valid ({exc})", "fix the export") from exc
        (dest / MODEL_FILE).write_bytes(proto.SerializeToString())
        meta = {
            "file": MODEL_FILE,
            "opset": max((o.version for o in proto.opset_import), default=0),
            "inputs": [v.name for v in proto.graph.input],
            "outputs": [v.name for v in proto.graph.output],
            "graph_signature": graph_signature(proto),
            "output": ctx.options.pop("output", None),
        }
        return SaveResult(format="onnx", flavor_meta=meta, requirements=["onnxruntime", "numpy"])

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        ort = require("onnxruntime", "onnx")
        fmeta = meta.get("flavor_meta", {})
        options = ort.SessionOptions()
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(inside(path, fmeta.get("file", MODEL_FILE))),
            options,
            providers=["CPUExecutionProvider"],
        )

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        import numpy as np

        from cairn.flavors.signature import _is_frame

        inputs = raw.get_inputs()
        types = {i.name: _ORT_TYPES.get(i.type) for i in inputs}
        if _is_frame(data):
            if len(inputs) == 1:
                data = data.to_numpy()
            else:  # one graph input per column (skl2onnx converts DataFrames that way)
                cols = [
                    i.name if i.name in data.columns else c
                    for i, c in zip(inputs, data.columns, strict=False)
                ]
                data = {
                    i.name: data[c].to_numpy().reshape(-1, 1)
                    for i, c in zip(inputs, cols, strict=False)
                }
        if not isinstance(data, Mapping):
            data = {inputs[0].name: data}
        feed = {}
        for name, value in data.items():
            arr = np.asarray(value)
            want = types.get(name)
            if want is not None and arr.dtype != want:
                arr = arr.astype(want)
            feed[name] = arr
        wanted = meta.get("flavor_meta", {}).get("output")
        names = [wanted] if wanted else None
        return raw.run(names, feed)[0]


_ORT_TYPES = {
    "tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64",
    "tensor(int32)": "int32", "tensor(bool)": "bool", "tensor(string)": "object",
    "tensor(float16)": "float16", "tensor(uint8)": "uint8", "tensor(int8)": "int8",
}  # fmt: skip
