"""cffi builders (out-of-line API mode) of tuinn's two C modules:
`tuinn._kernel`, the training kernel (csrc/tuinn.c), and `tuinn._csv`, the
CSV number parser (csrc/csv.c).

The C declarations live once, in each header, between the `cdef-begin` and
`cdef-end` markers; this file hands that region to cffi as it is.

The kernel needs no -march: layers.c is built once per instruction set
(csrc/layers_*.c) and the kernel picks the widest the CPU runs, with the same
results on each (docs/math.md#reproducibility).

Environment:
  TUINN_SANITIZE=1   AddressSanitizer + UBSan build for the CI sanitizer pass
"""
import os
import pathlib
import sys

from cffi import FFI

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE / "csrc"


def cdef_text(header_name):
    header = (CSRC / header_name).read_text()
    begin = header.index("/* cdef-begin */") + len("/* cdef-begin */")
    return header[begin:header.index("/* cdef-end */")]


def compile_args():
    if os.environ.get("TUINN_SANITIZE") == "1":
        # -fno-wrapv and -UNDEBUG undo what CPython passes into every extension,
        # so UBSan sees signed overflow and asserts stay on.
        return (["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                 "-fno-sanitize-recover=all", "-fno-wrapv", "-UNDEBUG", "-ffp-contract=off",
                 "-fopenmp-simd", "-pthread"],
                ["-fsanitize=address,undefined", "-pthread"])
    # No -ffast-math: it implies -ffinite-math-only, which would delete the
    # divergence checks, and lets the compiler reorder sums.  No contraction the
    # compiler chooses either: the only fused multiply-adds are those written
    # (numerics.h), the same bits on every CPU.  OpenMP only for its simd
    # pragmas: the threads are the kernel's own (csrc/pool.c), which never spin.
    args = ["-O3", "-std=c11", "-ffp-contract=off", "-fopenmp-simd", "-pthread",
            "-fno-math-errno", "-fno-trapping-math"]
    return args, ["-pthread"]


def builder(module="tuinn._kernel", root=HERE):
    """The FFI builder of `module`, with source paths relative to `root`:
    setuptools accepts only relative paths (pip builds from the project root),
    and cffi's own compile() works from inside its output folder."""
    sources, header, depends = MODULES[module]
    ffi = FFI()
    ffi.cdef(cdef_text(header))
    compile_flags, link_flags = compile_args()
    csrc = os.path.relpath(CSRC, root)
    ffi.set_source(
        module,
        f'#include "{header}"',
        sources=[os.path.join(csrc, name) for name in sources],
        include_dirs=[csrc],
        depends=[os.path.join(csrc, name) for name in depends],
        extra_compile_args=compile_flags,
        extra_link_args=link_flags,
        libraries=["m"],
    )
    return ffi


# module: (sources, the header cffi reads, every header the sources include)
MODULES = {
    "tuinn._kernel": (["tuinn.c", "pool.c", "layers_base.c", "layers_avx2.c", "layers_avx512.c"],
                      "tuinn.h", ["tuinn.h", "activations.h", "layers.h", "layers.c", "numerics.h",
                                  "pool.h"]),
    "tuinn._csv": (["csv.c"], "csv.h", ["csv.h"]),
}
ffibuilder = builder("tuinn._kernel")
csv_builder = builder("tuinn._csv")

if __name__ == "__main__":
    # `python build.py OUTDIR` builds OUTDIR/tuinn/_kernel*.so and _csv*.so
    # outside any install (CI's sanitizer pass puts them in front of the
    # installed ones).
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    for name in MODULES:
        builder(name, out).compile(tmpdir=str(out), verbose=True)
