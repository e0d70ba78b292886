"""scikit-learn < 1.9, which has no ``sklearn.callback``: ``set_callbacks``
names the version it needs, and training runs as without callbacks.

On scikit-learn >= 1.9 the old version is simulated in a subprocess (skact's
own import of ``sklearn.callback`` fails); .ci/run's run on the minimum
versions covers the real one."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import builtins, warnings
    import sklearn

    try:
        import sklearn.callback
    except ImportError:
        simulated = False  # a real scikit-learn < 1.9
    else:
        simulated = True
        real_import = builtins.__import__

        def fake_import(name, globals=None, *args, **kwargs):
            if name.startswith("sklearn.callback") and (globals or {}).get(
                "__name__"
            ) == "skact._callbacks":
                raise ImportError(f"No module named {name!r}")
            return real_import(name, globals, *args, **kwargs)

        builtins.__import__ = fake_import

    import numpy as np
    from skact import ActivationMLPClassifier, ActivationMLPRegressor

    if simulated:
        # After importing skact: sklearn-compat reads the version on import.
        sklearn.__version__ = "1.6.1"

    X = np.random.RandomState(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    warnings.simplefilter("ignore")
    for Estimator in (ActivationMLPClassifier, ActivationMLPRegressor):
        est = Estimator(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        est.fit(X, y).partial_fit(X, y)
        assert est.n_iter_ == 1
        try:
            est.set_callbacks(object())
        except ImportError as error:
            print(error)
        print(sklearn.__version__)
    """
)


def test_set_callbacks_names_the_scikit_learn_version_it_needs():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    installed = lines[-1]  # the real version below 1.9, or the simulated one
    expected = (
        f"set_callbacks needs scikit-learn >= 1.9 (installed: {installed}); "
        "upgrade scikit-learn to use callbacks."
    )
    assert lines == [expected, installed, expected, installed]
