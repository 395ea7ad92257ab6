# Only here because cffi's `cffi_modules` is a setup() keyword, and to carry
# docs/ into the package; all metadata is in pyproject.toml.
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_docs(build_py):
    """The package as built, with docs/*.md copied in as tuinn/docs: what
    `tuinn help` prints wherever tuinn is installed (tuinn/help.py)."""

    def run(self):
        super().run()
        target = pathlib.Path(self.build_lib) / "tuinn" / "docs"
        target.mkdir(parents=True, exist_ok=True)
        for doc in pathlib.Path(__file__).resolve().parent.joinpath("docs").glob("*.md"):
            shutil.copyfile(doc, target / doc.name)


setup(cffi_modules=["build.py:ffibuilder", "build.py:csv_builder"],
      cmdclass={"build_py": build_py_with_docs})
