"""``python -m villageroute``: see :mod:`villageroute.cli`."""

import sys

from villageroute.cli import main

sys.exit(main())
