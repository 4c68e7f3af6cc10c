"""Compiled kernels in a serial and a parallel flavour, both cached on disk.

A kernel is a plain Python function whose outer loop is ``prange``. Compiled with
``parallel=True`` it spreads rows over threads; compiled without, it runs in the calling thread,
which is faster on small inputs where waking threads costs more than the work. Each row is
handled by one thread with the same arithmetic, so both flavours give bit-identical results.

Numba's on-disk cache keys functions by name and bytecode but not by compile options
(numba/numba#6845), so the serial flavour is compiled from a renamed copy of the function.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, ClassVar

from llvmlite import ir
from numba import njit
from numba import types as nbtypes
from numba.core import cgutils
from numba.extending import intrinsic

#: Inputs with at least this many elements (agents or CSR entries) use the parallel flavour.
PARALLEL_MIN_SIZE = 500_000

#: A kernel that sums floats over agents splits them into this many fixed chunks, sums each in
#: order and then the chunks in order: the bits do not depend on the number of threads.
SUM_CHUNKS = 64

#: How many nodes ahead a walk over a CSR graph's rows asks for a row's first line
#: (:func:`prefetch`; measured at 10^6 agents on the metrics' and the scoring's walks).
ROWS_AHEAD = 256

#: How many elements ahead a short loop over the agents in order asks for its float arrays'
#: lines (:func:`prefetch`, once a line: every 8th element). The hardware's own prefetch left
#: such loops waiting on memory: at 10^6 on one thread, the metrics' opinion sums went from
#: 5.4 to 2.0 ms a step, the adaptation's snapshot from 3.0 to 2.4 and the tiers from 2.2 to
#: 1.5. The long kernels (activity, scoring, adaptation, consequences) compute long enough
#: per agent for memory to keep up, and 7.5's co-moments read only the critics: asked ahead,
#: they gained nothing measurable (tried, not kept).
STREAM_AHEAD = 128


class Kernel:
    """A function compiled twice; ``kernel(parallel, *args)`` picks the flavour."""

    #: every kernel defined, in order (the tests check each)
    instances: ClassVar[list[Kernel]] = []

    def __init__(self, fn: Callable[..., Any]) -> None:
        Kernel.instances.append(self)
        name = f"{fn.__name__}_serial"
        code = fn.__code__.replace(co_name=name, co_qualname=f"{fn.__qualname__}_serial")
        serial = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
        serial.__qualname__ = f"{fn.__qualname__}_serial"
        serial.__module__ = fn.__module__
        # nogil: a kernel lets other Python threads run meanwhile (the dashboard's server answers
        # a click while its worker steps; the metrics' sorts run beside the compiled passes)
        self.serial = njit(cache=True, nogil=True)(serial)
        self.parallel = njit(cache=True, nogil=True, parallel=True)(fn)
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __call__(self, parallel: bool, *args: Any) -> Any:
        return (self.parallel if parallel else self.serial)(*args)


def kernel(fn: Callable[..., Any]) -> Kernel:
    """Decorator: compile ``fn`` as a :class:`Kernel`."""
    return Kernel(fn)


def use_threads(size: int) -> bool:
    """Whether an input of ``size`` elements is worth the parallel flavour."""
    return size >= PARALLEL_MIN_SIZE


@intrinsic
def memmove(typingctx: Any, array: Any, dst: Any, src: Any, count: Any) -> Any:
    """``array[dst:dst + count] = array[src:src + count]`` for a contiguous 1-d array, ranges
    that may overlap, as one ``llvm.memmove`` (the C library's: two to three times faster than a
    compiled element loop, which cannot vectorise a copy onto itself)."""
    if not (isinstance(array, nbtypes.Array) and array.ndim == 1 and array.layout == "C"):
        return None  # typing fails: only contiguous 1-d arrays
    sig = nbtypes.void(array, nbtypes.intp, nbtypes.intp, nbtypes.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        itemsize = context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))
        dst_ptr, src_ptr = builder.gep(data, [args[1]]), builder.gep(data, [args[2]])
        cgutils.raw_memmove(builder, dst_ptr, src_ptr, args[3], itemsize)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Ask the cache for ``array[index]``'s line ahead of its use (``llvm.prefetch``: a read,
    kept in every level). A hint only: no value changes, and an address past the end is not
    read. A walk over the rows of a sparse subset of a CSR graph waits on each row's first
    line; asked for a few hundred nodes ahead, the line is there when the walk comes to it."""
    if not (isinstance(array, nbtypes.Array) and array.ndim == 1 and array.layout == "C"):
        return None  # typing fails: only contiguous 1-d arrays
    sig = nbtypes.void(array, nbtypes.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        address = builder.bitcast(builder.gep(data, [args[1]]), i8p)
        builder.call(fn, [address, i32(0), i32(3), i32(1)])  # read, keep everywhere, data
        return context.get_dummy_value()

    return sig, codegen
