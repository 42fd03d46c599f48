"""Build of the Python module: the extension wass._wass compiles the C
library's sources (src/**/*.c) together with python/*.c; the pure-Python
files come from python/wass/, the stop-word list from share/ (installed as
wass/stopwords_en.txt). Metadata lives in pyproject.toml; MANIFEST.in lists
what the sdist carries. On Debian 12 (PEP 668) install into a venv:

    python3 -m venv --system-site-packages .venv
    .venv/bin/python -m pip install --no-build-isolation .
"""
import glob
import os
import shutil

import numpy
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

DATA = [("share/stopwords_en.txt", "stopwords_en.txt")]


class build_py_with_data(build_py):
    """Also copy the shipped data files of share/ into the package."""

    def run(self):
        super().run()
        for src, name in DATA:
            dst = os.path.join(self.build_lib, "wass", name)
            self.mkpath(os.path.dirname(dst))
            shutil.copyfile(src, dst)

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
    libraries=["png", "z", "m", "lapacke", "lapack", "svm", "dl"],
)

setup(
    ext_modules=[ext],
    cmdclass={"build_py": build_py_with_data},
    # keep setuptools' intermediate files apart from the CMake build tree;
    # compile the C files on every core
    options={"build": {"build_base": "build/setuptools"},
             "build_ext": {"parallel": os.cpu_count() or 1}},
)
