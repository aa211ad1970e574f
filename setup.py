"""Build the Cython kernels; the project metadata lives in pyproject.toml."""

import subprocess
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def source_commit():
    """The git commit of the source being built ("+dirty" when tracked files
    differ from it), or None when it is not a git checkout (an sdist)."""
    try:
        # (an unpacked sdist inside another git work tree is not its checkout)
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE,
                             capture_output=True, text=True, timeout=10)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != HERE:
            return None
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=HERE, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


class BuildPyWithCommit(build_py):
    """Record the source's commit in the built package
    (``sparsefuse/_build_info.py``), so that a benchmark run from an installed
    wheel can say which code it timed (see ``sparsefuse.bench.git_commit``)."""

    def run(self):
        super().run()
        if not self.dry_run:
            target = Path(self.build_lib) / "sparsefuse" / "_build_info.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text('"""Written by setup.py when the package was built."""\n\n'
                              f"COMMIT = {source_commit()!r}\n")


extensions = [
    Extension(
        f"sparsefuse.{name}",
        [f"src/sparsefuse/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # Loop alignment: the sparse statistics pass (column norms and X^T y)
        # took 1.5 times one X.T @ y when its loop happened to straddle a
        # fetch block, 1.1 times aligned (AMD EPYC; the kernels' own loops
        # moved within the noise).
        extra_compile_args=["-O3", "-falign-loops=32"],
    )
    for name in ("_cd", "_group_cd")
]

setup(
    cmdclass={"build_py": BuildPyWithCommit},
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": "3"},
        include_path=["src"],
    ),
)
