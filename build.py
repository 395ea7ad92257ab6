"""cffi builder of tuinn's C kernel (out-of-line API mode): `tuinn._kernel`.

The C declarations live once, in csrc/tuinn.h, between the `cdef-begin` and
`cdef-end` markers; this file hands that region to cffi as it is.

Environment:
  TUINN_PORTABLE=1   build without -march=native (a wheel for other machines)
  TUINN_SANITIZE=1   AddressSanitizer + UBSan build for the CI sanitizer pass
"""
import os
import pathlib

from cffi import FFI

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE / "csrc"


def cdef_text():
    header = (CSRC / "tuinn.h").read_text()
    begin = header.index("/* cdef-begin */") + len("/* cdef-begin */")
    return header[begin:header.index("/* cdef-end */")]


def compile_args():
    if os.environ.get("TUINN_SANITIZE") == "1":
        # -fno-wrapv and -UNDEBUG undo what CPython passes into every extension,
        # so UBSan sees signed overflow and asserts stay on.
        return (["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                 "-fno-sanitize-recover=all", "-fno-wrapv", "-UNDEBUG", "-fopenmp-simd"],
                ["-fsanitize=address,undefined"])
    # No -ffast-math: it implies -ffinite-math-only, which would delete the
    # divergence checks.  Row sums vectorize through `omp simd reduction`.
    args = ["-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-std=c11"]
    if os.environ.get("TUINN_PORTABLE") != "1":
        args.append("-march=native")
    return args, []


ffibuilder = FFI()
ffibuilder.cdef(cdef_text())
_compile, _link = compile_args()
ffibuilder.set_source(
    "tuinn._kernel",
    '#include "tuinn.h"',
    # setuptools wants paths relative to the project root, where pip runs us.
    sources=["csrc/tuinn.c"],
    include_dirs=["csrc"],
    extra_compile_args=_compile,
    extra_link_args=_link,
    libraries=["m"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
