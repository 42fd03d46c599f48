"""Build of the Python module: the extension wass._wass compiles the C
library's sources (src/*.c) together with python/_wass.c; the pure-Python
files come from python/wass/. Metadata lives in pyproject.toml.

    python3 -m pip install --no-build-isolation .
"""
import glob
import os

import numpy
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)

sources = sorted(glob.glob("python/*.c")) + sorted(glob.glob("src/**/*.c", recursive=True))

ext = Extension(
    "wass._wass",
    sources=sources,
    include_dirs=["include", "src", "python", numpy.get_include()],
    define_macros=[("_POSIX_C_SOURCE", "200809L")],
    extra_compile_args=["-std=c11", "-O3", "-fopenmp"],
    extra_link_args=["-fopenmp"],
    libraries=["m", "lapacke", "lapack", "svm"],
)

setup(
    ext_modules=[ext],
    # keep setuptools' intermediate files apart from the CMake build tree
    options={"build": {"build_base": "build/setuptools"}},
)
