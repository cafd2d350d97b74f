# Sourced by lab/run.sh and lab/parker/boot.sh (bash). Runs one QEMU and watches its serial
# console until the guest's own init has started.
#
# Why: under TCG on a loaded 2-core host, a guest kernel now and then hangs while it boots
# (seen: an IPI never answered in text_poke_bp_batch at 2 s, then "soft lockup" every 26 s
# until the timeout). That is the emulator, before any project code runs, and it cost a whole
# 300 s timeout. The watcher stops such a boot as soon as the guest kernel reports the stall,
# so that the caller can boot again. A stall after init has started is not touched: from then
# on the code under test runs, and its failure must show.

# The guest kernel's own words for a CPU that stopped answering.
QEMU_WATCH_STALL='soft lockup - CPU#|rcu_(sched|preempt) detected stalls|rcu: INFO: rcu_(sched|preempt) self-detected stall'

# run_qemu_watched CONSOLE READY_PATTERN TIMEOUT QEMU_ARGS...
#   Runs qemu-system-x86_64 QEMU_ARGS under `timeout TIMEOUT`, stdout and stderr to the
#   caller's. Returns QEMU's status (124 on timeout), or 86 when the guest kernel stalled
#   before READY_PATTERN (an extended regexp) appeared in CONSOLE; QEMU is then stopped.
run_qemu_watched() {
  local console=$1 ready=$2 limit=$3
  shift 3
  timeout --kill-after=10 "$limit" qemu-system-x86_64 "$@" < /dev/null &
  local pid=$! booted=
  while kill -0 "$pid" 2> /dev/null; do
    if [ -z "$booted" ] && [ -f "$console" ]; then
      if grep -Eq "$ready" "$console"; then
        booted=yes
      elif grep -Eq "$QEMU_WATCH_STALL" "$console"; then
        kill "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        return 86
      fi
    fi
    [ -n "$booted" ] && break
    sleep 1
  done
  local status=0
  wait "$pid" || status=$?
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
