"""Command line: ``python -m skact demo``."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys

from ._demo import DEMO_ACTIVATIONS, run_demo


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skact",
        description="skact: scikit-learn MLPs with the activations you choose.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="fit the circle data with each activation and print a table",
        description=(
            "Cross-validate the seed network (2-16-16-2, Adam) on the circle "
            "data with each activation and print accuracy and fit time."
        ),
    )
    demo.add_argument(
        "--activations",
        nargs="+",
        default=DEMO_ACTIVATIONS,
        metavar="NAME",
        help="activations to compare (default: all built-in ones)",
    )
    demo.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        try:
            run_demo(args.activations, cv=args.cv)
        except ValueError as e:
            parser.exit(2, f"python -m skact demo: error: {e}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
