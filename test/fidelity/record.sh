#!/usr/bin/env bash
# Records the fidelity transcript on the real Parker kernel: builds the project, boots the
# Parker lab VM (lab/parker/boot.sh) with this checkout in its initramfs, runs
# test/fidelity/guest/record.mjs there and extracts the result into test/fixtures/
# (parker-transcript.json and parker-lab.tar.gz). One QEMU at a time: it refuses to start
# while another runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if pgrep -f '(^|/| )qemu-system' >/dev/null; then
  echo "record.sh: another QEMU is running; run one at a time" >&2
  exit 1
fi
npm run build --silent
RUN=fidelity-$(date +%Y%m%d-%H%M%S)
rc=0
lab/parker/boot.sh --parker . --script /parker/test/fidelity/guest/record.mjs --run "$RUN" --timeout "${PARKER_FIDELITY_TIMEOUT:-900}" || rc=$?
DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}/parker-runs/$RUN
# The guest script's output has a serial port of its own in newer boot.sh; else the console.
LOG=$DIR/script-output.log
[ -s "$LOG" ] || LOG=$DIR/boot-console.log
node test/fidelity/extract.mjs "$LOG"
[ "$rc" = 0 ] || echo "record.sh: the guest script exited $rc (an operation faulted: see the transcript)" >&2
exit "$rc"
