# Only here because cffi's `cffi_modules` is a setup() keyword; all metadata
# is in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["build.py:ffibuilder", "build.py:csv_builder"])
