"""The two ways to install (pip + pyproject.toml, conda + environment.yml) must not drift apart."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> str:
    return " ".join(requirement.split())


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [req for group in project["optional-dependencies"].values() for req in group]
    return {_normalise(req) for req in project["dependencies"] + extras}


def _environment_pip_requirements() -> set[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip section"
    return {_normalise(req) for req in pip_sections[0] if not req.startswith("--editable")}


def test_environment_yml_lists_the_pyproject_dependencies() -> None:
    in_pyproject = _pyproject_requirements()
    in_environment = _environment_pip_requirements()
    assert in_environment == in_pyproject, (
        f"only in pyproject.toml: {sorted(in_pyproject - in_environment)}; "
        f"only in environment.yml: {sorted(in_environment - in_pyproject)}"
    )


def test_environment_yml_installs_the_project_itself() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert "--editable ." in pip_section
    assert "python=3.11" in environment["dependencies"]


def test_console_script_points_at_the_cli() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["casestudy"] == "casestudy.cli:main"


def test_the_design_packages_are_dependencies() -> None:
    names = {req.split(">")[0].split(";")[0].split("=")[0].strip().lower() for req in _pyproject_requirements()}
    for package in ("keras", "numpy", "pandas", "matplotlib", "seaborn", "scikit-image", "exifread",
                    "pillow", "tqdm", "jupyterlab", "pytest", "nbval"):
        assert package in names, package
    assert {"tensorflow", "tensorflow-cpu"} <= names
