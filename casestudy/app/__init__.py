"""``casestudy app``: the local web app for denoising your own photos (Streamlit).

``casestudy app [--host 127.0.0.1] [--port 8501] [--weights DIR]`` starts
Streamlit on :mod:`casestudy.app.streamlit_app` with settings fit for serving
photos: bound to localhost unless ``--host`` says otherwise, headless (no
browser opened, no e-mail prompt), no usage statistics sent, no file watcher,
XSRF protection on, and the upload limit of :data:`casestudy.app.logic.MAX_UPLOAD_MB`
enforced by Streamlit's server as well as by the app. ``make app`` runs it.

The package splits what the app does from how it looks: :mod:`casestudy.app.logic`
holds plain, unit-tested functions (decode an upload with its limits, summarise its
EXIF, choose the default method, load and run a method, crops, scores, the download),
:mod:`casestudy.app.swipe` builds the page's before/after swipe, and
:mod:`casestudy.app.streamlit_app` is a thin script of widgets around them.
Introduced in ``09_deployment.ipynb``.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from casestudy.app.logic import MAX_PIXELS, MAX_UPLOAD_MB

#: The Streamlit script, next to this file.
SCRIPT = Path(__file__).resolve().with_name("streamlit_app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def is_loopback(host: str) -> bool:
    """Whether ``host`` can only be reached from this machine (``127.x.x.x``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def streamlit_command(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    weights: str | None = None,
    params: str | None = None,
    max_upload_mb: int = MAX_UPLOAD_MB,
    max_megapixels: float = MAX_PIXELS / 1e6,
    python: str = sys.executable,
) -> list[str]:
    """The command line that serves the app: ``python -m streamlit run streamlit_app.py`` with its settings.

    Options after ``--`` go to the app script itself (weights, settings, limits).
    """
    command = [
        python, "-m", "streamlit", "run", str(SCRIPT),
        f"--server.address={host}",
        f"--server.port={int(port)}",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--server.runOnSave=false",
        "--server.enableXsrfProtection=true",
        f"--server.maxUploadSize={int(max_upload_mb)}",
        "--global.developmentMode=false",
        "--client.toolbarMode=minimal",
        # Tracebacks only for the person at this machine; a page served to others shows the error's type.
        f"--client.showErrorDetails={'full' if is_loopback(host) else 'type'}",
        "--",
        f"--max-upload-mb={int(max_upload_mb)}",
        f"--max-megapixels={max_megapixels:g}",
    ]
    if weights:
        command.append(f"--weights={weights}")
    if params:
        command.append(f"--params={params}")
    return command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``casestudy app``."""
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind (default {DEFAULT_HOST}: this machine only; 0.0.0.0 serves every network)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--weights", help="folder holding <network>.keras files (default: the shipped weights/)")
    parser.add_argument("--params", help="tuned NLM/BM3D settings (default: the laptop set's, if saved)")
    parser.add_argument(
        "--max-upload-mb", type=int, default=MAX_UPLOAD_MB, help=f"largest upload in MB (default {MAX_UPLOAD_MB})"
    )
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=MAX_PIXELS / 1e6,
        help=f"largest photo in megapixels (default {MAX_PIXELS / 1e6:g})",
    )


def run_cli(args: argparse.Namespace, runner: Callable[[list[str]], int] = subprocess.call) -> int:
    """Serve the app until interrupted; the exit status of Streamlit (0 after Ctrl-C).

    ``runner`` runs the command (tests pass one that records it).
    """
    if not 0 < args.port < 65536:
        raise ValueError(f"--port {args.port}: not a port number (1-65535)")
    if args.max_upload_mb < 1 or args.max_megapixels <= 0:
        raise ValueError("--max-upload-mb and --max-megapixels must be positive")
    if importlib.util.find_spec("streamlit") is None:
        raise ValueError("the web app needs Streamlit: pip install 'streamlit>=1.53' (or reinstall the project)")
    command = streamlit_command(
        args.host,
        args.port,
        weights=args.weights,
        params=args.params,
        max_upload_mb=args.max_upload_mb,
        max_megapixels=args.max_megapixels,
    )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"casestudy app: serving on http://{shown}:{args.port} (Ctrl-C stops it)", flush=True)
    if not is_loopback(args.host):
        print(
            f"casestudy app: warning: bound to {args.host}, not localhost: anyone who can reach this machine "
            "can upload photos to it",
            file=sys.stderr,
            flush=True,
        )
    try:
        return int(runner(command))
    except KeyboardInterrupt:
        return 0

