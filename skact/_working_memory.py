"""How much memory a chunked forward pass may use.

The engine predicts (and the diagnostics count) in chunks of rows whose
hidden values fit in a byte budget it is given; the budget is the user's
scikit-learn ``working_memory``, read here so that the engine never imports
scikit-learn.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn import get_config

#: Most memory (MiB) a chunked forward pass uses for its hidden layers. Chunks
#: beyond a few thousand rows are no faster, only bigger.
MAX_CHUNK_MIB = 16


def chunk_bytes():
    """Bytes a chunked forward pass may use: scikit-learn's ``working_memory``
    (MiB), at most ``MAX_CHUNK_MIB``."""
    return min(get_config()["working_memory"], MAX_CHUNK_MIB) * 2**20
