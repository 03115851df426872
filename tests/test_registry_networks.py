"""One source of network names: a network registered once shows up in every list of networks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from casestudy.evaluation import methods
from casestudy.models import MODELS, ModelSpec, register_model, unregister_model


@pytest.fixture
def throwaway() -> Iterator[str]:
    """A fourth network, registered for the test only (a one-layer builder in ``fakes``)."""
    spec = register_model(ModelSpec(
        name="tinynet", label="TinyNet", paper="a test", builder_path="fakes:build_tinynet", multiple=1,
        width_meaning="channels", widths={"smoke": 2, "laptop": 2, "gpu": 2},
    ))  # fmt: skip
    yield spec.name
    unregister_model(spec.name)
    methods.METHODS.pop(spec.name, None)


def test_a_registered_network_appears_in_evaluate_denoise_the_app_and_the_report(
    throwaway: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    import pandas as pd

    from casestudy import config
    from casestudy.app import logic
    from casestudy.evaluation import report
    from casestudy.inference import denoise as inference

    assert throwaway in methods.METHODS and methods.METHODS[throwaway].label == "TinyNet"
    assert methods.parse_methods(f"noisy,{throwaway}") == ["noisy", throwaway]
    parser = argparse.ArgumentParser()
    inference.add_arguments(parser)
    assert parser.parse_args(["in.png", "out.png", "--method", throwaway]).method == throwaway
    assert logic.method_labels()[throwaway] == "TinyNet"
    assert list(logic.method_labels())[-1] == throwaway  # after the filters and the other networks
    model = MODELS[throwaway].build(MODELS[throwaway].width("smoke"))
    assert model.name == throwaway
    from casestudy.models import network_names

    assert network_names()[-1] == throwaway
    # the report gathers the rows a notebook saved for every registered network, this one too
    monkeypatch.setattr(config, "reports_dir", lambda: tmp_path)
    row = {column: "x" for column in report.ROW_COLUMNS} | {"method": throwaway, "psnr": 30.0, "ssim": 0.9,
                                                            "seconds": 1.0, "megapixels": 1.0, "s_per_mp": 1.0}  # fmt: skip
    report.save_rows(pd.DataFrame([row]), report.results_path(tmp_path / "set", "test", throwaway))
    assert list(report.merged_rows(tmp_path / "set", "test")["method"]) == [throwaway]


def test_an_unknown_network_name_is_refused_everywhere() -> None:
    from casestudy.app import logic

    with pytest.raises(methods.UnknownMethodError, match="nosuchnet"):
        methods.parse_methods("nosuchnet")
    with pytest.raises(ValueError, match="nosuchnet"):
        logic.load_method("nosuchnet")
    with pytest.raises(ValueError, match="no width for profile"):
        ModelSpec(name="x", label="X", paper="", builder_path="m:f", multiple=1, width_meaning="", widths={"smoke": 1})


def test_the_registry_is_read_without_importing_keras() -> None:
    code = (
        "import sys; from casestudy.models import MODELS, network_labels; "
        "assert list(MODELS) == ['rednet', 'mwcnn', 'pridnet', 'nafnet'], list(MODELS); "
        "assert network_labels()['pridnet'] == 'PRIDNet'; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules, 'keras was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
