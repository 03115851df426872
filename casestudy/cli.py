"""The ``casestudy`` command: data, train, evaluate, denoise, app.

Each sub-command is a thin shell over a package function, so that notebooks,
tests and the command line run the same code. Heavy modules (TensorFlow,
scikit-image) are imported only by the sub-command that needs them, which keeps
``casestudy --help`` instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from casestudy import __version__
from casestudy.config import PROFILES


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="run size: smoke, laptop or gpu (default: $CASESTUDY_PROFILE, else laptop)",
    )


def _cmd_data_build(args: argparse.Namespace) -> int:
    from casestudy.config import get_profile
    from casestudy.data.simulated import build_dataset

    profile = get_profile(args.profile)
    report = build_dataset(out=args.out or profile.simulated_dir, profile=profile, seed=args.seed)
    print(report)
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from casestudy.config import get_profile, resolve_data_dir
    from casestudy.data.catalogue import describe, load_catalogue

    root = resolve_data_dir(args.dir, get_profile(args.profile))
    catalogue = load_catalogue(root, layout=args.layout)
    print(describe(catalogue, root))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from casestudy.evaluate import run_cli

    return run_cli(args)


def _cmd_train(args: argparse.Namespace) -> int:
    from casestudy.train import run_cli

    return run_cli(args)


def _not_yet(issue: str):
    def run(args: argparse.Namespace) -> int:
        print(
            f"casestudy {args.command}: not available yet; it arrives with the {issue}.",
            file=sys.stderr,
        )
        return 2

    return run


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command (also used by the tests)."""
    parser = argparse.ArgumentParser(
        prog="casestudy",
        description="Real-image denoising case study: data sets, classical filters, deep networks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data = commands.add_parser("data", help="build the embedded data set, or summarise any data set")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    build = data_commands.add_parser("build", help="build the simulated SIDD-like data set (offline, seeded)")
    _add_profile(build)
    build.add_argument("--out", help="output folder (default: the profile's data/simulated-sidd*)")
    build.add_argument("--seed", type=int, default=None, help="random seed (default: the profile's)")
    build.set_defaults(func=_cmd_data_build)
    info = data_commands.add_parser("info", help="summarise a data set: pairs, scenes, phones, ISO, sizes")
    info.add_argument("dir", nargs="?", help="data folder (default: $CASESTUDY_DATA, else the profile's simulated set)")
    info.add_argument("--layout", help="force a layout: sidd, renoir, nind, folders")
    _add_profile(info)
    info.set_defaults(func=_cmd_data_info)

    train = commands.add_parser("train", help="train a network (REDNet, MWCNN, PRIDNet)")
    _add_profile(train)
    from casestudy.train import add_arguments as add_train_arguments

    add_train_arguments(train)
    train.set_defaults(func=_cmd_train)

    evaluate = commands.add_parser("evaluate", help="score denoisers on a data set: PSNR, SSIM, seconds per megapixel")
    _add_profile(evaluate)
    try:
        from casestudy.evaluate import add_arguments
    except ImportError:  # pragma: no cover - only while the module is being written
        evaluate.set_defaults(func=_not_yet("classical filters issue"))
    else:
        add_arguments(evaluate)
        evaluate.set_defaults(func=_cmd_evaluate)

    denoise = commands.add_parser("denoise", help="denoise your own photos, tile by tile")
    _add_profile(denoise)
    denoise.set_defaults(func=_not_yet("tiled inference issue"))

    app = commands.add_parser("app", help="start the local web app")
    app.set_defaults(func=_not_yet("web app issue"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``casestudy`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as error:
        # Bad input is reported in one line naming the file and the problem, not a traceback.
        print(f"casestudy {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
