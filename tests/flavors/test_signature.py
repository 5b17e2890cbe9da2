"""Signatures: inference from examples and precise validation errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cairn.errors import SchemaMismatch
from cairn.flavors.signature import infer_schema, infer_signature, validate


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": np.array([31, 45, 28], dtype="int64"),
            "income": [52000.0, None, 61000.5],
            "city": ["Lyon", "Oslo", "Porto"],
            "member": [True, False, True],
        }
    )


def test_dataframe_schema_has_names_dtypes_and_optional_columns(people: pd.DataFrame) -> None:
    schema = infer_schema(people)
    assert schema == {
        "type": "dataframe",
        "columns": [
            {"name": "age", "dtype": "int64", "optional": False},
            {"name": "income", "dtype": "float64", "optional": True},
            {"name": "city", "dtype": "string", "optional": False},
            {"name": "member", "dtype": "bool", "optional": False},
        ],
    }


def test_records_infer_like_a_dataframe(people: pd.DataFrame) -> None:
    records = people.astype(object).where(people.notna(), None).to_dict("records")
    assert infer_schema(records)["columns"][0] == {
        "name": "age",
        "dtype": "int64",
        "optional": False,
    }


def test_tensor_schema_and_named_tensors() -> None:
    arr = np.zeros((5, 3, 2), dtype="float32")
    assert infer_schema(arr) == {"type": "tensor", "dtype": "float32", "shape": [-1, 3, 2]}
    named = infer_schema({"ids": np.zeros((2, 4), dtype="int64"), "mask": np.ones((2, 4), bool)})
    assert named["type"] == "tensors"
    assert [t["name"] for t in named["tensors"]] == ["ids", "mask"]
    sig = infer_signature(arr, np.zeros(5))
    assert sig["outputs"] == {"type": "tensor", "dtype": "float64", "shape": [-1]}


def test_validate_reports_the_column_and_the_types(people: pd.DataFrame) -> None:
    sig = {"inputs": infer_schema(people)}
    bad = [{"age": "forty", "income": 1.0, "city": "Rome", "member": True}]
    with pytest.raises(SchemaMismatch, match="column 'age': expected int64, got string"):
        validate(sig, bad)
    with pytest.raises(SchemaMismatch, match="column 'city' missing"):
        validate(sig, [{"age": 1, "income": 1.0, "member": True}])
    with pytest.raises(SchemaMismatch, match="column 'member': expected bool, got int64"):
        validate(sig, [{"age": 1, "income": 1.0, "city": "x", "member": 3}])
    with pytest.raises(SchemaMismatch, match="column 'age': has missing values but is required"):
        validate(sig, [{"age": None, "income": 1.0, "city": "x", "member": True}, {"age": 3}])


def test_validate_normalises_every_input_shape(people: pd.DataFrame) -> None:
    sig = {"inputs": infer_schema(people)}
    rows = [[40, 1.5, "Rome", False]]
    for data in (
        rows,
        [{"age": 40, "income": 1.5, "city": "Rome", "member": False, "extra": 1}],
        {"age": [40], "income": [1.5], "city": ["Rome"], "member": [False]},
        {"age": 40, "income": 1.5, "city": "Rome", "member": False},
    ):
        out = validate(sig, data)
        assert list(out.columns) == ["age", "income", "city", "member"]
        assert str(out["age"].dtype) == "int64" and out["city"].iloc[0] == "Rome"
    # an optional column may be left out; int32 widens to int64; ints become floats
    out = validate(sig, [{"age": np.int32(3), "city": "x", "member": True}])
    assert np.isnan(out["income"].iloc[0]) and str(out["age"].dtype) == "int64"
    out = validate(sig, [{"age": 3, "income": 7, "city": "x", "member": True}])
    assert str(out["income"].dtype) == "float64"
    with pytest.raises(SchemaMismatch, match="expected 4 columns"):
        validate(sig, [[1, 2]])


def test_validate_tensors() -> None:
    sig = {"inputs": {"type": "tensor", "dtype": "float32", "shape": [-1, 3]}}
    out = validate(sig, [[1, 2, 3], [4, 5, 6]])
    assert out.dtype == np.float32 and out.shape == (2, 3)
    assert validate(sig, [1.0, 2.0, 3.0]).shape == (1, 3)  # one row without the batch axis
    with pytest.raises(SchemaMismatch, match=r"input: expected shape \(-1, 3\), got \(2, 2\)"):
        validate(sig, [[1, 2], [3, 4]])
    with pytest.raises(SchemaMismatch, match="input: expected float32, got string"):
        validate(sig, [["a", "b", "c"]])
    named = {"inputs": {"type": "tensors", "tensors": [
        {"name": "x", "type": "tensor", "dtype": "int64", "shape": [-1, 2]}]}}  # fmt: skip
    assert validate(named, [[1, 2]])["x"].dtype == np.int64
    with pytest.raises(SchemaMismatch, match="input 'x': expected int64, got float64"):
        validate(named, {"x": np.array([[1.5, 2.0]])})


def test_without_signature_records_become_a_frame() -> None:
    assert isinstance(validate(None, [{"a": 1}]), pd.DataFrame)
    assert isinstance(validate(None, [[1, 2]]), np.ndarray)
