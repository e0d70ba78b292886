"""Activation settings as scikit-learn nested parameters.

``activation__<setting>`` for an activation object, ``activation__<i>`` and
``activation__<i>__<setting>`` for entry ``i`` of a tuple or list: listed by
``get_params(deep=True)``, changed by ``set_params``, searched by
``GridSearchCV`` (also in worker processes), kept by ``clone`` and pickling.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.activations import ACTIVATIONS, ELU, Activation, LeakyReLU, Softplus

from user_activations import BentIdentity, ScaledTanh

ESTIMATORS = [ActivationMLPClassifier, ActivationMLPRegressor]


def small_net(**params):
    return ActivationMLPClassifier(
        **{
            "hidden_layer_sizes": (8,),
            "solver": "lbfgs",
            "max_iter": 300,
            "random_state": 0,
            **params,
        }
    )


# -- user subclasses of Activation -----------------------------------------------
class Shifted(Activation):
    """tanh(z - shift) with a value derived in the constructor, and a check."""

    def __init__(self, shift=0.0):
        if not np.isfinite(shift):
            raise ValueError("shift must be finite")
        self.shift = shift
        self._minus_shift = -shift  # derived: must follow set_params

    def forward(self, z):
        return np.tanh(z + self._minus_shift)

    def derivative(self, z, a):
        return 1 - a * a


class Configured(Activation):
    """Settings set in a constructor that takes none of them."""

    def __init__(self):
        self.gain = 2.0

    def forward(self, z):
        return self.gain * z

    def derivative(self, z, a):
        return self.gain


# -- the activation objects themselves -------------------------------------------
@pytest.mark.parametrize(
    "activation, setting, value",
    [
        (LeakyReLU(), "negative_slope", 0.3),
        (ELU(), "alpha", 0.5),
        (Softplus(), "beta", 4.0),
        (ScaledTanh(), "slope", 0.25),
    ],
)
def test_builtin_and_user_settings_are_parameters(activation, setting, value):
    before = repr(activation)
    params = activation.get_params()
    assert params == activation.get_params(deep=False)
    assert setting in params
    assert activation.set_params(**{setting: value}) is activation  # in place
    assert activation.get_params()[setting] == value
    assert repr(activation) == before.replace(repr(params[setting]), repr(value))
    # Equality follows the settings, hashing stays defined.
    fresh = type(activation)(**activation.get_params())
    assert fresh == activation and hash(fresh) == hash(activation)


def test_set_params_runs_the_constructors_checks_and_keeps_the_old_value():
    leaky, softplus = LeakyReLU(0.2), Softplus(2.0)
    with pytest.raises(
        ValueError, match="negative_slope must be finite and non-negative"
    ):
        leaky.set_params(negative_slope=-0.1)
    with pytest.raises(ValueError, match="beta must be finite and positive"):
        softplus.set_params(beta=0.0)
    assert leaky == LeakyReLU(0.2) and softplus == Softplus(2.0)
    # The activation still works with its old setting.
    z = np.array([-1.0, 2.0])
    assert_array_equal(leaky.forward(z), [-0.2, 2.0])


def test_set_params_recomputes_what_the_constructor_derives():
    act = Shifted(1.0).set_params(shift=-2.0)
    assert act.shift == -2.0
    assert act.forward(np.array([0.0]))[0] == pytest.approx(np.tanh(2.0))
    with pytest.raises(ValueError, match="finite"):
        act.set_params(shift=np.inf)
    assert act.shift == -2.0 and act._minus_shift == 2.0


def test_constructor_without_the_settings_gets_them_set_as_attributes():
    act = Configured().set_params(gain=3.0)
    assert act.gain == 3.0 and act.forward(np.array([1.0]))[0] == 3.0
    # clone copies it although Configured(gain=3.0) would not construct it.
    copied = clone(act)
    assert copied == act and copied is not act


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match=r"Invalid parameter 'slope'.*negative_slope"):
        LeakyReLU().set_params(slope=0.1)
    assert BentIdentity().get_params() == {}
    with pytest.raises(ValueError, match="Invalid parameter 'scale'"):
        BentIdentity().set_params(scale=2.0)
    assert LeakyReLU().set_params() == LeakyReLU()


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "softplus"])
def test_the_registrys_shared_objects_cannot_be_changed(name):
    shared = ACTIVATIONS[name]
    before = shared.get_params()
    setting = next(iter(before))
    with pytest.raises(ValueError, match="shared object"):
        shared.set_params(**{setting: 0.5})
    assert shared.get_params() == before
    # A copy of one is the user's own.
    assert clone(shared).set_params(**{setting: 0.5}).get_params() == {setting: 0.5}


def test_clone_and_pickle_give_equal_independent_activations():
    act = Shifted(0.5)
    for copied in (clone(act), pickle.loads(pickle.dumps(act))):
        assert copied == act and copied is not act
        assert copied._minus_shift == -0.5  # private state comes along
        copied.set_params(shift=1.0)
        assert act.shift == 0.5


# -- an estimator holding one activation object ------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_estimator_lists_and_sets_the_activations_settings(Estimator):
    leaky = LeakyReLU(0.1)
    est = Estimator(activation=leaky)
    assert est.get_params()["activation__negative_slope"] == 0.1
    assert "activation__negative_slope" not in est.get_params(deep=False)
    assert est.set_params(activation__negative_slope=0.5) is est
    assert est.activation == LeakyReLU(0.5)
    assert est.get_params()["activation__negative_slope"] == 0.5
    # The object the user passed is not changed behind their back.
    assert leaky == LeakyReLU(0.1)
    # Named parameters appear in the repr as scikit-learn shows changed ones.
    assert "LeakyReLU(negative_slope=0.5)" in repr(est)


def test_estimator_set_params_with_a_new_activation_and_its_setting():
    est = small_net().set_params(activation=ELU(), activation__alpha=0.3)
    assert est.activation == ELU(0.3)


def test_refused_setting_leaves_the_estimator_unchanged():
    est = small_net(activation=LeakyReLU(0.1))
    with pytest.raises(ValueError, match="non-negative"):
        est.set_params(activation__negative_slope=-1.0)
    assert est.activation == LeakyReLU(0.1)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_get_params_round_trips_through_set_params(Estimator):
    for activation in [Softplus(3.0), ("relu", LeakyReLU(0.2)), [ELU(0.5), "tanh"]]:
        est = Estimator((4, 3), activation=activation)
        params = est.get_params()
        twin = Estimator().set_params(**params)
        assert twin.get_params() == params
        assert type(twin.activation) is type(activation)


def test_names_have_no_settings_and_say_what_to_pass():
    with pytest.raises(ValueError, match=r"name 'leaky_relu'.*LeakyReLU\(\)"):
        small_net(activation="leaky_relu").set_params(activation__negative_slope=0.1)
    with pytest.raises(ValueError, match="'relu' has no settings"):
        small_net(activation="relu").set_params(activation__negative_slope=0.1)
    assert not any(k.startswith("activation__") for k in small_net().get_params())


def test_set_slope_trains_the_same_model_as_the_constructed_one(moons_scaled):
    X, y = moons_scaled
    tuned = small_net(activation=LeakyReLU()).set_params(activation__negative_slope=0.5)
    direct = small_net(activation=LeakyReLU(0.5))
    default = small_net(activation=LeakyReLU())
    for model in (tuned, direct, default):
        model.fit(X, y)
    assert_array_equal(tuned.coefs_[0], direct.coefs_[0])
    assert not np.array_equal(tuned.coefs_[0], default.coefs_[0])


def test_clone_of_estimator_copies_its_activation(moons_scaled):
    est = small_net(activation=Shifted(0.5))
    cloned = clone(est)
    assert cloned.activation == est.activation
    assert cloned.activation is not est.activation
    cloned.set_params(activation__shift=1.0)
    assert est.activation.shift == 0.5


# -- a tuple or list with one activation per layer ---------------------------------
def test_per_layer_entries_and_settings_are_parameters():
    est = ActivationMLPClassifier((4, 3, 2), activation=("relu", LeakyReLU(0.1), ELU()))
    params = est.get_params()
    assert params["activation__0"] == "relu"
    assert params["activation__1"] == LeakyReLU(0.1)
    assert params["activation__1__negative_slope"] == 0.1
    assert params["activation__2__alpha"] == 1.0
    assert not any(k.startswith("activation__0__") for k in params)

    est.set_params(activation__1__negative_slope=0.3, activation__0="tanh")
    assert est.activation == ("tanh", LeakyReLU(0.3), ELU())
    est.set_params(activation__2=Softplus(2.0), activation__2__beta=5.0)
    assert est.activation == ("tanh", LeakyReLU(0.3), Softplus(5.0))


def test_one_object_for_several_layers_is_set_for_one_layer_only():
    shared = LeakyReLU(0.1)
    layers = [shared] * 3
    est = ActivationMLPClassifier((4, 4, 4), activation=layers)
    est.set_params(activation__1__negative_slope=0.5)
    assert est.activation == [LeakyReLU(0.1), LeakyReLU(0.5), LeakyReLU(0.1)]
    assert isinstance(est.activation, list)
    # Neither the user's list nor their object changed.
    assert layers == [shared] * 3 and shared == LeakyReLU(0.1)
    assert est.activation is not layers


def test_per_layer_addressing_errors():
    est = ActivationMLPClassifier((4, 3), activation=("relu", LeakyReLU()))
    with pytest.raises(ValueError, match="activation has 2 entries"):
        est.set_params(activation__2__negative_slope=0.1)
    with pytest.raises(ValueError, match=r"activation\[0\]='relu' has no settings"):
        est.set_params(activation__0__negative_slope=0.1)
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        est.set_params(activation__1__alpha=0.1)
    with pytest.raises(ValueError, match="numbered parameters address the entries"):
        small_net(activation=LeakyReLU()).set_params(activation__0__negative_slope=1)
    assert est.activation == ("relu", LeakyReLU())


def test_per_layer_setting_changes_only_that_layer(moons_scaled):
    X, y = moons_scaled
    est = small_net(hidden_layer_sizes=(6, 6), activation=(LeakyReLU(), LeakyReLU()))
    est.set_params(activation__1__negative_slope=0.5)
    direct = small_net(
        hidden_layer_sizes=(6, 6), activation=(LeakyReLU(), LeakyReLU(0.5))
    )
    assert_array_equal(
        est.fit(X, y).predict_proba(X), direct.fit(X, y).predict_proba(X)
    )


# Whether L-BFGS stops before max_iter depends on SciPy's version and the BLAS;
# this test is about the repr and pickling.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_html_repr_and_pickle_with_per_layer_settings(moons_scaled):
    X, y = moons_scaled
    est = small_net(hidden_layer_sizes=(6, 6), activation=("relu", LeakyReLU(0.2)))
    assert "negative_slope" in est._repr_html_()
    # ~210 iterations needed: far from max_iter whatever the BLAS rounding.
    est.set_params(max_iter=1000).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert restored.get_params() == est.get_params()
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


# -- grid search --------------------------------------------------------------------
SLOPES = [0.0, 0.2, 1.0]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_the_leaky_slope(moons_scaled, n_jobs):
    X, y = moons_scaled
    search = GridSearchCV(
        # Headroom: with OpenBLAS's Sandybridge kernel one of the 9 fits
        # needs more than 300 iterations (fewer with SkylakeX's).
        small_net(activation=LeakyReLU(), max_iter=2000),
        {"activation__negative_slope": SLOPES},
        cv=3,
        n_jobs=n_jobs,
    ).fit(X, y)
    results = search.cv_results_
    assert [p["activation__negative_slope"] for p in results["params"]] == SLOPES
    scores = dict(zip(SLOPES, results["mean_test_score"]))
    # Slope 1 makes the network linear: clearly worse on the moons.
    assert scores[1.0] < min(scores[0.0], scores[0.2]) - 0.05, scores
    assert len(set(results["mean_test_score"])) == 3
    best = search.best_params_["activation__negative_slope"]
    assert best == SLOPES[int(np.argmax(results["mean_test_score"]))]
    assert search.best_estimator_.activation == LeakyReLU(best)
    # The base estimator's activation is untouched.
    assert search.estimator.activation == LeakyReLU()
    if n_jobs == 2:
        serial = GridSearchCV(
            small_net(activation=LeakyReLU(), max_iter=2000),
            {"activation__negative_slope": SLOPES},
            cv=3,
        ).fit(X, y)
        assert_array_equal(
            serial.cv_results_["mean_test_score"], results["mean_test_score"]
        )


# Some candidates (deep tanh-like stacks) use every L-BFGS iteration; their
# scores are still what the test compares.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_per_layer_and_user_settings_in_a_pipeline(moons_scaled):
    X, y = moons_scaled
    pipe = make_pipeline(
        StandardScaler(),
        small_net(hidden_layer_sizes=(6, 6), activation=(ScaledTanh(), ELU())),
    )
    grid = {
        "activationmlpclassifier__activation__0__slope": [0.5, 1.0],
        "activationmlpclassifier__activation__1__alpha": [0.1, 1.0],
    }
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    candidates = {tuple(p.values()) for p in search.cv_results_["params"]}
    assert candidates == {(0.5, 0.1), (0.5, 1.0), (1.0, 0.1), (1.0, 1.0)}
    assert np.all(search.cv_results_["mean_test_score"] > 0.9)
    best = search.best_params_
    activation = search.best_estimator_[-1].activation
    assert activation == (
        ScaledTanh(slope=best["activationmlpclassifier__activation__0__slope"]),
        ELU(best["activationmlpclassifier__activation__1__alpha"]),
    )


# Some candidates (deep tanh-like stacks) use every L-BFGS iteration; their
# scores are still what the test compares.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_over_a_layers_activation(moons_scaled):
    X, y = moons_scaled
    search = GridSearchCV(
        small_net(hidden_layer_sizes=(6, 6), activation=["relu", "relu"]),
        {"activation__1": ["identity", "tanh", Softplus(2.0)]},
        cv=3,
    ).fit(X, y)
    assert search.best_estimator_.activation[0] == "relu"
    assert search.best_estimator_.activation[1] == search.best_params_["activation__1"]


@pytest.mark.parametrize(
    "activation, setting, value, error, message",
    [
        (LeakyReLU(), "negative_slope", "a", TypeError, "a real number"),
        (LeakyReLU(), "negative_slope", None, TypeError, "a real number"),
        (LeakyReLU(), "negative_slope", [0.1], TypeError, "a real number"),
        (LeakyReLU(), "negative_slope", np.inf, ValueError, "finite and non-negative"),
        (ELU(), "alpha", np.inf, ValueError, "finite and non-negative"),
        (Softplus(), "beta", np.inf, ValueError, "finite and positive"),
        (Softplus(), "beta", 0.0, ValueError, "finite and positive"),
    ],
)
def test_bad_input_activation_settings_name_the_setting(
    activation, setting, value, error, message
):
    # A setting that is no number, or inf, is refused where it is set, with
    # its name, instead of failing in a comparison or as divergence later.
    net = ActivationMLPClassifier(activation=activation)
    with pytest.raises(error, match=rf"{setting} must be {message}"):
        net.set_params(**{f"activation__{setting}": value})
    assert net.activation is activation
    with pytest.raises(error, match=rf"{setting} must be {message}"):
        type(activation)(value)
