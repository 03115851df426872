"""`casestudy app`: the Streamlit command it runs, bound to localhost unless asked, with safe settings."""

from __future__ import annotations

import pytest

from casestudy.app import SCRIPT, is_loopback, streamlit_command
from casestudy.cli import build_parser, main


def _run(argv: list[str]) -> tuple[int, list[list[str]]]:
    """Run ``casestudy app ARGV`` with a runner that records the command instead of starting Streamlit."""
    ran: list[list[str]] = []
    args = build_parser(load=["app"]).parse_args(["app", *argv])
    return args.func(args, runner=lambda command: ran.append(command) or 0), ran


def test_the_app_is_served_on_localhost_headless_without_usage_statistics(capsys) -> None:
    status, ran = _run([])
    assert status == 0 and len(ran) == 1
    command = ran[0]
    assert command[1:5] == ["-m", "streamlit", "run", str(SCRIPT)]
    for setting in (
        "--server.address=127.0.0.1",
        "--server.port=8501",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--server.enableXsrfProtection=true",
        "--server.maxUploadSize=64",
    ):
        assert setting in command[: command.index("--")]
    assert command[command.index("--") + 1 :] == ["--max-upload-mb=64", "--max-megapixels=48"]
    assert "http://127.0.0.1:8501" in capsys.readouterr().out


def test_another_host_is_served_on_request_with_a_warning(capsys) -> None:
    status, ran = _run(["--host", "0.0.0.0", "--port", "9000", "--weights", "runs", "--max-upload-mb", "10"])
    assert status == 0
    assert {"--server.address=0.0.0.0", "--server.port=9000", "--server.maxUploadSize=10"} <= set(ran[0])
    assert "--client.showErrorDetails=type" in ran[0] and ran[0][-1] == "--weights=runs"
    assert "not localhost: anyone who can reach this machine" in capsys.readouterr().err


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                 ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_bad_port_is_a_one_line_error(capsys) -> None:
    assert main(["app", "--port", "70000"]) == 1
    assert "--port 70000: not a port number" in capsys.readouterr().err


def test_extra_settings_reach_the_page_after_the_separator() -> None:
    command = streamlit_command(params="p.json", max_megapixels=12.5)
    assert command[command.index("--") + 1 :] == ["--max-upload-mb=64", "--max-megapixels=12.5", "--params=p.json"]


def test_without_streamlit_the_command_says_how_to_install_it(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    assert main(["app"]) == 1
    assert "the web app needs Streamlit: pip install" in capsys.readouterr().err
