"""BLAS threads during training.

OpenBLAS splits even tiny products over all cores; on a small network the
threads' start-up and synchronisation cost more than the product, and on a
shared machine waiting for a descheduled thread can make a fit ten times
slower. Training a small network therefore runs its products on one thread.
SciPy's BLAS, which only does the optimizers' vector updates (memory-bound,
nothing to gain from threads), always runs on one thread: its own thread pool
would otherwise compete with NumPy's on large networks.

The thread counts must come back whatever ends a fit, Ctrl-C included, and a
``KeyboardInterrupt`` may land between any two lines. What is guaranteed: one
interrupt landing on any line of this module (or in the body) leaves, once
the ``with`` block has ended, the lock free and, if no other fit is running,
every library on its original thread count. How: the lock is only held inside
a one-line ``with`` (released whatever is raised); entering and leaving run
inside a try of the generator's own frame whose handler leaves again, to the
end, before passing the interrupt on; leaving is idempotent (the active fits
are a set of tokens, the restore pops each saved count only once it is set
back). Not covered: a second interrupt while the first is being cleaned up
(it can leave the counts limited), and a Ctrl-C landing inside contextlib
between entering and the ``with`` taking over (the counts come back when the
interrupted call's frames are freed).
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
    """Give every saved library its original thread count back; run again
    after an interrupt, it finishes the job."""
    while _saved:
        lib, n_threads = _saved[-1]
        lib.set_num_threads(n_threads)
        _saved.pop()


def _enter(token, largest_product):
    if not _active:
        _restore()  # one that two interrupts cut short; usually nothing
        blas, scipy_blas = _find_controllers()
        _limit(blas if largest_product < SINGLE_THREAD_MAX_WORK else scipy_blas)
    _active.add(token)


def _leave(token):
    """Idempotent: leaving twice, or finishing a leave an interrupt cut
    short, changes nothing more than leaving once."""
    _active.discard(token)
    if not _active:
        _restore()


def _locked(step, *args):
    # On one line: CPython reports a separate line for the release of a
    # multi-line ``with`` after its body, where an interrupt would escape
    # with the lock held; here the only line is before the acquire.
    with _lock: step(*args)  # noqa: E701  # fmt: skip


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
        try:
            _locked(_enter, token, largest_product)
            yield
        finally:
            _locked(_leave, token)
    except BaseException:
        # An interrupt anywhere above (entering, in the body or leaving)
        # lands here, in the same frame: leave again, to the end, then pass
        # it on. After the body the frame resumes inside the try, so no line
        # of the way out is unguarded.
        _locked(_leave, token)
        raise
