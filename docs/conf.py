"""Sphinx configuration for sparsefuse's documentation (``sphinx-build -W docs out``)."""

import json
from pathlib import Path

import sparsefuse

project = "sparsefuse"
author = "the sparsefuse developers"
release = version = sparsefuse.__version__
copyright = "2026, the sparsefuse developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build"]
templates_path = ["_templates"]
html_theme = "alabaster"
html_static_path = ["_static"]
nitpicky = False

ROOT = Path(__file__).resolve().parent
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
}


def benchmark_tables():
    """Write the benchmark tables from the JSON files compare.py produced."""
    from sparsefuse.bench import fmt_time

    out = ROOT / "_generated"
    out.mkdir(exist_ok=True)
    lines = []
    for name, title in (("results_lasso.json", "Lasso and elastic net"),
                        ("results_group.json", "Group lasso (weights 1)"),
                        ("results_group_debian_modality.json",
                         "Group lasso, Debian modalities, 900 s budget (separate run)"),
                        ("results_group_grouplasso.json",
                         "Group lasso with the group-lasso package (an older run)"),
                        ("results_ablation.json",
                         "Ablation: sparsefuse with each device switched off")):
        path = ROOT.parent / "benchmarks" / name
        if not path.exists():
            continue
        doc = json.loads(path.read_text())
        results = doc["results"]
        solvers = list(results[0]["runs"]) if results else []
        lines += [title, "-" * len(title), ""]
        lines += [".. list-table::", "   :header-rows: 1", ""]
        header = ["problem", "workload"] + [f"{s} (s)" for s in solvers]
        lines.append("   * - " + "\n     - ".join(header))
        for row in results:
            cells = [row["problem"], row["workload"]] + [
                fmt_time(row["runs"][s]) for s in solvers]
            lines.append("   * - " + "\n     - ".join(cells))
        machine = doc["machine"]
        lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()
                                             if k not in ("blas",)), ""]
    plots = sorted((ROOT / "_static" / "bench").glob("*.png"))
    if plots:
        lines += ["Suboptimality against time", "--------------------------", "",
                  "Each marker is one rung of a solver's ``tol`` ladder; the dotted line",
                  "is the 1e-6 target.", ""]
        for png in plots:
            lines += [f".. image:: /_static/bench/{png.name}", "   :width: 45%", ""]
    (out / "benchmark_tables.rst").write_text("\n".join(lines) + "\n")


benchmark_tables()
