"""BLAS threads during training.

OpenBLAS splits even tiny products over all cores; on a small network the
threads' start-up and synchronisation cost more than the product, and on a
shared machine waiting for a descheduled thread can make a fit ten times
slower. Training a small network therefore runs its products on one thread.
SciPy's BLAS, which only does the optimizers' vector updates (memory-bound,
nothing to gain from threads), always runs on one thread: its own thread pool
would otherwise compete with NumPy's on large networks.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import threading

from threadpoolctl import ThreadpoolController

#: Products below this many multiply-adds (rows x fan_in x fan_out) run on one
#: thread; from there on a second core pays for its synchronisation (measured
#: on 2 cores: 1.4 times faster at 256 x 128 x 128, no faster at 200 x 64 x 64).
SINGLE_THREAD_MAX_WORK = 2**22

_lock = threading.Lock()
_users = 0
_limiters = []
_controllers = None


def _find_controllers():
    """(all BLAS libraries, SciPy's own BLAS libraries), found once: inspecting
    the loaded libraries takes ~0.2 ms."""
    global _controllers
    if _controllers is None:
        blas = ThreadpoolController().select(user_api="blas")
        # SciPy's wheels bundle theirs in scipy.libs (NumPy's, in numpy.libs,
        # is also named libscipy_openblas); elsewhere both share one library.
        scipy_paths = [
            lib.filepath for lib in blas.lib_controllers if "scipy.libs" in lib.filepath
        ]
        scipy_blas = blas.select(filepath=scipy_paths) if scipy_paths else None
        _controllers = (blas, scipy_blas)
    return _controllers


@contextlib.contextmanager
def blas_threads_for(largest_product):
    """Run the body with one BLAS thread if ``largest_product`` is small (and
    with one thread for SciPy's BLAS in any case).

    BLAS thread counts are process-wide, so concurrent users (fits in several
    threads) share one setting: the first to enter chooses it, the last to
    leave restores the original.
    """
    global _users
    with _lock:
        if _users == 0:
            blas, scipy_blas = _find_controllers()
            if largest_product < SINGLE_THREAD_MAX_WORK:
                _limiters.append(blas.limit(limits=1))
            elif scipy_blas is not None:
                _limiters.append(scipy_blas.limit(limits=1))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                while _limiters:
                    _limiters.pop().restore_original_limits()
