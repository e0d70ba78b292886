"""Docstring sections shared by skact's estimators, written once.

An estimator's docstring names a section as ``{{name}}`` on a line of its
own; :func:`fill_doc` puts the text in when the class is defined, so the
classifier and the regressor document their shared parameters and
attributes in the same words.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

ACTIVATION_PARAMETER = """\
    activation : str, activation object, or sequence of these, default="relu"
        Activation of the hidden layers: one of ``"identity"``, ``"sigmoid"``
        (alias ``"logistic"``), ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
        ``"elu"``, ``"gelu"``, ``"gelu_tanh"``, ``"silu"`` (alias ``"swish"``),
        ``"softplus"``; or an object with ``forward(z)`` and
        ``derivative(z, a)`` methods (see :mod:`skact.activations`); or a
        tuple/list with one of these per hidden layer.
"""

SOLVER_PARAMETERS = """\
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        Weight optimizer: Adam, stochastic gradient descent, or SciPy's
        L-BFGS-B (full batch; often best on small data).

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * ||W||^2``, divided by the
        batch's total sample weight when added to the loss.

    batch_size : int or "auto", default="auto"
        Minibatch size of the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of ``solver="sgd"``: constant; divided by
        ``t ** power_t`` after each epoch (``t`` samples seen); or divided by 5
        whenever ``n_iter_no_change`` epochs pass without improving by ``tol``.

    learning_rate_init : float, default=0.001
        Initial step size of "sgd" and "adam".

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.

    max_iter : int, default=200
        Maximum number of epochs ("sgd", "adam") or iterations ("lbfgs").

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch ("sgd", "adam").

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split.
        Pass an int for reproducible results.

    tol : float, default=1e-4
        Training stops (or, with "adaptive", the learning rate drops) when the
        loss, or the validation score with ``early_stopping``, does not improve
        by ``tol`` for ``n_iter_no_change`` consecutive epochs. For "lbfgs",
        the gradient tolerance.

    verbose : bool, default=False
        Print one line per epoch: loss, validation score and loss when early
        stopping is on, and elapsed time.

    warm_start : bool, default=False
        Continue from the current weights and optimizer state when ``fit`` is
        called again, instead of starting afresh.

    momentum : float, default=0.9
        Momentum of "sgd", in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether "sgd" uses Nesterov's momentum.
"""

ADAM_PARAMETERS = """\
    validation_fraction : float, default=0.1
        Fraction of the data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Exponential decay rates of Adam's first and second moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping ("sgd", "adam").

    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
"""

DIAGNOSTICS_PARAMETER = """\
    diagnostics : bool, default=False
        Also record, per epoch (per L-BFGS iteration), the per-layer gradient
        norms and the dead and saturated fractions of each hidden layer in
        ``history_`` (see there). Off, nothing extra is computed.
"""

WEIGHT_ATTRIBUTES = """\
    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer ``i`` to layer ``i + 1``,
        of shape ``(units[i], units[i + 1])``. These are the live weights:
        editing them, or assigning new arrays of the same shapes, changes what
        the model predicts and where ``warm_start`` and ``partial_fit``
        continue from.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.

    n_layers_ : int
        Number of layers, input and output included.
"""

TRAINING_ATTRIBUTES = """\
    loss_ : float
        Loss at the end of the last epoch (or of L-BFGS).

    loss_curve_ : list of float
        Loss after each epoch (each L-BFGS iteration); grows over
        ``warm_start`` and ``partial_fit`` calls.

    best_loss_ : float or None
        Lowest training loss reached; None with ``early_stopping``.

    validation_scores_ : list of float or None
        The validation score (the one ``early_stopping`` maximises, see its
        description) after each epoch, with ``early_stopping`` or validation
        data; None otherwise.

    best_validation_score_ : float or None
        Best value of ``validation_scores_``; None without ``early_stopping``
        or validation data.

    history_ : dict of list
        Per-epoch (per L-BFGS iteration) records: ``"loss"`` always,
        ``"val_loss"`` (the mean loss on the validation split, without the
        L2 term) and ``"val_score"`` when a validation split is used. With
        ``diagnostics=True`` also, per epoch, a list per layer:
        ``"grad_norm"`` (one per weight matrix: the Frobenius norm of the
        objective's gradient with respect to ``coefs_[i]``, averaged over the
        epoch's minibatches), ``"dead_fraction"`` (one per hidden layer: the
        fraction of units whose output was exactly 0 for every sample seen in
        the epoch, as happens to ReLU units) and ``"saturated_fraction"`` (one
        per hidden layer: the fraction of (sample, unit) pairs whose
        derivative is below 1% of the activation's largest derivative, exact
        zeros included, as happens to sigmoid and tanh units; always 0 for
        ReLU, whose off side is what ``dead_fraction`` counts).
        Epochs trained without a record (a warm start that turns early
        stopping or diagnostics on) hold NaN.

    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.

    t_ : int
        Number of training samples seen by the stochastic solvers, over all
        calls.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.
"""

INITIALISATION_NOTES = """\
    Weights feeding a hidden layer are drawn from ``U(-b, b)`` with ``b`` from
    that layer's activation: Glorot's ``sqrt(6 / (fan_in + fan_out))`` for
    identity and tanh (and the output layer), 4 times that for the sigmoid
    (Glorot & Bengio's advice), He's ``sqrt(6 / fan_in)`` for the rectifiers
    (relu, leaky_relu, elu, gelu, gelu_tanh, silu, softplus). scikit-learn
    uses Glorot's bound for all but the logistic activation, which gets
    ``sqrt(2 / (fan_in + fan_out))``. As with any MLP, standardise the inputs
    (e.g. with :class:`~sklearn.preprocessing.StandardScaler`).
"""

REFERENCES = """\
    Glorot, X. and Bengio, Y. "Understanding the difficulty of training deep
    feedforward neural networks." AISTATS, 2010.

    He, K. et al. "Delving deep into rectifiers." ICCV, 2015.

    Hendrycks, D. and Gimpel, K. "Gaussian Error Linear Units (GELUs)."
    arXiv:1606.08415, 2016.

    Kingma, D. and Ba, J. "Adam: A method for stochastic optimization."
    arXiv:1412.6980, 2014.
"""


_SECTIONS = {name.lower(): text for name, text in globals().items() if name.isupper()}


def fill_doc(cls):
    """Replace each ``{{name}}`` line of ``cls``'s docstring by its section."""
    doc = cls.__doc__
    for name, text in _SECTIONS.items():
        doc = doc.replace("    {{" + name + "}}\n", text)
    cls.__doc__ = doc
    return cls
