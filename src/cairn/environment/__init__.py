"""Environment capture and comparison, and Docker/Kubernetes packaging.

``capture_environment`` records where a version was logged; ``diff_environment`` compares that
with the running environment (marker-aware, only the packages that matter). Packaging lives in
:mod:`cairn.environment.packaging`.
"""

from __future__ import annotations

from cairn.environment.capture import capture_environment
from cairn.environment.diff import EnvironmentDiff, check_environment, diff_environment

__all__ = ["EnvironmentDiff", "capture_environment", "check_environment", "diff_environment"]
