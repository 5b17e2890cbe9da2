"""PyTorch modules: the ``state_dict`` as safetensors, plus the module's import path and its
JSON constructor arguments (``init_kwargs=``). No pickle is written or read.

The class must be importable where the model is loaded: from an installed package, or from the
code files logged with ``code_paths=[...]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError
from cairn.flavors.base import (
    Flavor,
    SaveContext,
    SaveResult,
    check_json,
    class_path,
    import_class,
    inside,
    module_roots,
    require,
)
from cairn.flavors.pyfunc import activate_code, copy_code

__all__ = ["PyTorchFlavor"]

MODEL_FILE = "model.safetensors"


class PyTorchFlavor(Flavor):
    name = "pytorch"
    priority = 10

    def detect(self, obj: Any) -> bool:
        return "torch" in module_roots(obj) and hasattr(obj, "state_dict")

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        torch = require("torch", "torch")
        require("safetensors", "torch")
        from safetensors.torch import save_model

        if not isinstance(obj, torch.nn.Module):
            raise FlavorError(f"{class_path(obj)} is not a torch.nn.Module", "pass the module")
        if type(obj).__module__ == "__main__":
            raise FlavorError(
                f"{type(obj).__qualname__} is defined in __main__, "
                "which cannot be imported at load time",
                "move the class into a module file and pass code_paths=[that file]",
            )
        init_kwargs = ctx.options.pop("init_kwargs", getattr(obj, "init_kwargs", None) or {})
        check_json(init_kwargs, "init_kwargs")
        save_model(obj, str(dest / MODEL_FILE))
        code = copy_code(ctx.code_paths, dest)
        meta = {
            "file": MODEL_FILE,
            "class": class_path(obj),
            "module": type(obj).__module__,
            "init_kwargs": init_kwargs,
            "code": code,
            "dtype": str(next(iter(obj.parameters()), torch.zeros(0)).dtype).removeprefix("torch."),
        }
        return SaveResult(
            format="safetensors", flavor_meta=meta, requirements=["torch", "safetensors", "numpy"]
        )

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        torch = require("torch", "torch")
        require("safetensors", "torch")
        from safetensors.torch import load_model

        fmeta = meta.get("flavor_meta", {})
        activate_code(path, fmeta.get("module", ""), fmeta.get("code", []))
        cls = import_class(fmeta["class"], base=torch.nn.Module)
        try:
            module = cls(**fmeta.get("init_kwargs", {}))
        except TypeError as exc:
            raise FlavorError(
                f"cannot build {fmeta['class']} from init_kwargs ({exc})",
                "log the model with init_kwargs={...} matching its constructor",
            ) from exc
        load_model(module, str(inside(path, fmeta.get("file", MODEL_FILE))), strict=True)
        module.eval()
        return module

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        import numpy as np
        import torch

        from cairn.flavors.signature import _is_frame

        dtype = getattr(torch, meta.get("flavor_meta", {}).get("dtype", "float32"), torch.float32)

        def tensor(value: Any) -> Any:
            arr = value.to_numpy() if _is_frame(value) else np.asarray(value)
            arr = np.ascontiguousarray(arr)
            out = torch.from_numpy(arr if arr.flags.writeable else arr.copy())
            return out.to(dtype) if out.is_floating_point() else out

        with torch.no_grad():
            if isinstance(data, Mapping):
                result = raw(**{k: tensor(v) for k, v in data.items()})
            else:
                result = raw(tensor(data))
        if isinstance(result, tuple | list):
            return tuple(r.detach().cpu().numpy() for r in result)
        return result.detach().cpu().numpy()
