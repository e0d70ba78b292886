"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) for
skact's MLPs.

:class:`CallbackMixin` fills the two hooks of ``BaseActivationMLP``: a
callback scope around each ``fit``/``partial_fit`` call and the epoch hooks
the training loops call. The task tree follows scikit-learn's conventions:

- ``fit`` is one task with one subtask per epoch (``"epoch"``, sgd and adam)
  or per L-BFGS iteration (``"iteration"``), at most ``max_iter`` of them;
- ``partial_fit`` is one task per call, a leaf (its one epoch is the task).

A callback sees, for each task, the training ``X`` and ``y`` as passed to
``fit`` (``sample_weight`` in ``metadata``) and, if its hook asks for it, a
``fitted_estimator``: a copy of the estimator holding copies of that epoch's
weights, made only when asked for. An ``on_fit_task_end`` returning True ends
training there, with the model fitted at that point and no
``ConvergenceWarning``.

An estimator without callbacks (nor a meta-estimator's context) pays two
dictionary lookups per call. With scikit-learn < 1.9, ``set_callbacks``
exists but raises an ImportError naming the version needed.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import contextvars

import numpy as np
import sklearn

try:
    from sklearn.callback import CallbackSupportMixin
    from sklearn.callback._callback_support import callback_management_context
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = callback_management_context = None

#: The first scikit-learn release with ``sklearn.callback``.
MIN_SKLEARN = "1.9"

#: ``(X, y, metadata)`` of the fit or partial_fit call in progress, for its
#: epoch hooks. A context variable rather than an attribute, so that neither
#: the estimator's state, its failure-restore snapshot nor its
#: ``fitted_estimator`` copies hold the data.
_FIT_DATA = contextvars.ContextVar("skact_fit_data", default=(None, None, None))


def _has_callbacks(estimator):
    # Both are instance attributes, set by set_callbacks and by a
    # meta-estimator's propagate_callback_context.
    state = estimator.__dict__
    return "_skl_callbacks" in state or "_parent_callback_ctx" in state


def _data_for_callbacks():
    """``X``, ``y`` and ``metadata`` for the hooks of the current call."""
    return _FIT_DATA.get()


class CallbacksUnavailableMixin:
    """``set_callbacks`` where scikit-learn has no ``sklearn.callback``: it
    says which version is needed. Training is unchanged: no estimator holds
    the callback context that :class:`CallbackMixin`'s hooks look for."""

    def set_callbacks(self, *callbacks):
        """Unavailable: callbacks need scikit-learn >= 1.9.

        Raises
        ------
        ImportError
            Always, naming the installed scikit-learn version.
        """
        raise ImportError(
            f"set_callbacks needs scikit-learn >= {MIN_SKLEARN} (installed: "
            f"{sklearn.__version__}); upgrade scikit-learn to use callbacks."
        )


# One CallbackMixin on every scikit-learn version; before 1.9 it stands on the
# mixin above, whose set_callbacks says which version it needs.
_CallbackSupportBase = (
    CallbacksUnavailableMixin if CallbackSupportMixin is None else CallbackSupportMixin
)


class CallbackMixin(_CallbackSupportBase):
    """Callback support (``set_callbacks``) for skact's MLPs.

    See the module docstring for the tasks and what callbacks receive.
    Put it before ``BaseActivationMLP`` among the bases.
    """

    def _callback_scope(self, incremental, data):
        """A context around one fit or partial_fit call on ``data``, its
        ``(X, y, sample_weight)``: the callbacks' set-up, the call's task
        and the teardown; a no-op (one dictionary lookup) without
        callbacks."""
        if not _has_callbacks(self):
            return contextlib.nullcontext()
        return self._callback_task(incremental, *data)

    @contextlib.contextmanager
    def _callback_task(self, incremental, X, y, sample_weight):
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        token = _FIT_DATA.set((X, y, metadata))
        # Teardown runs however the call ends: success, an error, a
        # KeyboardInterrupt. It also deletes the context attributes
        # before the estimator restores itself after a failure.
        try:
            with callback_management_context(self):
                context = self._init_callback_context(
                    task_name="partial_fit" if incremental else "fit",
                    max_subtasks=0 if incremental else self.max_iter,
                )
                context.call_on_fit_task_begin(
                    estimator=self, X=X, y=y, metadata=metadata
                )
                yield
                # Reached only on success: the model is fitted.
                context.call_on_fit_task_end(
                    estimator=self,
                    X=X,
                    y=y,
                    metadata=metadata,
                    reconstruction_attributes=lambda: _weight_copies(
                        self.coefs_, self.intercepts_, self.coefs_[0].dtype
                    ),
                )
        finally:
            _FIT_DATA.reset(token)

    def _epoch_hooks(self, network, settings):
        # partial_fit's one epoch is its (leaf) task; a context without
        # callbacks of this estimator (only a meta-estimator's, to link
        # the task trees) has nobody to tell about epochs.
        if (
            "_callback_fit_ctx" not in self.__dict__
            or settings.incremental
            or not getattr(self, "_skl_callbacks", None)
        ):
            return None
        return _EpochTasks(self, self._callback_fit_ctx, network, settings)


def _weight_copies(coefs, intercepts, dtype, **more):
    """``reconstruction_attributes`` of a fitted copy: copies of the
    weights (never views of the training buffer), in the model's dtype."""
    return {
        "coefs_": [np.array(c, dtype=dtype) for c in coefs],
        "intercepts_": [np.array(b, dtype=dtype) for b in intercepts],
        **more,
    }


class _EpochTasks:
    """The epoch (L-BFGS iteration) subtasks of one ``fit`` call, as the
    training loops report them (``begin(k)``, ``end(k, params)``).

    Each ``fitted_estimator`` is made only when a callback asks for it: the
    weights are copied then. The stochastic solvers' ``begin`` reconstructs
    the epoch's starting weights (the estimator's live views); L-BFGS reports
    an iteration once it has run, so its ``begin`` has no fitted estimator.
    """

    def __init__(self, estimator, context, network, settings):
        self._estimator = estimator
        self._context = context
        self._network = network
        self._lbfgs = settings.solver == "lbfgs"
        self._task_name = "iteration" if self._lbfgs else "epoch"
        self._dtype = estimator.coefs_[0].dtype
        self._X, self._y, self._metadata = _data_for_callbacks()
        self._task = None

    def begin(self, k):
        estimator = self._estimator
        self._task = self._context.subcontext(task_name=self._task_name)
        attributes = None
        if not self._lbfgs:

            def attributes():
                return _weight_copies(
                    estimator.coefs_, estimator.intercepts_, self._dtype, n_iter_=k
                )

        self._task.call_on_fit_task_begin(
            estimator=estimator,
            X=self._X,
            y=self._y,
            metadata=self._metadata,
            reconstruction_attributes=attributes,
        )

    def end(self, k, params):
        task, self._task = self._task, None

        def attributes():
            coefs, intercepts = self._network.views(params)
            return _weight_copies(coefs, intercepts, self._dtype, n_iter_=k + 1)

        return task.call_on_fit_task_end(
            estimator=self._estimator,
            X=self._X,
            y=self._y,
            metadata=self._metadata,
            reconstruction_attributes=attributes,
        )
