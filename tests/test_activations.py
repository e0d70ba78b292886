"""Tests of skact.activations: each built-in against independent formulas.

Every built-in activation's ``forward`` and ``derivative`` are compared with
references written here from the textbook definitions (NumPy, ``math`` and
``scipy.special.erf``; never the expressions skact itself uses), and the
derivatives also with central finite differences of those references.
"""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier
from skact.activations import (
    ACTIVATIONS,
    ELU,
    Activation,
    LeakyReLU,
    Softplus,
    get_activation,
    log_softmax,
    softmax,
)

from _helpers import (
    ACTIVATION_REFERENCES,
    elu_reference,
    leaky_relu_reference,
    softplus_reference,
)

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps

# -- independent references -------------------------------------------------
# _helpers.ACTIVATION_REFERENCES: (f(z), f'(z)) written from the textbook
# definitions, for float64 z of moderate size (|z| <= 8).
REFERENCES = ACTIVATION_REFERENCES

# Activations that are not C^2 at z = 0: relu and leaky_relu have a kink, and
# ELU's second derivative jumps there, so a central difference straddling 0
# has an O(h) (or O(1)) error. Finite differences skip a neighbourhood of 0.
PIECEWISE = {"relu", "leaky_relu", "elu"}

BUILTINS = list(dict.fromkeys(ACTIVATIONS.values()))  # unique, registry order

# The built-ins with their references, plus non-default parameters.
CASES = [pytest.param(act, REFERENCES[act.name], id=act.name) for act in BUILTINS]
CASES += [
    pytest.param(LeakyReLU(0.2), leaky_relu_reference(0.2), id="LeakyReLU(0.2)"),
    pytest.param(ELU(0.5), elu_reference(0.5), id="ELU(0.5)"),
    pytest.param(Softplus(2.0), softplus_reference(2.0), id="Softplus(2.0)"),
]

# Moderate inputs: a regular grid through 0 plus points very close to 0.
Z_GRID = np.concatenate([np.linspace(-8, 8, 65), [-1e-3, -1e-8, 1e-8, 1e-3]])
Z_EXTREME = [-1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3]


def _deriv(act, z):
    return act.derivative(z, act.forward(z))


def test_registry_has_the_documented_builtins():
    # The reference table must cover every built-in: a new activation added
    # to the registry without a reference here should fail loudly.
    assert {act.name for act in BUILTINS} == set(REFERENCES)
    assert len(BUILTINS) == len(REFERENCES)  # one object per activation
    for name, act in ACTIVATIONS.items():
        assert name == act.name or name in act.aliases


# -- values on moderate inputs ---------------------------------------------
# float64 tolerances: both sides are accurate to a few ulps *relative* to the
# result, except where a formula cancels: skact computes several derivatives
# from the output (a (1 - a), 1 - a**2, a + alpha) and gelu_tanh from
# 1 + tanh(u); the reference's exp(z) - 1 and 1 + erf(z) cancel near 0 and in
# the left tail. Those cancellations leave an *absolute* error of a few eps
# times max(1, |z|) <= 8, i.e. < 1e-14, which is all back-propagation needs.
RTOL64, ATOL64 = 1e-12, 1e-14


@pytest.mark.parametrize("act, ref", CASES)
def test_forward_matches_reference(act, ref):
    z = Z_GRID.copy()
    a = act.forward(z)
    assert_allclose(a, ref[0](Z_GRID), rtol=RTOL64, atol=ATOL64)
    assert_array_equal(z, Z_GRID)  # input untouched without out=
    assert a.dtype == np.float64 and a.shape == z.shape


@pytest.mark.parametrize("act, ref", CASES)
def test_derivative_matches_textbook_formula(act, ref):
    z = Z_GRID.copy()
    d = _deriv(act, z)
    assert_allclose(d, ref[1](Z_GRID), rtol=RTOL64, atol=ATOL64)
    assert d.dtype == np.float64 and d.shape == z.shape


@pytest.mark.parametrize("act, ref", CASES)
def test_derivative_matches_finite_differences(act, ref):
    f = ref[0]
    z = Z_GRID
    if act.name in PIECEWISE:
        z = z[np.abs(z) > 1e-3]  # well outside the +-h interval around the kink
    # Step: cbrt(eps) * scale minimises truncation + rounding of a central
    # difference. Truncation <= h**2 / 6 * max|f'''|, and max|f'''| <= 2 for
    # every activation here (tanh''' (0) = -2 is the largest); rounding <=
    # 2 * (4 eps |f|) / (2 h) for a reference accurate to ~4 eps. With
    # h ~ 6e-6 * max(1, |z|) this is ~5e-11 near 0 and < 1e-9 at |z| = 8
    # (observed errors are about a tenth of it): far below the error of any
    # wrong derivative.
    scale = np.maximum(1.0, np.abs(z))
    h = np.cbrt(EPS64) * scale
    zp, zm = z + h, z - h
    fd = (f(zp) - f(zm)) / (zp - zm)  # the exactly representable step
    bound = h**2 / 6 * 2.0 + 4 * EPS64 * np.maximum(1.0, np.abs(f(z))) / h
    err = np.abs(_deriv(act, z.copy()) - fd)
    assert np.all(err <= bound), (z[err > bound], err.max())


@pytest.mark.parametrize("act, ref", CASES)
def test_float32_matches_float64_reference(act, ref):
    z32 = Z_GRID.astype(np.float32)
    z64 = z32.astype(np.float64)  # the exact values the float32 code sees
    a = act.forward(z32)
    d = act.derivative(z32, a)
    assert a.dtype == np.float32 and d.dtype == np.float32
    # A few float32 ulps relative (16 eps ~ 2e-6), or absolute for the same
    # cancellations as in float64 (a few eps32 times max(1, |z|) <= 8).
    tol = dict(rtol=16 * EPS32, atol=64 * EPS32)
    assert_allclose(a, ref[0](z64), **tol)
    assert_allclose(d, ref[1](z64), **tol)


@pytest.mark.parametrize(
    "act", [a for a in BUILTINS if not a.needs_z], ids=lambda a: a.name
)
def test_derivative_from_output_alone_when_z_not_needed(act):
    # The network passes z=None to activations declaring needs_z=False (it
    # overwrote z with a); their derivative must then read only a.
    z = Z_GRID.copy()
    a = act.forward(z)
    assert_array_equal(act.derivative(None, a), act.derivative(z, a))


# -- known values at 0 --------------------------------------------------------
AT_ZERO = {  # name: (f(0), f'(0)); relu'(0) is documented as 0
    "identity": (0.0, 1.0),
    "sigmoid": (0.5, 0.25),
    "tanh": (0.0, 1.0),
    "relu": (0.0, 0.0),
    "leaky_relu": (0.0, 0.01),
    "elu": (0.0, 1.0),
    "gelu": (0.0, 0.5),
    "gelu_tanh": (0.0, 0.5),
    "silu": (0.0, 0.5),
    "softplus": (math.log(2.0), 0.5),
}


@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_values_at_zero(act):
    z = np.zeros(1)
    f0, d0 = AT_ZERO[act.name]
    assert_allclose(act.forward(z), [f0], rtol=EPS64, atol=0)
    assert_allclose(_deriv(act, z), [d0], rtol=EPS64, atol=0)


# -- extreme inputs -------------------------------------------------------------
# (f(-1e3), f(1e3), f'(-1e3), f'(1e3)): the limits, reached exactly in floating
# point (e.g. sigmoid(1e3) == 1, gelu(-1e3) == -0.0 == 0).
LIMITS = {
    "identity": (-1e3, 1e3, 1.0, 1.0),
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "relu": (0.0, 1e3, 0.0, 1.0),
    "leaky_relu": (-10.0, 1e3, 0.01, 1.0),
    "elu": (-1.0, 1e3, 0.0, 1.0),
    "gelu": (0.0, 1e3, 0.0, 1.0),
    "gelu_tanh": (0.0, 1e3, 0.0, 1.0),
    "silu": (0.0, 1e3, 0.0, 1.0),
    "softplus": (0.0, 1e3, 0.0, 1.0),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_extreme_inputs(act, dtype):
    z = np.array(Z_EXTREME, dtype=dtype)
    # Overflow in exp(), inf * 0 or inf - inf would show as RuntimeWarnings:
    # make them errors here whatever the pytest configuration.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z.copy())
        d = act.derivative(z.copy(), a.copy())
    for name, v in (("forward", a), ("derivative", d)):
        assert v.dtype == dtype, name
        assert v.shape == z.shape, name
        assert np.all(np.isfinite(v)), (name, v)
    lo, hi, dlo, dhi = LIMITS[act.name]
    # Values within a couple of ulps of the limit (leaky_relu's -1e3 * 0.01 is
    # rounded); zero limits must be exactly (signed) zero.
    tol = dict(rtol=2 * np.finfo(dtype).eps, atol=0)
    assert_allclose(a[[0, -1]], [lo, hi], **tol)
    assert_allclose(d[[0, -1]], [dlo, dhi], **tol)


@pytest.mark.parametrize(
    "z",
    [
        np.array([-1e300, -1e200, 1e200, 1e300]),
        np.array([-3e38, -1e20, 1e20, 3e38], dtype=np.float32),
    ],
    ids=["float64", "float32"],
)
@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_huge_inputs_no_overflow(act, z):
    # Pre-activations this large only come from a diverging fit, but every
    # function here is bounded by |z| and every derivative by 1 (or
    # thereabouts), so nothing needs to overflow: intermediate results such as
    # z * z must not produce inf (and an overflow RuntimeWarning) on the way.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z.copy())
        d = act.derivative(z.copy(), a.copy())
    assert a.dtype == d.dtype == z.dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    _, _, dlo, dhi = LIMITS[act.name]
    assert_allclose(d, [dlo, dlo, dhi, dhi], rtol=2 * np.finfo(z.dtype).eps, atol=0)


# -- the out= convention ------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_forward_in_place(act, dtype):
    z = np.linspace(-4, 4, 17, dtype=dtype).reshape(1, -1).repeat(3, axis=0)
    expected = act.forward(z)
    buf = z.copy()
    result = act.forward(buf, out=buf)
    assert result is buf
    assert_array_equal(buf, expected)
    # The engine passes two different view objects of one buffer.
    buf = z.copy()
    act.forward(buf[:2], out=buf.reshape(3, -1)[:2])
    assert_array_equal(buf[:2], expected[:2])


@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_forward_into_separate_out(act):
    z = np.linspace(-4, 4, 17)
    out = np.full_like(z, np.nan)
    result = act.forward(z, out=out)
    assert result is out
    assert_array_equal(out, act.forward(z))
    assert_array_equal(z, np.linspace(-4, 4, 17))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_derivative_writes_into_out(act, dtype):
    z = np.linspace(-4, 4, 17, dtype=dtype).reshape(1, -1).repeat(2, axis=0)
    a = act.forward(z)
    z0, a0 = z.copy(), a.copy()
    expected = act.derivative(z, a)
    buf = np.full_like(z, np.nan)  # stale content must be overwritten
    result = act.derivative(z, a, out=buf)
    assert result is buf
    assert_array_equal(buf, expected)
    assert_array_equal(z, z0)  # neither input is modified
    assert_array_equal(a, a0)


# -- the registry ---------------------------------------------------------------


def test_aliases_are_the_same_objects():
    assert get_activation("logistic") is get_activation("sigmoid")
    assert get_activation("swish") is get_activation("silu")
    assert ACTIVATIONS["logistic"] is ACTIVATIONS["sigmoid"]


@pytest.mark.parametrize("act", BUILTINS, ids=lambda a: a.name)
def test_get_activation_by_name_and_object(act):
    assert get_activation(act.name) is act
    assert get_activation(act) is act  # objects pass through


def test_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="not_an_activation"):
        get_activation("not_an_activation")


@pytest.mark.parametrize(
    "obj",
    [object(), 3, None, type("OnlyForward", (), {"forward": lambda self, z: z})()],
    ids=["object", "int", "None", "only_forward"],
)
def test_non_activation_raises_type_error(obj):
    with pytest.raises(TypeError):
        get_activation(obj)


def test_user_activation_object_is_accepted():
    class Square(Activation):
        def forward(self, z):
            return z * z

        def derivative(self, z, a):
            return 2 * z

    sq = Square()
    assert get_activation(sq) is sq
    assert repr(sq) == "Square()"


# -- parametrised activations: equality, hashing, repr --------------------------


def test_parametrised_equality_and_hash():
    assert LeakyReLU(0.2) == LeakyReLU(0.2)
    assert hash(LeakyReLU(0.2)) == hash(LeakyReLU(0.2))
    assert LeakyReLU(0.2) != LeakyReLU(0.1)
    assert ELU(0.5) == ELU(0.5) and ELU(0.5) != ELU(1.0)
    assert Softplus(2.0) == Softplus(2.0) and Softplus(2.0) != Softplus()
    # Same parameter value, different class: not equal.
    assert LeakyReLU(1.0) != ELU(1.0)
    # Defaults equal the registry's objects.
    assert LeakyReLU() == ACTIVATIONS["leaky_relu"]
    assert ELU() == ACTIVATIONS["elu"]
    assert Softplus() == ACTIVATIONS["softplus"]
    assert len({LeakyReLU(0.2), LeakyReLU(0.2), LeakyReLU(0.1)}) == 2


def test_parametrised_repr():
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(ELU(0.5)) == "ELU(alpha=0.5)"
    assert repr(Softplus(2.0)) == "Softplus(beta=2.0)"
    assert repr(get_activation("logistic")) == "Sigmoid()"


# -- softmax and log_softmax ------------------------------------------------------


@pytest.mark.parametrize("n_classes", [1, 2, 3, 4, 5, 17, 40])
def test_softmax_matches_scipy(n_classes):
    # Row maxima and sums are taken column by column for few classes and by
    # other means for many: every path must agree with SciPy.
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(6, n_classes))
    assert_allclose(softmax(z.copy()), special.softmax(z, axis=-1), rtol=1e-13)
    assert_allclose(
        log_softmax(z.copy()), special.log_softmax(z, axis=-1), rtol=1e-13, atol=1e-14
    )
    assert_allclose(softmax(z).sum(axis=1), 1.0, rtol=4 * EPS64)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_softmax_out_in_place(fn):
    z = np.random.default_rng(1).normal(size=(4, 3))
    expected = fn(z.copy())
    buf = z.copy()
    assert fn(buf, out=buf) is buf
    assert_array_equal(buf, expected)


@pytest.mark.parametrize(
    "logits",
    [[[0.0, 1000.0]], [[-1000.0, 1000.0]], [[1000.0, 1000.0, -1000.0]], [[-1e4, -1e4]]],
)
def test_softmax_large_logits_are_finite(logits):
    z = np.array(logits)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z.copy())
        logp = log_softmax(z.copy())
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(logp))
    assert_allclose(p.sum(axis=1), 1.0, rtol=4 * EPS64)
    assert_allclose(p, special.softmax(z, axis=-1), rtol=1e-13, atol=0)
    assert_allclose(logp, special.log_softmax(z, axis=-1), rtol=1e-13, atol=0)


def test_log_softmax_where_probability_underflows():
    # exp(-2000) underflows to 0, but its log is exactly -2000.
    logp = log_softmax(np.array([[-1000.0, 1000.0]]))
    assert_array_equal(logp, [[-2000.0, 0.0]])


def test_softmax_float32():
    z = np.array([[0.0, 1000.0], [1.0, 2.0]], dtype=np.float32)
    p = softmax(z.copy())
    assert p.dtype == np.float32
    assert_allclose(p, special.softmax(z.astype(np.float64), axis=-1), rtol=4 * EPS32)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: LeakyReLU(negative_slope=-0.1), "negative_slope"),
        (lambda: ELU(alpha=-1.0), "alpha"),
        (lambda: Softplus(beta=0.0), "beta"),
    ],
)
def test_parametrised_activations_reject_invalid_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


class _HalfIdentity(Activation):
    """Derivative returned as a Python scalar; forward of the wrong shape on
    request."""

    def __init__(self, bad_shape=False):
        self.bad_shape = bad_shape

    def forward(self, z):
        return z[:, :1] / 2 if self.bad_shape else z / 2

    def derivative(self, z, a):
        return 0.5


def test_user_activation_results_broadcast_or_fail_clearly(iris_raw):
    # A scalar derivative is broadcast: the network computes f(z) = z / 2
    # with slope 1/2 everywhere, as written out by hand here.
    X, y = iris_raw
    clf = ActivationMLPClassifier((3,), activation=_HalfIdentity(), solver="lbfgs")
    clf.set_params(max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    (W1, W2), (b1, b2) = clf.coefs_, clf.intercepts_
    logits = ((X @ W1 + b1) / 2) @ W2 + b2
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    # A few operations on values of order 10: within 1e-12.
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-12, atol=1e-15)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]  # the scalar slope trains

    bad = ActivationMLPClassifier((3,), activation=_HalfIdentity(bad_shape=True))
    with pytest.raises(
        ValueError, match=r"forward returned an array of shape \(\d+, 1\)"
    ):
        bad.fit(X, y)
