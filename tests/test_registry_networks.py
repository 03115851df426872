"""One source of network names: a network registered once shows up in every list of networks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from casestudy.models import MODELS, ModelSpec, register_model, unregister_model


@pytest.fixture
def throwaway() -> Iterator[str]:
    """A fourth network, registered for the test only (REDNet's builder under another name)."""
    from casestudy import evaluate

    spec = register_model(ModelSpec(
        name="tinynet", label="TinyNet", paper="a test", builder_path="fakes:build_tinynet", multiple=1,
        width_meaning="channels", widths={"smoke": 2, "laptop": 2, "gpu": 2},
    ))  # fmt: skip
    yield spec.name
    unregister_model(spec.name)
    evaluate.METHODS.pop(spec.name, None)


def test_a_registered_network_appears_in_evaluate_denoise_the_app_and_the_report(throwaway: str) -> None:
    import argparse

    from casestudy import evaluate, inference, report
    from casestudy.app import logic

    assert throwaway in evaluate.METHODS and evaluate.METHODS[throwaway].label == "TinyNet"
    assert evaluate.parse_methods(f"noisy,{throwaway}") == ["noisy", throwaway]
    parser = argparse.ArgumentParser()
    inference.add_arguments(parser)
    assert parser.parse_args(["in.png", "out.png", "--method", throwaway]).method == throwaway
    assert logic.method_labels()[throwaway] == "TinyNet"
    assert list(logic.method_labels())[-1] == throwaway  # after the filters and the other networks
    model = MODELS[throwaway].build(MODELS[throwaway].width("smoke"))
    assert model.name == throwaway
    from casestudy.models import network_names

    assert network_names()[-1] == throwaway
    assert report.merged_rows.__doc__ and "registered network" in report.merged_rows.__doc__


def test_an_unknown_network_name_is_refused_everywhere() -> None:
    from casestudy import evaluate
    from casestudy.app import logic

    with pytest.raises(evaluate.UnknownMethodError, match="nosuchnet"):
        evaluate.parse_methods("nosuchnet")
    with pytest.raises(ValueError, match="nosuchnet"):
        logic.load_method("nosuchnet")
    with pytest.raises(ValueError, match="no width for profile"):
        ModelSpec(name="x", label="X", paper="", builder_path="m:f", multiple=1, width_meaning="", widths={"smoke": 1})


def test_the_registry_is_read_without_importing_keras() -> None:
    code = (
        "import sys; from casestudy.models import MODELS, network_labels; "
        "assert list(MODELS) == ['rednet', 'mwcnn', 'pridnet'], list(MODELS); "
        "assert network_labels()['pridnet'] == 'PRIDNet'; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules, 'keras was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
