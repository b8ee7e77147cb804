"""`python -m deeper.recipes` runs the `deeper` command line."""

import sys

from deeper.recipes.cli import main

sys.exit(main())
