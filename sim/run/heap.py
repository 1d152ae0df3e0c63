"""The C heap of a ``capsim`` command and its forked workers: freed memory is kept for reuse.

A replication block allocates and frees the same few hundred kilobytes to megabytes of numpy
temporaries again and again. glibc's default gives such blocks back to the system when they are
freed (``munmap``, or trimming the top of the heap) and the next block takes them again, one page
fault per 4 kB page: on a virtual machine a 10,000-replication run spent a fifth of its CPU time
(about 0.5 s) in those faults. :func:`keep_freed_memory` makes glibc serve every allocation below
8 MB from its heap and keep up to 64 MB free at its top, so a block reuses the pages the previous
one freed: a quarter of the page faults. Larger arrays keep their own mappings, so the peak memory
of a run grows little (Shanxi, 20,000 replications, the process tree's peak PSS: 712 MB with
glibc's defaults, 723-734 MB with 4 or 8 MB; with a 32 MB threshold it was 840 MB). 8 MB rather
than 4 takes in the block's largest temporary (the monthly sums' bins, 4.8 MB for Shanxi), which
would otherwise be a new mapping, zeroed by the kernel, three times per block: 200,000 page faults
become 157,000 and the system time of a 10,000-replication run falls from 0.7-0.9 s to 0.6-0.7 s.

Only the ``capsim`` executable calls it, for itself and the workers it forks (which inherit the
setting); a program that imports :mod:`sim` keeps its own allocator settings.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""``mallopt`` parameters (glibc's malloc.h)."""
MMAP_THRESHOLD_BYTES = 8 * 2**20
"""Allocations from this size up still get their own mapping, given back when freed (a block's
largest arrays, the tables' copies)."""
TRIM_THRESHOLD_BYTES = 64 * 2**20
"""Free memory at the top of the heap is given back only beyond 64 MB."""


def keep_freed_memory() -> bool:
    """Set glibc's allocator to keep and reuse freed memory (see the module's text); True if it
    was set, False where the C library is not glibc (nothing changes there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl's mallopt does nothing)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return all(mallopt(parameter, value) == 1 for parameter, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)))
