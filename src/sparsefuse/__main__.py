"""``python -m sparsefuse``: the ``sparsefuse`` command."""

import sys

from sparsefuse.cli import main

sys.exit(main())
