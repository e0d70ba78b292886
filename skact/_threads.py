"""BLAS threads during training.

OpenBLAS splits even tiny products over all cores; on a small network the
threads' start-up and synchronisation cost more than the product, and on a
shared machine waiting for a descheduled thread can make a fit ten times
slower. Training a small network therefore runs its products on one thread.
SciPy's BLAS, which only does the optimizers' vector updates (memory-bound,
nothing to gain from threads), always runs on one thread: its own thread pool
would otherwise compete with NumPy's on large networks.

The thread counts must come back whatever ends a fit, Ctrl-C included, and a
``KeyboardInterrupt`` may land between any two Python operations. So the
bookkeeping never depends on a counter that an interrupt could leave wrong:
the active fits are a set (adding or removing one token is a single step),
the original counts are saved before anything is changed, and a restore that
an interrupt cut short is finished by the next fit before it saves anew.
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
_active = set()  # one token per fit running inside blas_threads_for
_saved = []  # (library, original thread count) while limits may be applied
_controllers = None


def _find_controllers():
    """(all BLAS libraries, SciPy's own BLAS libraries), found once: inspecting
    the loaded libraries takes ~0.2 ms."""
    global _controllers
    if _controllers is None:
        blas = ThreadpoolController().select(user_api="blas")
        # SciPy's wheels bundle theirs in scipy.libs (NumPy's, in numpy.libs,
        # is also named libscipy_openblas); elsewhere both share one library.
        scipy_libs = [
            lib for lib in blas.lib_controllers if "scipy.libs" in lib.filepath
        ]
        _controllers = (blas.lib_controllers, scipy_libs)
    return _controllers


def _limit(libraries):
    """Save ``libraries``' thread counts, then set them to 1."""
    _saved.extend((lib, lib.num_threads) for lib in libraries)
    for lib in libraries:
        lib.set_num_threads(1)


def _restore():
    """Give every saved library its original thread count back."""
    while _saved:
        lib, n_threads = _saved[-1]
        lib.set_num_threads(n_threads)
        _saved.pop()


@contextlib.contextmanager
def blas_threads_for(largest_product):
    """Run the body with one BLAS thread if ``largest_product`` is small (and
    with one thread for SciPy's BLAS in any case).

    BLAS thread counts are process-wide, so concurrent users (fits in several
    threads) share one setting: the first to enter chooses it, the last to
    leave restores the original.
    """
    token = object()
    try:
        with _lock:
            if not _active:
                _restore()  # one an interrupt cut short; usually nothing
                blas, scipy_blas = _find_controllers()
                _limit(blas if largest_product < SINGLE_THREAD_MAX_WORK else scipy_blas)
            _active.add(token)
        yield
    finally:
        with _lock:
            _active.discard(token)
            if not _active:
                try:
                    _restore()
                except BaseException:
                    _restore()  # an interrupt mid-way: finish, then pass it on
                    raise
