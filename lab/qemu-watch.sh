# Sourced by lab/run.sh and lab/parker/boot.sh (bash). Runs one QEMU and watches its serial
# console until the guest's own init has started.
#
# Why: under TCG on a loaded 2-core host, a guest kernel now and then hangs while it boots
# (seen: an IPI never answered in text_poke_bp_batch at 2 s, then "soft lockup" every 26 s
# until the timeout). That is the emulator, before any project code runs, and it cost a whole
# 300 s timeout. A kernel can also report a stall and then carry on when its vCPUs were starved
# for a while, so a boot counts as stalled only when, QEMU_WATCH_GRACE seconds (default 40)
# after its first report, init has still not started; the watcher then stops it, so that the
# caller can boot again. A stall after init has started is not touched: from then on the code
# under test runs, and its failure must show.

# The guest kernel's own words for a CPU that stopped answering, or for an interrupt the
# emulator lost (seen: the boot kernel's second NVMe timed out on its admin queue 79 s into the
# boot, "completion polled", and init never said it was ready before the 600 s timeout).
QEMU_WATCH_STALL='soft lockup - CPU#|rcu_(sched|preempt) detected stalls|rcu: INFO: rcu_(sched|preempt) self-detected stall|nvme nvme[0-9]+: I/O tag [0-9]+ .*timeout, completion polled'

# A kernel can also hang without a word (seen: silence after "sched_clock: Marking stable" at
# 2.9 s until the 300 s timeout). A boot reaches init in 6-12 s here and prints all along, so a
# console silent for QEMU_WATCH_SILENCE seconds (default 120) before init counts as a stall too.

# run_qemu_watched CONSOLE READY_PATTERN TIMEOUT QEMU_ARGS...
#   Runs qemu-system-x86_64 QEMU_ARGS under `timeout TIMEOUT`, stdout and stderr to the
#   caller's. Returns QEMU's status (124 on timeout), or 86 when the guest kernel stalled
#   before READY_PATTERN (an extended regexp) appeared in CONSOLE; QEMU is then stopped. An
#   interrupted caller (INT, TERM) stops QEMU too.
run_qemu_watched() {
  local console=$1 ready=$2 limit=$3 grace=${QEMU_WATCH_GRACE:-40} silence=${QEMU_WATCH_SILENCE:-120}
  shift 3
  timeout --kill-after=10 "$limit" qemu-system-x86_64 "$@" < /dev/null &
  local pid=$! booted= stalled_at= size=-1 now_size changed_at=$SECONDS
  # shellcheck disable=SC2064 # the pid is meant to be fixed now
  trap "kill $pid 2> /dev/null; trap - INT TERM; kill -s INT \$\$" INT
  # shellcheck disable=SC2064
  trap "kill $pid 2> /dev/null; trap - INT TERM; kill -s TERM \$\$" TERM
  while [ -z "$booted" ] && kill -0 "$pid" 2> /dev/null; do
    now_size=$(stat -c %s "$console" 2> /dev/null || echo 0)
    if [ "$now_size" != "$size" ]; then
      size=$now_size
      changed_at=$SECONDS
    fi
    if [ -f "$console" ] && grep -Eq "$ready" "$console"; then
      booted=yes
    elif [ $((SECONDS - changed_at)) -ge "$silence" ] ||
      { [ -n "$stalled_at" ] && [ $((SECONDS - stalled_at)) -ge "$grace" ]; }; then
      kill "$pid" 2> /dev/null
      wait "$pid" 2> /dev/null
      trap - INT TERM
      return 86
    elif [ -z "$stalled_at" ] && [ -f "$console" ] && grep -Eq "$QEMU_WATCH_STALL" "$console"; then
      stalled_at=$SECONDS
    fi
    [ -n "$booted" ] || sleep 1
  done
  local status=0
  wait "$pid" || status=$?
  trap - INT TERM
  return "$status"
}

# boot_stalled_note DIR ATTEMPT LOG...: keeps the stalled boot's logs as LOG.stalled-ATTEMPT
# and counts the retry in DIR/boot-retries, so that a reader sees that it happened.
boot_stalled_note() {
  local dir=$1 attempt=$2
  shift 2
  local log
  for log in "$@"; do [ -f "$dir/$log" ] && mv "$dir/$log" "$dir/$log.stalled-$attempt"; done
  echo "$attempt" > "$dir/boot-retries"
}
