"""Activation functions: each forward next to its derivative.

Every hidden layer of an :class:`~skact.ActivationMLPClassifier` applies an
*activation* ``a = f(z)`` to its pre-activation ``z = x @ W + b``. This module
holds the built-in activations, the registry that maps names to them, and the
output functions :func:`softmax` and :func:`log_softmax`.

The activation protocol
-----------------------
An activation is any object with two methods:

``forward(z)``
    Return ``f(z)`` elementwise, an array of the shape of ``z``.
``derivative(z, a)``
    Return ``f'(z)`` elementwise, given both the pre-activation ``z`` and the
    activation ``a = f(z)``; each activation uses whichever is cheaper.

and, optionally:

``name`` (str)
    Shown in tables and plots; defaults to the class name.
``init_bound(fan_in, fan_out)``
    Half-width ``b`` of the uniform distribution ``U(-b, b)`` that initialises
    the weights feeding this activation. Defaults to Glorot's bound;
    subclasses of :class:`Activation` can set ``init = "he"`` for He's.
``needs_z`` (bool)
    ``False`` if ``derivative`` reads only ``a``: the network then keeps no
    copy of ``z`` and passes ``z=None``. Defaults to ``True``.
``max_derivative`` (float)
    The largest ``|f'(z)|``; the diagnostics call a derivative below 1% of it
    *saturated*. Defaults to the largest value found on ``z`` in [-10, 10].
``non_negative_derivative`` (bool)
    ``True`` if ``f'(z) >= 0`` everywhere (``f`` never decreases): the
    diagnostics then skip taking absolute values. Defaults to ``False``.
``binary_derivative`` (bool)
    ``True`` if ``f'(z)`` is 1 where the output is non-zero and 0 where it is 0
    (ReLU): such a unit is dead or passing, never saturated. Defaults to
    ``False``.
``to_onnx(graph, z)``
    Return the name of the ONNX tensor holding ``f(z)``, built with
    ``graph.op(op_type, *inputs, **attributes)`` and ``graph.constant(value)``
    from the tensor named ``z``; lets :func:`skact.to_onnx` export networks
    that use this activation (see :ref:`deploying`).

The built-ins may also define ``forward_and_derivative(z, out,
derivative_out)``, which training calls instead of ``forward`` when it can
hand over the derivative in the same pass (ReLU's 0/1 slope); the engine
calls it only for the built-in activations.

Subclass :class:`Activation` to get these defaults, a ``repr``, equality and
scikit-learn's nested parameters (all from the instance's public attributes):
``get_params`` lists the settings and ``set_params`` changes them, so an
estimator's ``set_params(activation__negative_slope=0.1)`` and a
``GridSearchCV`` over ``activation__negative_slope`` work. Keep the settings
in public attributes named as the constructor's arguments (scikit-learn's
convention): ``set_params`` then re-runs the constructor, with its checks.
To survive :func:`~sklearn.base.clone` (which deep-copies an activation),
pickling and ``GridSearchCV(n_jobs=2)``, define the class at the top level of
an importable module (or of your script). The estimator works on a copy, so
editing the object after ``fit`` does not change the fitted model.

The built-in activations also accept an ``out`` array, as NumPy's ufuncs do,
and return it: ``forward(z, out=z)`` works in place, while ``derivative``'s
``out`` must not share memory with ``z`` or ``a``. The network uses these to
avoid allocating new arrays for every layer and batch.

Examples
--------
>>> import numpy as np
>>> from skact.activations import get_activation
>>> relu = get_activation("relu")
>>> z = np.array([-2.0, 0.0, 3.0])
>>> relu.forward(z)
array([0., 0., 3.])
>>> relu.derivative(z, relu.forward(z))
array([0., 0., 1.])

A user-made activation (here the "bent identity") is a small class:

>>> from skact.activations import Activation
>>> class BentIdentity(Activation):
...     name = "bent_identity"
...     def forward(self, z):
...         return (np.sqrt(z * z + 1) - 1) / 2 + z
...     def derivative(self, z, a):
...         return z / (2 * np.sqrt(z * z + 1)) + 1
>>> BentIdentity().forward(np.array([0.0]))
array([0.])
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import inspect
import math
import numbers

import numpy as np
from scipy import special

from ._losses import log_softmax, softmax

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "GELUTanh",
    "Activation",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "get_activation",
    "log_softmax",
    "softmax",
]


def _glorot_bound(fan_in, fan_out):
    # Glorot & Bengio (2010): keeps the variance of activations and of
    # back-propagated gradients roughly constant through layers of units that
    # are linear around 0 (identity, tanh, and the softmax output).
    return math.sqrt(6.0 / (fan_in + fan_out))


def _he_bound(fan_in, fan_out):
    # He et al. (2015): rectifiers zero out about half their inputs, so the
    # weight variance doubles to 2 / fan_in to keep the signal's scale.
    return math.sqrt(6.0 / fan_in)


def _setting(owner, name, value, *, positive=False):
    """``value`` if it is a finite real number, non-negative (or positive);
    else a clear error naming ``owner``'s setting ``name``: a string, None or
    a list would otherwise fail in a comparison far from its cause, and inf
    would only surface as divergence."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}'s {name} must be a real number; got {value!r} "
            f"({type(value).__name__})."
        )
    if not math.isfinite(value) or not (value > 0 if positive else value >= 0):
        bound = "positive" if positive else "non-negative"
        raise ValueError(f"{owner}'s {name} must be finite and {bound}; got {value!r}.")
    return value


def _result(out, like):
    """The array to write into: ``out`` if given, else a new one like ``like``."""
    return np.empty_like(like) if out is None else out


class Activation:
    """Base class for activations: defaults for the optional parts.

    Subclasses implement ``forward(z)`` and ``derivative(z, a)``; see the module
    docstring for the protocol.
    """

    #: Name used in tables, plots and error messages.
    name = None
    #: Other names the registry accepts for this activation.
    aliases = ()
    #: Whether ``derivative`` needs ``z`` (if not, only ``a`` is kept).
    needs_z = True
    #: Weight initialisation scheme, ``"glorot"`` or ``"he"``: see
    #: :meth:`init_bound`.
    init = "glorot"
    #: The largest value of ``|f'(z)|``; the diagnostics call a derivative
    #: below 1% of it *saturated*. None: estimated on ``z`` in [-10, 10].
    max_derivative = None
    #: Whether ``f'(z) >= 0`` everywhere.
    non_negative_derivative = False
    #: Whether ``f'(z)`` is exactly 0 or 1 everywhere.
    binary_derivative = False
    #: ``forward_and_derivative(z, out, derivative_out)``, or None: training's
    #: one-pass forward that also writes the derivative (built-ins only).
    forward_and_derivative = None

    def forward(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def derivative(self, z, a):  # pragma: no cover - abstract
        raise NotImplementedError

    def init_bound(self, fan_in, fan_out):
        """Half-width ``b`` of the initial weights' distribution ``U(-b, b)``.

        Glorot's ``sqrt(6 / (fan_in + fan_out))``, or He's ``sqrt(6 / fan_in)``
        when :attr:`init` is ``"he"``.

        Parameters
        ----------
        fan_in, fan_out : int
            Units feeding the layer, and units in it.

        Returns
        -------
        bound : float
            The half-width ``b``.
        """
        if self.init == "he":
            return _he_bound(fan_in, fan_out)
        return _glorot_bound(fan_in, fan_out)

    def _params(self):
        # The settings that make two activations differ: by default the
        # instance's public attributes (a user's subclass stores its settings
        # there, as scikit-learn estimators do).
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    # -- scikit-learn's nested parameters -------------------------------------
    def get_params(self, deep=True):
        """The activation's settings, as scikit-learn's ``get_params``.

        They make ``activation__<setting>`` a parameter of an estimator that
        holds this activation (see :ref:`tuning_activations`).

        Parameters
        ----------
        deep : bool, default=True
            Ignored: settings are not nested further.

        Returns
        -------
        params : dict
            Setting names mapped to their values: the public attributes,
            as in the ``repr``.

        Examples
        --------
        >>> from skact.activations import LeakyReLU
        >>> LeakyReLU(0.2).get_params()
        {'negative_slope': 0.2}
        """
        return dict(self._params())

    def set_params(self, **params):
        """Change settings in place, as scikit-learn's ``set_params``.

        If the constructor takes every setting under its attribute name (as
        the built-ins and scikit-learn's estimators do), it is run again with
        the new values, so its checks apply and whatever it derives from them
        is recomputed; a refused value leaves the activation unchanged.
        Otherwise the attributes are set as given.

        Parameters
        ----------
        **params
            New values of settings listed by :meth:`get_params`.

        Returns
        -------
        self : Activation
            This activation, with the new settings.

        Raises
        ------
        ValueError
            For a name :meth:`get_params` does not list, a value the
            constructor refuses, or the registry's shared object (which
            every model naming the activation uses).

        Examples
        --------
        >>> from skact.activations import LeakyReLU
        >>> LeakyReLU().set_params(negative_slope=0.3)
        LeakyReLU(negative_slope=0.3)
        """
        if not params:
            return self
        current = self.get_params()
        for name in params:
            if name not in current:
                raise ValueError(
                    f"Invalid parameter {name!r} for activation {self!r}; valid "
                    f"parameters are {sorted(current)!r}."
                )
        if any(self is shared for shared in ACTIVATIONS.values()):
            raise ValueError(
                f"{self!r} is the registry's shared object for the name "
                f"{self.name!r}; changing it would change every model using that "
                f"name. Set parameters on an instance of your own, such as "
                f"{type(self).__name__}()."
            )
        settings = {**current, **params}
        try:
            inspect.signature(type(self)).bind(**settings)
        except (TypeError, ValueError):
            # The constructor does not take the settings by name: set them.
            for name, value in params.items():
                setattr(self, name, value)
            return self
        state = vars(self).copy()
        try:
            type(self).__init__(self, **settings)
        except BaseException:
            # A refused value leaves the activation as it was.
            vars(self).clear()
            vars(self).update(state)
            raise
        return self

    def __sklearn_clone__(self):
        # clone() would rebuild the object from get_params(), which misses
        # private state and needs a constructor taking every public attribute;
        # a deep copy is equal and independent for every subclass.
        return copy.deepcopy(self)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self._params() == other._params()

    def __hash__(self):
        # Keys only: setting values need not be hashable.
        return hash((type(self), tuple(sorted(self._params()))))


class Identity(Activation):
    """``f(z) = z``: no activation. A network of these is a linear model."""

    name = "identity"
    needs_z = False
    max_derivative = 1.0
    non_negative_derivative = True

    def forward(self, z, out=None):
        if out is None:
            return z.copy()
        if out is not z:
            np.copyto(out, z)
        return out

    def derivative(self, z, a, out=None):
        out = _result(out, a)
        out.fill(1)
        return out


class Sigmoid(Activation):
    """The logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``, alias ``"logistic"``.

    Its derivative ``a (1 - a)`` is at most 1/4 and vanishes for large
    ``|z|``: the unit *saturates*, and gradients shrink through deep stacks.
    Weights start at 4 times Glorot's bound, Glorot & Bengio's advice for the
    sigmoid: its slope at 0 is 1/4, and the larger weights restore the signal
    a tanh unit would pass. (With the plain bound, the circle demo's sigmoid
    network sometimes never leaves the majority class.) Standardise the inputs:
    large raw features saturate the first layer from the start.
    """

    name = "sigmoid"
    aliases = ("logistic",)
    needs_z = False
    max_derivative = 0.25
    non_negative_derivative = True

    def forward(self, z, out=None):
        return special.expit(z, out=_result(out, z))

    def derivative(self, z, a, out=None):
        out = np.subtract(1, a, out=out)
        return np.multiply(out, a, out=out)

    def init_bound(self, fan_in, fan_out):
        return 4.0 * _glorot_bound(fan_in, fan_out)


class Tanh(Activation):
    """The hyperbolic tangent ``f(z) = tanh(z)``, derivative ``1 - a**2``."""

    name = "tanh"
    needs_z = False
    max_derivative = 1.0
    non_negative_derivative = True

    def forward(self, z, out=None):
        return np.tanh(z, out=_result(out, z))

    def derivative(self, z, a, out=None):
        out = np.multiply(a, a, out=out)
        return np.subtract(1, out, out=out)


class ReLU(Activation):
    """The rectified linear unit ``f(z) = max(z, 0)``, He initialisation.

    Cheap and sparse; a unit whose input is negative for every sample gets no
    gradient at all and stays *dead*. The derivative at 0 is taken as 0.
    """

    name = "relu"
    init = "he"
    needs_z = False
    max_derivative = 1.0
    non_negative_derivative = True
    binary_derivative = True

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=_result(out, z))

    def derivative(self, z, a, out=None):
        return np.greater(a, 0, out=_result(out, a), casting="unsafe")

    def forward_and_derivative(self, z, out, derivative_out):
        # Training's shortcut: the 0/1 slope first, then z times it, is one
        # pass cheaper than maximum() now and derivative() in the backward
        # pass. (z * 0 is -0.0 for negative z, equal to 0.0 in every sum.)
        slope = np.greater(z, 0, out=derivative_out, casting="unsafe")
        return np.multiply(z, slope, out=out)


class LeakyReLU(Activation):
    """``f(z) = z`` for ``z > 0``, else ``negative_slope * z``; He initialisation.

    The small negative slope keeps a gradient flowing through negative inputs,
    so units cannot die.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope for ``z <= 0``; must be non-negative.
    """

    name = "leaky_relu"
    init = "he"
    needs_z = False
    non_negative_derivative = True

    def __init__(self, negative_slope=0.01):
        # The derivative is read off the output: a > 0 exactly where z > 0,
        # which needs a non-negative slope.
        self.negative_slope = _setting("LeakyReLU", "negative_slope", negative_slope)

    @property
    def max_derivative(self):
        return max(1.0, self.negative_slope)

    def forward(self, z, out=None):
        return _where(z > 0, z, z * self.negative_slope, _result(out, z))

    def derivative(self, z, a, out=None):
        return _where(a > 0, 1.0, self.negative_slope, _result(out, a))


class ELU(Activation):
    """The exponential linear unit: ``z`` for ``z > 0``, else ``alpha (e^z - 1)``.

    Smooth for ``alpha = 1``, with negative outputs that push mean activations
    towards 0. He initialisation.

    Parameters
    ----------
    alpha : float, default=1.0
        The output approaches ``-alpha`` as ``z -> -inf``; must be
        non-negative.
    """

    name = "elu"
    init = "he"
    needs_z = False
    non_negative_derivative = True

    def __init__(self, alpha=1.0):
        self.alpha = _setting("ELU", "alpha", alpha)

    @property
    def max_derivative(self):
        # alpha e^z for z <= 0 approaches alpha at 0.
        return max(1.0, self.alpha)

    def forward(self, z, out=None):
        # expm1 of min(z, 0): exact near 0 and never overflows for large z.
        neg = np.expm1(np.minimum(z, 0))
        neg *= self.alpha
        return _where(z > 0, z, neg, _result(out, z))

    def derivative(self, z, a, out=None):
        # For z <= 0: d/dz alpha (e^z - 1) = alpha e^z = a + alpha.
        return _where(a > 0, 1.0, a + self.alpha, _result(out, a))


def _where(cond, x, y, out):
    out[...] = np.where(cond, x, y)
    return out


_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Activation):
    """The Gaussian error linear unit ``f(z) = z Phi(z)``, exact (with erf).

    ``Phi`` is the standard normal CDF: the unit passes its input scaled by the
    probability that a standard normal variable is below it, a smooth ReLU used
    in Transformers. Derivative ``Phi(z) + z phi(z)``. He initialisation.
    """

    name = "gelu"
    init = "he"
    # The derivative peaks where its own derivative (2 - z^2) phi(z) vanishes.
    max_derivative = float(special.ndtr(_SQRT_2) + _SQRT_2 * _INV_SQRT_2PI / math.e)

    def forward(self, z, out=None):
        # ndtr(z) = (1 + erf(z / sqrt 2)) / 2, computed accurately in both tails.
        if out is None or np.may_share_memory(out, z):
            return np.multiply(z, special.ndtr(z), out=_result(out, z))
        out = special.ndtr(z, out=out)
        out *= z
        return out

    def derivative(self, z, a, out=None):
        # The density is exactly 0 in floating point beyond |z| = 40; clipping
        # there keeps z * z from overflowing for huge z.
        pdf = np.clip(z, -40.0, 40.0)
        np.square(pdf, out=pdf)
        pdf *= -0.5
        np.exp(pdf, out=pdf)
        pdf *= z
        pdf *= _INV_SQRT_2PI
        out = special.ndtr(z, out=_result(out, z))
        out += pdf
        return out


class GELUTanh(Activation):
    """GELU's tanh approximation ``z (1 + tanh(c (z + 0.044715 z^3))) / 2``.

    ``c = sqrt(2 / pi)``. As used in BERT and GPT-2; within 1e-3 of :class:`GELU`.
    He initialisation.
    """

    name = "gelu_tanh"
    init = "he"
    max_derivative = 1.128993068655481  # at z = 1.4185, found numerically
    _c = math.sqrt(2.0 / math.pi)
    _k = 0.044715

    def _tanh_inner(self, z):
        # tanh(c (z + k z^3)) is exactly +-1 in floating point once |z| > 10,
        # so clipping z there changes nothing but keeps z^3 from overflowing.
        zc = np.clip(z, -10.0, 10.0)
        # zc * zc * zc, not zc**3: NumPy's power is ~100 times slower.
        inner = zc * zc
        inner *= self._k
        inner += 1
        inner *= zc
        inner *= self._c
        return zc, np.tanh(inner, out=inner)

    def forward(self, z, out=None):
        _, t = self._tanh_inner(z)
        t += 1
        t *= 0.5
        return np.multiply(z, t, out=_result(out, z))

    def derivative(self, z, a, out=None):
        zc, t = self._tanh_inner(z)
        # The second term vanishes where tanh saturates; using the clipped z
        # there avoids inf * 0.
        second = 0.5 * zc * (1 - t * t) * self._c * (1 + 3 * self._k * zc * zc)
        out = np.add(0.5, 0.5 * t, out=_result(out, z))
        out += second
        return out


class SiLU(Activation):
    """The sigmoid linear unit ``f(z) = z sigmoid(z)``, alias ``"swish"``.

    Derivative ``s (1 + z (1 - s))`` with ``s = sigmoid(z)``. He initialisation.
    """

    name = "silu"
    init = "he"
    aliases = ("swish",)
    max_derivative = 1.0998393201285284  # at z = 2.3994, found numerically

    def forward(self, z, out=None):
        if out is None or np.may_share_memory(out, z):
            return np.multiply(z, special.expit(z), out=_result(out, z))
        out = special.expit(z, out=out)
        out *= z
        return out

    def derivative(self, z, a, out=None):
        s = special.expit(z)
        out = np.subtract(1, s, out=_result(out, z))
        out *= z
        out += 1
        out *= s
        return out


class Softplus(Activation):
    """``f(z) = log(1 + exp(beta z)) / beta``, a smooth ReLU; He initialisation.

    Its derivative is ``sigmoid(beta z)``, computed from the output as
    ``1 - exp(-beta a)``.

    Parameters
    ----------
    beta : float, default=1.0
        Sharpness; as ``beta`` grows the function approaches ReLU.
    """

    name = "softplus"
    init = "he"
    needs_z = False
    max_derivative = 1.0  # sigmoid(beta z), approached as z -> inf
    non_negative_derivative = True

    def __init__(self, beta=1.0):
        self.beta = _setting("Softplus", "beta", beta, positive=True)

    def forward(self, z, out=None):
        # logaddexp(0, x) = log(1 + e^x) without overflow for large x.
        out = np.multiply(z, self.beta, out=_result(out, z))
        out = np.logaddexp(0, out, out=out)
        out /= self.beta
        return out

    def derivative(self, z, a, out=None):
        out = np.multiply(a, -self.beta, out=_result(out, a))
        out = np.expm1(out, out=out)
        return np.negative(out, out=out)


#: The built-in activations by name; aliases map to the same objects.
ACTIVATIONS = {}
for _activation in (
    Identity(),
    Sigmoid(),
    Tanh(),
    ReLU(),
    LeakyReLU(),
    ELU(),
    GELU(),
    GELUTanh(),
    SiLU(),
    Softplus(),
):
    for _name in (_activation.name, *_activation.aliases):
        ACTIVATIONS[_name] = _activation
del _activation, _name


def _is_activation(obj):
    return callable(getattr(obj, "forward", None)) and callable(
        getattr(obj, "derivative", None)
    )


def get_activation(activation):
    """Return the activation object for a name or an activation object.

    Parameters
    ----------
    activation : str or activation object
        A key of :data:`ACTIVATIONS` (``"relu"``, ``"sigmoid"``, ...) or any
        object with ``forward`` and ``derivative`` methods.

    Returns
    -------
    activation : activation object
        The registered object for a name, or ``activation`` itself.

    Raises
    ------
    ValueError
        If a name is not registered.
    TypeError
        If an object lacks ``forward`` or ``derivative``.

    Examples
    --------
    >>> from skact.activations import get_activation
    >>> get_activation("logistic")
    Sigmoid()
    """
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"Unknown activation {activation!r}; choose one of "
                f"{sorted(ACTIVATIONS)} or pass an object with forward(z) and "
                "derivative(z, a) methods."
            ) from None
    if _is_activation(activation):
        return activation
    raise TypeError(
        "An activation must be a name or an object with forward(z) and "
        f"derivative(z, a) methods; got {activation!r}."
    )


def activation_name(activation):
    """The display name of an activation object.

    Parameters
    ----------
    activation : activation object
        A built-in or user-made activation.

    Returns
    -------
    name : str
        Its ``name`` attribute, or else its class name.
    """
    return getattr(activation, "name", None) or type(activation).__name__
