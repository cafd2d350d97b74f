#!/bin/sh
# Inside the lab VM, for lab/fixture.sh: a raw copy of sysfs/procfs (the notes are read from
# it) packed as tree.tar.gz, then, given "gather", parker's own archive, gather.tar.gz.
# The copy goes to the guest's RAM first: one archive crosses the 9p share, not 1000 files.
sh /mnt/project/lab/capture-raw.sh /tmp/tree || exit 1
tar -C /tmp/tree -czf tree.tar.gz sys proc || exit 1
[ "${1:-}" = gather ] || exit 0
exec node /mnt/project/bin/parker.js gather -f gather.tar.gz --machine host
