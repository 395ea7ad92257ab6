import sys

from tuinn.cli import main

sys.exit(main())
