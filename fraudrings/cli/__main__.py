import sys

from fraudrings.cli import main

sys.exit(main())
