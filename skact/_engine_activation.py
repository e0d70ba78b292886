"""The engine's side of the activation protocol.

The engine calls every activation as the built-ins are written:
``forward(z, out=...)``, ``derivative(z, a, out=...)``, and every optional
property of the protocol (see :mod:`skact.activations`) present. A user's
activation need only have ``forward(z)`` and ``derivative(z, a)``:
:func:`engine_activation` wraps it in :class:`OutAdapter`, which supplies
``out=`` and the defaults and checks what the user's methods return.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from .activations import ACTIVATIONS, _result, activation_name, get_activation

_BUILTIN_TYPES = frozenset(type(a) for a in ACTIVATIONS.values())


def engine_activation(activation):
    """The activation object the engine runs for a name or object: a
    built-in as it is, a user's object wrapped so that it accepts ``out=``
    and has every optional property of the protocol."""
    activation = get_activation(activation)
    if type(activation) in _BUILTIN_TYPES:
        return activation
    return OutAdapter(activation, activation_name(activation))


class OutAdapter:
    """A user's activation in the engine's calling convention.

    The engine calls ``forward(z, out=...)`` and ``derivative(z, a, out=...)``
    and reads the optional properties of the protocol (see
    :mod:`skact.activations`); this wrapper supplies ``out=`` and the
    defaults, and checks the shapes the user's methods return.
    """

    forward_and_derivative = None  # the built-ins' hook only

    def __init__(self, activation, name):
        self.activation = activation
        self.name = name
        self.needs_z = getattr(activation, "needs_z", True)
        self.init = getattr(activation, "init", None)
        self.non_negative_derivative = bool(
            getattr(activation, "non_negative_derivative", False)
        )
        self.binary_derivative = bool(getattr(activation, "binary_derivative", False))
        self._max_derivative = getattr(activation, "max_derivative", None)

    @property
    def max_derivative(self):
        if self._max_derivative is None:
            # The largest slope on a grid of [-10, 10], for an activation not
            # saying: only the diagnostics' "saturated" threshold reads it.
            z = np.linspace(-10.0, 10.0, 2001)
            slopes = self.derivative(z, self.forward(z))
            self._max_derivative = float(np.max(np.abs(slopes)))
        return self._max_derivative

    def __eq__(self, other):
        return type(other) is OutAdapter and self.activation == other.activation

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return repr(self.activation)

    def init_bound(self, fan_in, fan_out):
        bound = getattr(self.activation, "init_bound", None)
        if bound is None:  # Glorot's, as Activation's default
            return math.sqrt(6.0 / (fan_in + fan_out))
        return float(bound(fan_in, fan_out))

    def _store(self, method, result, inputs, out):
        # An array of the input's shape, or a scalar (a derivative may well be
        # a constant), of real numbers, finite wherever the inputs are;
        # stored in the input's dtype. A user's mistake is reported as such,
        # not later as a diverging fit.
        like = inputs[-1]
        result = np.asarray(result)
        if result.shape not in (like.shape, ()):
            raise ValueError(
                f"Activation {self.name!r}: {method} returned an array of shape "
                f"{result.shape} for an input of shape {like.shape}."
            )
        if result.dtype.kind not in "biuf":
            raise TypeError(
                f"Activation {self.name!r}: {method} returned {result.dtype} "
                "values; it must return real numbers (float)."
            )
        # Checked before writing: ``out`` may be the input itself.
        if not np.isfinite(result).all() and all(
            x is None or np.isfinite(x).all() for x in inputs
        ):
            raise ValueError(
                f"Activation {self.name!r}: {method} returned NaN or infinite "
                "values for finite inputs. Check its formula (e.g. guard exp "
                "and divisions against large or zero arguments)."
            )
        out = _result(out, like)
        out[...] = result
        return out

    def forward(self, z, out=None):
        return self._store("forward", self.activation.forward(z), (z,), out)

    def derivative(self, z, a, out=None):
        result = self.activation.derivative(z, a)
        return self._store("derivative", result, (z, a), out)
