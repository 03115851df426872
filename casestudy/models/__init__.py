"""The denoising networks behind one registry: REDNet, MWCNN, PRIDNet and the NAFNet-style network told the noise.

:data:`MODELS` (:mod:`casestudy.models.registry`) lists them with their papers, widths per
profile and the multiple their input is padded to internally, and is read without importing
Keras. ``build_model("pridnet", profile="laptop")`` builds a network at a profile's width,
:func:`load_model` reads a saved ``.keras`` file in safe mode (:mod:`casestudy.models.loading`;
importing those names imports Keras). Every network takes ``(batch, H, W, 3)`` float32 images in
[0, 1] of any size and batch, and returns the same shape: the input plus a predicted correction.
Introduced in ``05_rednet.ipynb``.
"""

from __future__ import annotations

from typing import Any

from casestudy.models.registry import (
    MODELS, ModelSpec, get_model_spec, network_labels, network_names, networks_up_to, on_register, register_model,
    unregister_model,
)  # fmt: skip

#: Names served by :mod:`casestudy.models.loading`, imported (with Keras) on first use.
_LOADING = (
    "ModelLoadError", "WEIGHTS_DIR_NAME", "build_model", "dtype_policy", "load_model", "load_network", "resolve_weights",
    "weights_path",
)  # fmt: skip

__all__ = ["MODELS", "ModelSpec", "get_model_spec", "network_labels", "network_names", "networks_up_to", "on_register",
           "register_model", "unregister_model", *_LOADING]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LOADING:
        from casestudy.models import loading

        return getattr(loading, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
