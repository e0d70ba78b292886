"""BLAS threads for small matrix products.

OpenBLAS splits even tiny products over all cores; on a small network the
threads' start-up and synchronisation cost more than the product, and on a
shared machine waiting for a descheduled thread can make a fit ten times
slower. Training a small network therefore runs its products on one thread.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import threading

from threadpoolctl import ThreadpoolController

#: Largest product (rows x fan_in x fan_out multiply-adds) run on one thread;
#: above it, a second core pays for its synchronisation.
SINGLE_THREAD_MAX_WORK = 2**26

_lock = threading.Lock()
_users = 0
_limiter = None
_controller = None


@contextlib.contextmanager
def blas_threads_for(largest_product):
    """Run the body on one BLAS thread if ``largest_product`` is small.

    BLAS thread counts are process-wide, so concurrent users (fits in several
    threads) share one limit: the first to enter sets it, the last to leave
    restores the original setting.
    """
    global _users, _limiter, _controller
    if largest_product > SINGLE_THREAD_MAX_WORK:
        yield
        return
    with _lock:
        if _users == 0:
            if _controller is None:
                # Found once: inspecting the loaded libraries takes ~0.2 ms.
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _limiter.restore_original_limits()
                _limiter = None
