"""``python -m bayes_perflaw`` runs the command line."""

import sys

from .cli import main

sys.exit(main())
