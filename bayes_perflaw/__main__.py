"""``python -m bayes_perflaw`` runs the command line."""

import sys

from bayes_perflaw.cli.main import main

sys.exit(main())
