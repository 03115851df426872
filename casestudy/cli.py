"""The ``casestudy`` command: data, train, evaluate, denoise, app.

Every sub-command is wired the same way: the module that does the work exposes
``add_arguments(parser)`` (its options) and ``run_cli(args) -> int`` (its exit
status), and :data:`COMMANDS` below registers it under a name, so notebooks,
tests and the command line run the same code. A module is imported only when
its sub-command is used, which keeps ``casestudy --help`` instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Sequence

from casestudy import __version__
from casestudy.config import PROFILES


@dataclasses.dataclass(frozen=True)
class Command:
    """One sub-command: its words (``"data build"``), the module behind it, its help line.

    Attributes:
        profile: whether it takes ``--profile`` (added here, not by the module).
    """

    name: str
    module: str
    help: str
    profile: bool = True


#: Every sub-command, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("data build", "casestudy.data.simulated", "build the simulated SIDD-like data set (offline, seeded)"),
    Command("data info", "casestudy.data.catalogue", "summarise a data set: pairs, scenes, phones, ISO, sizes"),
    Command(
        "data unseen",
        "casestudy.evaluation.unseen.build",
        "build the unseen-noise check: held-out photos, non-simulator noise, three levels",
    ),
    Command("train", "casestudy.training.train", "train a network (REDNet, MWCNN, PRIDNet)"),
    Command(
        "evaluate", "casestudy.evaluation.evaluate", "score denoisers on a data set: PSNR, SSIM, seconds per megapixel"
    ),
    Command(
        "check",
        "casestudy.evaluation.unseen.check",
        "score the shipped networks on the unseen-noise check against NLM and BM3D given the true noise",
        profile=False,
    ),
    Command("denoise", "casestudy.inference.denoise", "denoise your own photos, tile by tile"),
    Command("app", "casestudy.app", "start the local web app (Streamlit, on localhost)", profile=False),
)
#: Help lines of the command groups (the first word of several commands).
GROUPS = {"data": "build the embedded data set, or summarise any data set"}


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="run size: smoke, laptop or gpu (default: $CASESTUDY_PROFILE, else laptop)",
    )


def _wire(parser: argparse.ArgumentParser, command: Command, load: bool) -> None:
    """Give ``parser`` the command's options and its ``run_cli`` (``load=False``: only its name and help)."""
    if command.profile:
        _add_profile(parser)
    if not load:
        return
    module = importlib.import_module(command.module)
    module.add_arguments(parser)
    parser.set_defaults(func=module.run_cli)


def build_parser(load: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of every sub-command (also used by the tests).

    ``load`` names the commands whose modules are imported to add their options
    (``None``: all of them); :func:`main` loads only the one it runs.
    """
    wanted = None if load is None else set(load)
    parser = argparse.ArgumentParser(
        prog="casestudy",
        description="Real-image denoising case study: data sets, classical filters, deep networks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for command in COMMANDS:
        words = command.name.split()
        if len(words) == 1:
            sub = commands.add_parser(words[0], help=command.help)
        else:
            group, action = words
            if group not in groups:
                group_parser = commands.add_parser(group, help=GROUPS.get(group))
                groups[group] = group_parser.add_subparsers(dest=f"{group}_command", metavar="ACTION", required=True)
            sub = groups[group].add_parser(action, help=command.help)
        _wire(sub, command, wanted is None or command.name in wanted)
    return parser


def _selected(argv: Sequence[str]) -> list[str]:
    """The command that ``argv`` names (its words, as in :data:`COMMANDS`), or none."""
    words = [word for word in argv if not word.startswith("-")]
    return [command.name for command in COMMANDS if command.name.split() == words[: len(command.name.split())]]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``casestudy`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(load=_selected(argv)).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as error:
        # Bad input is reported in one line naming the file and the problem, not a traceback.
        print(f"casestudy {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
