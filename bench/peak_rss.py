#!/usr/bin/env python3
"""Run a command and print its peak resident set size in KiB.

    bench/peak_rss.py COMMAND [ARG...]

The command's own output goes to /dev/null; the exit status is the
command's.  ru_maxrss of RUSAGE_CHILDREN is the largest peak among the
waited-for children, and this script waits for exactly one.
"""

import resource
import subprocess
import sys

status = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(status)
