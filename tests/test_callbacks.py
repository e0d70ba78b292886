"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9):
progress bars and score monitors over epochs, alone and inside
meta-estimators, stop requests, and teardown however a fit ends."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import threading
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.exceptions import DivergenceError

from _helpers import fitted_state as _fitted_state

callback = pytest.importorskip("sklearn.callback")
ProgressBar, ScoringMonitor = callback.ProgressBar, callback.ScoringMonitor

# Few epochs on purpose wherever a model is trained only to have one.
short_training = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
ESTIMATORS = [ActivationMLPClassifier, ActivationMLPRegressor]


def _data(Estimator, n=120):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3))
    y = X[:, 0] - X[:, 1] ** 2
    if Estimator is ActivationMLPClassifier:
        y = (y > np.median(y)).astype(int)
    return X, y


def _model(Estimator, **params):
    params = {"hidden_layer_sizes": (6,), "max_iter": 5, "random_state": 0, **params}
    return Estimator(**params)


class Recorder:
    """A callback that records its hooks' calls, and can stop training or
    raise in one of them.

    Auto-propagated (it has ``max_propagation_depth``): set on a
    meta-estimator, it reaches the skact estimator inside.
    ``events`` holds ``(hook, estimator name, task name, task id,
    max_subtasks)``; ``snapshots`` the ``fitted_estimator`` of every epoch
    end, in order.
    """

    max_propagation_depth = None

    def __init__(self, stop_at=None, raise_in=None, error=RuntimeError):
        self.stop_at, self.raise_in, self.error = stop_at, raise_in, error
        self.events, self.snapshots = [], []
        self.setups = self.teardowns = 0

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        self.teardowns += 1

    def _record(self, hook, context):
        event = (
            hook,
            context.estimator_name,
            context.task_name,
            context.task_id,
            context.max_subtasks,
        )
        self.events.append(event)
        if self.raise_in is not None and event[:4] == self.raise_in:
            raise self.error("raised by a callback")

    def on_fit_task_begin(self, estimator, context, *, X=None, fitted_estimator=None):
        self._record("begin", context)

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        self._record("end", context)
        if context.task_name in ("epoch", "iteration"):
            self.snapshots.append(fitted_estimator)
            return self.stop_at is not None and context.task_id + 1 == self.stop_at
        return False

    def epochs(self, hook="end"):
        return [
            e for e in self.events if e[0] == hook and e[2] in ("epoch", "iteration")
        ]

    def runs(self):
        """Epochs ended in each skact fit or partial_fit call, in order."""
        counts = []
        for hook, name, task, *_ in self.events:
            if name.startswith("ActivationMLP") and task in ("fit", "partial_fit"):
                if hook == "begin":
                    counts.append(0)
            elif hook == "end" and task in ("epoch", "iteration"):
                counts[-1] += 1
        return counts


@contextlib.contextmanager
def no_unsupported_callback_warning():
    """Fail on scikit-learn's "The estimator ... does not support callbacks"."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*does not support callbacks")
        yield


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Progress bars rendered 200 columns wide: the names are not cut."""
    monkeypatch.setenv("COLUMNS", "200")


def fitted_state(est):
    """_helpers' fingerprint of what fit set, without the callbacks (whose
    own records change as they run)."""
    callbacks = vars(est).pop("_skl_callbacks", None)
    try:
        return _fitted_state(est)
    finally:
        if callbacks is not None:
            est._skl_callbacks = callbacks


def _assert_torn_down(estimator):
    assert "_callback_fit_ctx" not in vars(estimator)
    assert "_skl_callbacks_to_teardown" not in vars(estimator)


def _thread_count():
    """Live threads, but for the accept threads of scikit-learn's callback
    transport: in 1.9.1 each ProgressBar fit leaves one blocked in
    ``accept`` after closing its listener, success or not (see
    scikit-learn/scikit-learn#34856)."""
    return sum(not t.name.endswith("(_accept)") for t in threading.enumerate())


def _wait_for_threads(baseline, timeout=5.0):
    """Whether the thread count comes back to ``baseline``."""
    deadline = time.monotonic() + timeout
    while _thread_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    return _thread_count() <= baseline


def _progress_monitors():
    return [
        t for t in threading.enumerate() if type(t).__name__ == "RichProgressMonitor"
    ]


# ----------------------------------------------------------------------
# Free without callbacks
# ----------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cleared_callbacks_train_as_none_were_set(Estimator):
    # set_callbacks() with nothing clears them: the fit is the plain one.
    X, y = _data(Estimator)
    plain = _model(Estimator).fit(X, y)
    cleared = _model(Estimator).set_callbacks(Recorder()).set_callbacks().fit(X, y)
    for a, b in zip(plain.coefs_, cleared.coefs_):
        np.testing.assert_array_equal(a, b)
    assert "_skl_callbacks" not in vars(cleared)


# ----------------------------------------------------------------------
# ProgressBar
# ----------------------------------------------------------------------
@short_training
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_progress_bar_over_a_fit(Estimator, solver, capsys):
    pytest.importorskip("rich")
    X, y = _data(Estimator)
    recorder = Recorder()
    est = _model(Estimator, solver=solver).set_callbacks(ProgressBar(), recorder)
    est.fit(X, y)
    out = capsys.readouterr().out
    assert f"{Estimator.__name__} - fit" in out
    assert "100%" in out
    # One subtask per epoch (L-BFGS iteration), as many as were run.
    assert est.n_iter_ == 5
    task = "iteration" if solver == "lbfgs" else "epoch"
    assert recorder.epochs() == [
        ("end", Estimator.__name__, task, k, 0) for k in range(5)
    ]
    assert recorder.events[0] == ("begin", Estimator.__name__, "fit", 0, 5)
    assert recorder.events[-1] == ("end", Estimator.__name__, "fit", 0, 5)
    assert recorder.setups == recorder.teardowns == 1
    _assert_torn_down(est)
    assert not _progress_monitors()


@short_training
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_progress_bar_inside_a_pipeline(Estimator, capsys):
    pytest.importorskip("rich")
    X, y = _data(Estimator)
    recorder = Recorder()
    pipe = make_pipeline(StandardScaler(), _model(Estimator))
    pipe.set_callbacks(ProgressBar(), recorder)
    with no_unsupported_callback_warning():
        pipe.fit(X, y)
    out = capsys.readouterr().out
    assert "Pipeline - fit" in out
    assert f"{Estimator.__name__} - fit" in out
    assert recorder.runs() == [5]
    # The propagated callbacks are taken back after the fit.
    assert "_skl_callbacks" not in vars(pipe[-1])
    _assert_torn_down(pipe[-1])


@short_training
def test_progress_bar_inside_a_grid_search_of_pipelines(capsys):
    pytest.importorskip("rich")
    X, y = _data(ActivationMLPClassifier)
    recorder = Recorder()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), _model(ActivationMLPClassifier)),
        {"activationmlpclassifier__max_iter": [2, 3]},
        cv=2,
    )
    # Depth 2: the search, its pipelines, their networks.
    search.set_callbacks(ProgressBar(max_propagation_depth=None), recorder)
    with no_unsupported_callback_warning():
        search.fit(X, y)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out
    assert out.count("ActivationMLPClassifier - fit") == 5  # 2 x 2 folds + refit
    # Every fit's progress went to its number of epochs.
    best = search.best_params_["activationmlpclassifier__max_iter"]
    assert recorder.runs() == [2, 2, 3, 3, best]
    assert not _progress_monitors()


@short_training
def test_progress_bar_inside_a_grid_search_directly(capsys):
    pytest.importorskip("rich")
    X, y = _data(ActivationMLPRegressor)
    recorder = Recorder()
    search = GridSearchCV(
        _model(ActivationMLPRegressor, solver="lbfgs"), {"max_iter": [2, 4]}, cv=2
    )
    search.set_callbacks(ProgressBar(), recorder)  # the default depth, 1
    with no_unsupported_callback_warning():
        search.fit(X, y)
    out = capsys.readouterr().out
    assert out.count("ActivationMLPRegressor - fit") == 5
    assert recorder.runs() == [2, 2, 4, 4, search.best_params_["max_iter"]]


@short_training
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_progress_bar_in_cross_validate(Estimator, capsys):
    # cross_validate passes no callback context (scikit-learn 1.9): the
    # callbacks set on the estimator go with its clones, one bar per fold.
    pytest.importorskip("rich")
    X, y = _data(Estimator)
    recorder = Recorder()
    est = _model(Estimator).set_callbacks(ProgressBar(), recorder)
    result = cross_validate(est, X, y, cv=3)
    assert len(result["test_score"]) == 3
    out = capsys.readouterr().out
    assert out.count(f"{Estimator.__name__} - fit") == 3
    assert recorder.runs() == [5, 5, 5]
    assert recorder.setups == recorder.teardowns == 3


# ----------------------------------------------------------------------
# ScoringMonitor and fitted snapshots
# ----------------------------------------------------------------------
def _epoch_scores(monitor, name, task="epoch"):
    rows = monitor.get_logs().data
    return [row[name] for row in rows if row["task_name"] == task]


@short_training
@pytest.mark.parametrize(
    "Estimator, scoring",
    [(ActivationMLPClassifier, "neg_log_loss"), (ActivationMLPRegressor, "r2")],
)
def test_scoring_monitor_scores_each_epochs_weights(Estimator, scoring):
    # The reference: the same training one epoch at a time (warm_start keeps
    # the optimizer's state; without shuffling the epochs are the same),
    # scored after each epoch.
    X, y = _data(Estimator)
    params = dict(shuffle=False, batch_size=50, learning_rate_init=0.05)
    scorer = check_scoring(_model(Estimator), scoring)
    stepped = _model(Estimator, max_iter=1, warm_start=True, **params)
    expected = [scorer(stepped.fit(X, y), X, y) for _ in range(5)]

    monitor = ScoringMonitor(scoring=scoring)
    est = _model(Estimator, **params).set_callbacks(monitor)
    est.fit(X, y)
    scores = _epoch_scores(monitor, scoring)
    assert len(scores) == est.n_iter_ == 5
    assert_allclose(scores, expected, rtol=1e-10)
    assert len(set(scores)) == 5  # the weights changed between epochs
    # The fit task itself is scored on the final model.
    (final,) = _epoch_scores(monitor, scoring, task="fit")
    assert final == pytest.approx(scorer(est, X, y), rel=1e-12)
    assert_array_equal(est.coefs_[0], stepped.coefs_[0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scoring_monitor_scores_each_lbfgs_iteration():
    # L-BFGS iterates do not depend on max_iter: fitting with max_iter=k
    # gives the k-th iterate.
    Estimator = ActivationMLPRegressor
    X, y = _data(Estimator)
    expected = [
        _model(Estimator, solver="lbfgs", max_iter=k).fit(X, y).score(X, y)
        for k in range(1, 6)
    ]
    monitor = ScoringMonitor(scoring="r2")
    _model(Estimator, solver="lbfgs").set_callbacks(monitor).fit(X, y)
    assert_allclose(_epoch_scores(monitor, "r2", task="iteration"), expected, rtol=1e-9)


@short_training
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_fitted_estimators_hold_copies_of_their_epochs_weights(solver):
    X, y = _data(ActivationMLPClassifier)
    recorder = Recorder()
    clf = _model(ActivationMLPClassifier, solver=solver).set_callbacks(recorder)
    clf.fit(X, y)
    snapshots = recorder.snapshots
    assert len(snapshots) == 5
    weights = [s.coefs_[0] for s in snapshots]
    for a, b in zip(weights, weights[1:]):
        assert not np.shares_memory(a, b)
        assert not np.array_equal(a, b)
    assert not any(np.shares_memory(w, clf.coefs_[0]) for w in weights)
    assert_array_equal(weights[-1], clf.coefs_[0])
    for k, snapshot in enumerate(snapshots, start=1):
        assert snapshot is not clf
        assert snapshot.n_iter_ == k
        assert snapshot.predict_proba(X).shape == (len(X), 2)


# ----------------------------------------------------------------------
# Stopping
# ----------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_stop_request_ends_training_cleanly(Estimator, solver):
    X, y = _data(Estimator)
    recorder = Recorder(stop_at=3)
    est = _model(Estimator, solver=solver, max_iter=50).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert len(est.loss_curve_) == 3
    assert len(recorder.epochs()) == 3
    # The model is the one the callback saw at the third epoch's end.
    assert_array_equal(est.coefs_[0], recorder.snapshots[-1].coefs_[0])
    assert est.predict(X).shape == (len(X),)
    assert recorder.events[-1][:3] == ("end", Estimator.__name__, "fit")
    _assert_torn_down(est)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_stop_request_at_max_iter_gives_no_convergence_warning(solver):
    X, y = _data(ActivationMLPClassifier)
    clf = _model(ActivationMLPClassifier, solver=solver).set_callbacks(
        Recorder(stop_at=5)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert clf.n_iter_ == 5


# ----------------------------------------------------------------------
# partial_fit
# ----------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_is_one_task_per_call(Estimator):
    X, y = _data(Estimator)
    recorder = Recorder()
    # scoring=None fails in ScoringMonitor (1.9.1): the estimator's default
    # scorer returns a float where a dict is expected.
    scoring = "accuracy" if Estimator is ActivationMLPClassifier else "r2"
    monitor = ScoringMonitor(scoring=scoring)
    est = _model(Estimator).set_callbacks(recorder, monitor)
    extra = {"classes": [0, 1]} if Estimator is ActivationMLPClassifier else {}
    scores = []
    for batch in np.array_split(np.arange(len(X)), 3):
        est.partial_fit(X[batch], y[batch], **extra)
        scores.append(est.score(X[batch], y[batch]))
    name = Estimator.__name__
    assert recorder.events == 3 * [
        ("begin", name, "partial_fit", 0, 0),
        ("end", name, "partial_fit", 0, 0),
    ]
    assert recorder.setups == recorder.teardowns == 3
    assert not recorder.epochs()
    logs = monitor.get_logs(select="all")
    assert [len(log.data) for log in logs] == [1, 1, 1]
    assert_allclose([log.data[0][scoring] for log in logs], scores, rtol=1e-12)
    _assert_torn_down(est)


# ----------------------------------------------------------------------
# Failures: the estimator is left as it was, teardown runs, no thread stays
# ----------------------------------------------------------------------
def _fitted_with(callbacks, **params):
    X, y = _data(ActivationMLPClassifier)
    clf = _model(ActivationMLPClassifier, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.set_callbacks(*callbacks)
    return clf, X, y, fitted_state(clf)


@short_training
@pytest.mark.parametrize(
    "raise_in",
    [
        ("begin", "ActivationMLPClassifier", "fit", 0),
        ("begin", "ActivationMLPClassifier", "epoch", 2),
        ("end", "ActivationMLPClassifier", "epoch", 2),
        ("end", "ActivationMLPClassifier", "fit", 0),
    ],
)
def test_a_raising_hook_leaves_the_estimator_as_it_was(raise_in):
    pytest.importorskip("rich")
    baseline = _thread_count()
    recorder = Recorder(raise_in=raise_in)
    clf, X, y, state = _fitted_with([ProgressBar(), recorder])
    with pytest.raises(RuntimeError, match="raised by a callback"):
        clf.fit(X, y)
    assert fitted_state(clf) == state
    assert recorder.setups == recorder.teardowns == 1
    _assert_torn_down(clf)
    assert not _progress_monitors()
    assert _wait_for_threads(baseline)


def test_teardown_after_divergence():
    pytest.importorskip("rich")
    baseline = _thread_count()
    recorder = Recorder()
    clf, X, y, state = _fitted_with([ProgressBar(), recorder])
    clf.set_params(learning_rate_init=1e200, max_iter=20)
    with pytest.raises(DivergenceError):
        clf.fit(X, y)
    assert fitted_state(clf) == state
    assert recorder.setups == recorder.teardowns == 1
    _assert_torn_down(clf)
    assert _wait_for_threads(baseline)


@pytest.mark.parametrize("partial", [False, True])
def test_teardown_after_bad_input(partial):
    pytest.importorskip("rich")
    baseline = _thread_count()
    recorder = Recorder()
    clf, X, y, state = _fitted_with([ProgressBar(), recorder])
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.partial_fit(X_bad, y) if partial else clf.fit(X_bad, y)
    assert fitted_state(clf) == state
    assert recorder.setups == recorder.teardowns == 1
    assert recorder.events == [
        (
            "begin",
            "ActivationMLPClassifier",
            "partial_fit" if partial else "fit",
            0,
            0 if partial else 5,
        )
    ]
    _assert_torn_down(clf)
    assert _wait_for_threads(baseline)


def test_teardown_after_keyboard_interrupt_before_training():
    pytest.importorskip("rich")
    baseline = _thread_count()
    recorder = Recorder(
        raise_in=("begin", "ActivationMLPClassifier", "fit", 0), error=KeyboardInterrupt
    )
    clf, X, y, state = _fitted_with([ProgressBar(), recorder])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert fitted_state(clf) == state
    assert recorder.setups == recorder.teardowns == 1
    _assert_torn_down(clf)
    assert not _progress_monitors()
    assert _wait_for_threads(baseline)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_keyboard_interrupt_during_training_keeps_the_epochs_run(solver):
    # Ctrl-C in an epoch ends training with the epochs completed (as without
    # callbacks); the fit task ends and the callbacks are torn down.
    pytest.importorskip("rich")
    baseline = _thread_count()
    task = "iteration" if solver == "lbfgs" else "epoch"
    recorder = Recorder(
        raise_in=("end", "ActivationMLPClassifier", task, 2), error=KeyboardInterrupt
    )
    X, y = _data(ActivationMLPClassifier)
    clf = _model(ActivationMLPClassifier, solver=solver)
    clf.set_callbacks(ProgressBar(), recorder)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3
    assert recorder.events[-1][:3] == ("end", "ActivationMLPClassifier", "fit")
    assert recorder.setups == recorder.teardowns == 1
    _assert_torn_down(clf)
    assert not _progress_monitors()
    assert _wait_for_threads(baseline)


# ----------------------------------------------------------------------
# Clones
# ----------------------------------------------------------------------
@short_training
def test_clones_share_the_callbacks():
    X, y = _data(ActivationMLPRegressor)
    recorder = Recorder()
    est = _model(ActivationMLPRegressor).set_callbacks(recorder)
    clone(est).fit(X, y)
    assert recorder.runs() == [5]
