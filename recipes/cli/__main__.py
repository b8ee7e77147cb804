"""`python -m deeper.recipes.cli` runs the `deeper` command line."""

import sys

from deeper.recipes.cli import main

sys.exit(main())
