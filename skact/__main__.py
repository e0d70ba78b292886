"""Command line: ``python -m skact demo``."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys

from ._demo import (
    DEMO_ACTIVATIONS,
    FIGURE_NAME,
    REGRESSION_FIGURE_NAME,
    TASKS,
    run_demo,
)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skact",
        description="skact: scikit-learn MLPs with the activations you choose.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="grid-search activations on demo data and print a table",
        description=(
            "Grid-search the activation of a small network (2-16-16-2, Adam) "
            "on the circle data with cross-validation and print each "
            "activation's accuracy and fit time; with --out, also draw each "
            "activation's decision boundary. With --task regression, do the "
            "same for a regression target over the same points, "
            "y = sin(pi x1) + x2^2 + noise (network 2-16-16-1, R^2; --out "
            "draws each activation's fitted surface). Progress goes to stderr."
        ),
    )
    demo.add_argument(
        "--task",
        choices=TASKS,
        default="classification",
        help="what the networks learn (default: classification)",
    )
    demo.add_argument(
        "--activations",
        nargs="+",
        default=DEMO_ACTIVATIONS,
        metavar="NAME",
        help="activations to compare (default: all built-in ones)",
    )
    demo.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    demo.add_argument(
        "--out",
        metavar="DIR",
        help=(
            f"write the decision boundaries figure to DIR/{FIGURE_NAME}, or "
            f"for regression the fitted surfaces to DIR/{REGRESSION_FIGURE_NAME} "
            "(DIR is created if missing; needs matplotlib)"
        ),
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        try:
            run_demo(args.activations, cv=args.cv, out=args.out, task=args.task)
        except (ValueError, ImportError) as e:
            parser.exit(2, f"python -m skact demo: error: {e}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
