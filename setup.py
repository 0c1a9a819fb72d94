"""The tape machine, microprop/_tape.c, built as an optional C extension.

Everything else is in setup.cfg. Where no C compiler is found the build of the extension fails
quietly (``optional=True``), the install still succeeds, and ``microprop.compile`` uses its
``"python"`` backend. ``MICROPROP_PURE_PYTHON=1`` leaves the extension out on purpose (CI
tests that install too).
"""

import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """The same IEEE 754 operations as Python's, one rounding each: no fused multiply-add
    (which GCC and Clang make of ``a * b + c`` by default where the processor has one)."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            for extension in self.extensions:
                extension.extra_compile_args += ["-ffp-contract=off", "-fno-fast-math"]
        elif self.compiler.compiler_type == "msvc":
            for extension in self.extensions:
                extension.extra_compile_args += ["/fp:precise"]
        super().build_extensions()


pure = os.environ.get("MICROPROP_PURE_PYTHON", "") not in ("", "0")
setup(
    ext_modules=[] if pure else [Extension("microprop._tape", ["microprop/_tape.c"],
                                           optional=True)],
    cmdclass={"build_ext": BuildExt},
)
