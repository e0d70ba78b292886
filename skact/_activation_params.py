"""An estimator's ``activation`` parameter as scikit-learn nested parameters.

scikit-learn reaches the settings of a single activation object as
``activation__<setting>`` by itself (through ``Activation.get_params`` and
``set_params``), but does not look inside a tuple or list. Entry ``i`` of one
(hidden layer ``i``, from 0) is ``activation__<i>``, and its settings
``activation__<i>__<setting>``. The estimator's ``get_params`` and
``set_params`` use the two functions here; their keys lack the
``activation__``. An activation object's own settings are changed by its
``set_params`` (:class:`skact.activations.Activation`).
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import copy

from .activations import get_activation


def _settings(activation):
    if hasattr(activation, "get_params") and not isinstance(activation, type):
        return activation.get_params()
    return {}


def nested_activation_params(activation):
    """The nested parameters of an estimator's ``activation`` value.

    Parameters
    ----------
    activation : str, activation object, or tuple or list of them
        The estimator's ``activation`` parameter.

    Returns
    -------
    params : dict
        ``{setting: value}`` for an activation object; for a tuple or list,
        ``{"<i>": entry}`` and ``{"<i>__<setting>": value}`` for each entry
        ``i``; empty for a name.
    """
    if not isinstance(activation, (list, tuple)):
        return _settings(activation)
    params = {}
    for i, layer in enumerate(activation):
        params[str(i)] = layer
        params.update((f"{i}__{k}", v) for k, v in _settings(layer).items())
    return params


def set_nested_activation_params(activation, params):
    """A new ``activation`` value with nested parameters set.

    Never changes ``activation`` or the objects in it, which the user may hold
    or use for several layers (``[LeakyReLU()] * 3``): an object whose
    settings change is replaced by an updated copy, a tuple or list by a new
    one of the same kind.

    Parameters
    ----------
    activation : str, activation object, or tuple or list of them
        The estimator's ``activation`` parameter.
    params : dict
        Keys as from :func:`nested_activation_params`, values to set.

    Returns
    -------
    activation : activation object, or tuple or list
    """
    if not isinstance(activation, (list, tuple)):
        layer_keys = [k for k in params if k.partition("__")[0].isdigit()]
        if layer_keys:
            raise ValueError(
                f"Invalid parameter 'activation__{layer_keys[0]}': numbered "
                "parameters address the entries of a tuple or list of "
                f"activations, but activation={activation!r}."
            )
        return _with_settings(activation, params, "activation")
    layers = list(activation)
    per_layer = {}
    for key, value in params.items():
        index, _, setting = key.partition("__")
        if not (index.isdigit() and int(index) < len(layers)):
            raise ValueError(
                f"Invalid parameter 'activation__{key}': activation has "
                f"{len(layers)} entries, addressed as activation__0 to "
                f"activation__{len(layers) - 1}, their settings as "
                "activation__<i>__<setting>."
            )
        if setting:
            per_layer.setdefault(int(index), {})[setting] = value
        else:
            layers[int(index)] = value
    for i, settings in per_layer.items():
        layers[i] = _with_settings(layers[i], settings, f"activation[{i}]")
    return tuple(layers) if isinstance(activation, tuple) else layers


def _with_settings(activation, settings, where):
    if isinstance(activation, str):
        wanted = ", ".join(sorted(settings))
        shared = get_activation(activation)
        if not _settings(shared):
            raise ValueError(
                f"{where}={activation!r} has no settings to set (got {wanted})."
            )
        raise ValueError(
            f"{where} is the name {activation!r}; to set {wanted}, pass an "
            f"activation object, such as {type(shared).__name__}(), instead of "
            "the name."
        )
    if not callable(getattr(activation, "set_params", None)):
        raise ValueError(
            f"{where}={activation!r} has no set_params method; subclass "
            "skact.activations.Activation to make its settings parameters."
        )
    return copy.deepcopy(activation).set_params(**settings)
