"""User-made activations shared by the tests.

They live at the top level of an importable module so that pickle (and
therefore joblib's worker processes) can find them by name, as a user's own
activations must.
"""

import numpy as np

from skact.activations import Activation


class ScaledTanh(Activation):
    """LeCun's scaled tanh ``f(z) = scale * tanh(slope * z)``."""

    name = "scaled_tanh"
    needs_z = False

    def __init__(self, scale=1.7159, slope=2.0 / 3.0):
        self.scale = scale
        self.slope = slope

    def _params(self):
        return {"scale": self.scale, "slope": self.slope}

    def forward(self, z):
        return self.scale * np.tanh(self.slope * z)

    def derivative(self, z, a):
        # scale * slope * (1 - tanh^2) = slope * (scale - a^2 / scale)
        return self.slope * (self.scale - a * a / self.scale)


class BentIdentity(Activation):
    """The "bent identity" ``f(z) = (sqrt(z^2 + 1) - 1) / 2 + z``."""

    name = "bent_identity"

    def forward(self, z):
        return (np.sqrt(z * z + 1) - 1) / 2 + z

    def derivative(self, z, a):
        return z / (2 * np.sqrt(z * z + 1)) + 1


class PlainReLU(Activation):
    """ReLU written as a user would; ``declared`` sets the optional
    properties the built-in declares."""

    needs_z = False
    init = "he"

    def __init__(self, declared=False):
        self.declared = declared

    @property
    def binary_derivative(self):
        return self.declared

    @property
    def non_negative_derivative(self):
        return self.declared

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (a > 0).astype(a.dtype)
