/**
 * Exit statuses and error codes, as data: the one place they are defined. The CLI maps an error
 * to its exit status from here (src/cli/exit-codes.ts) and docs/errors.md is generated from
 * here (`npm run docs:errors`, src/units/error-codes-doc.ts). Both are stable: scripts branch
 * on them.
 */

/** Exit statuses, by name (also in docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The spec has errors (validate, plan). */
  invalid: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The machine refused an operation (a kernel errno), or a file could not be read. */
  machine: 3,
  /** validate: warnings but no errors. */
  warnings: 4,
  /** apply, start: a step failed and was rolled back (the machine is as it was). */
  rolledBack: 5,
  /** Anything else: a bug. */
  internal: 70,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** What each exit status means, in one clause each, in order: the summary of docs/errors.md. */
export const EXIT_MEANINGS: readonly { readonly status: ExitStatus; readonly meaning: string }[] = [
  { status: EXIT.ok, meaning: 'success' },
  { status: EXIT.invalid, meaning: 'the layout has errors' },
  { status: EXIT.usage, meaning: 'usage' },
  { status: EXIT.machine, meaning: 'the machine refused or a file could not be read' },
  { status: EXIT.warnings, meaning: '`validate` found warnings but no errors' },
  { status: EXIT.rolledBack, meaning: '`apply`/`start`/`stop`/`destroy` failed at a step and rolled back everything before it' },
  { status: EXIT.internal, meaning: 'a bug' },
];

export interface ErrorCodeInfo {
  /** The exit status of a command that ends with this error. */
  readonly exit: ExitStatus;
  /** When the exit status differs in some commands, how ("5 inside apply"). */
  readonly exitNote?: string;
  /** What it means, one line. */
  readonly meaning: string;
  /** What to do about it, one line. */
  readonly fix?: string;
}

/**
 * Every error code, in the order docs/errors.md lists them. ParkerError takes only these
 * (ErrorCode), so a new code is a new row here, and docs/errors.md must be regenerated
 * (test/errors-doc.test.ts fails until it is). E_KERNEL is what a KernelError prints, E_INTERNAL
 * stands for anything else (a bug).
 */
export const ERROR_CODES = {
  E_USAGE: { exit: EXIT.usage, meaning: 'flags that contradict each other (two machines), a missing name', fix: 'as the message says' },
  E_PARSE: { exit: EXIT.usage, meaning: 'a malformed cpulist, cpumask, size, PCI address, range or duration; the message quotes it', fix: 'fix the value' },
  E_SYNTHETIC: { exit: EXIT.usage, meaning: 'a synthetic description that does not parse or describes no machine', fix: 'see docs/synthetic.md' },
  E_MACHINE: { exit: EXIT.usage, meaning: '`--root` is not a directory holding `sys/`, `--from` cannot be read', fix: 'name a real tree or snapshot' },
  E_NOT_FOUND: { exit: EXIT.usage, meaning: 'no partition or kernel of that name', fix: '`parker status` lists them' },
  E_NO_LAYOUT: { exit: EXIT.usage, meaning: 'start, stop and apply --applied need a layout applied earlier', fix: '`parker apply LAYOUT`' },
  E_NOT_RUNNING: { exit: EXIT.usage, meaning: '`sim inject` on a kernel that is not online', fix: 'start it first' },
  E_CONFIRM: { exit: EXIT.usage, meaning: 'a change to a real host with no terminal to confirm on', fix: 'read the plan, add `--yes`' },
  E_CONFIG: { exit: EXIT.usage, meaning: 'a config file (/etc/parker/config.yaml, the user\'s, or $PARKER_CONFIG) cannot be read or holds an unknown setting or value', fix: 'fix the file the message names' },
  E_INVALID: { exit: EXIT.invalid, meaning: 'the layout has errors', fix: 'fix the layout' },
  E_BOOT_CHANGES: {
    exit: EXIT.invalid,
    meaning: 'the boot kernel needs a parameter on its command line first (`parker_cma=`) before partitions can get memory',
    fix: 'reboot the boot kernel with the parameter (`parker sim create --cmdline` on the simulator)',
  },
  E_SPEC_READ: { exit: EXIT.machine, meaning: 'the layout or a kernel `.config` cannot be read (missing, unreadable, a directory, binary)', fix: 'fix the path' },
  E_SNAPSHOT: { exit: EXIT.machine, meaning: 'not a snapshot written by `parker gather`', fix: 'gather again' },
  E_GATHER: { exit: EXIT.machine, meaning: 'a link loop, or a link out of the machine root, while gathering', fix: 'gather again' },
  E_IO: { exit: EXIT.machine, meaning: 'an output file, or standard output, cannot be written (no such directory, no space, a directory or device in its place)', fix: 'choose a writable path' },
  E_LOCKED: {
    exit: EXIT.machine,
    meaning: 'another parker holds the lock or runs the unfinished transaction; the message names its pid, host, command and start time',
    fix: 'wait for it to finish: parker takes over a lock or a transaction only once it has proved its holder dead (pid, start time and host)',
  },
  E_PLAN: {
    exit: EXIT.machine,
    meaning: 'a saved plan (`plan --out FILE`) is damaged or edited (its steps or its layout are not what parker makes of its layout), was made for another machine, or the machine changed since it was made; nothing was changed',
    fix: 'make the plan again: `parker plan LAYOUT --out FILE`',
  },
  E_STATE_CORRUPT: {
    exit: EXIT.machine,
    meaning: 'a state file parker wrote (the journal, the lock, applied.json, the daemon\'s token, the simulator\'s machine.json, hardware.json or ops.log) is damaged or malformed, or something else (a link, a FIFO) is in its place; the message names the file, the line and what is wrong, and nothing was changed',
    fix: 'as the message says: it names what parker will do again once the file is set aside or made new',
  },
  E_TOO_BIG: {
    exit: EXIT.machine,
    meaning: 'an input is too large or is not a regular file (a device, a FIFO): a layout, a kernel image, an initrd, a `.config` (or all of a layout\'s together), a snapshot or what it unpacks to, a request body read by `parker api`; the message names the file and the limit',
    fix: 'name a regular file within the limit',
  },
  E_JOURNAL: { exit: EXIT.machine, meaning: 'the journal has an unfinished transaction of another machine', fix: '`parker recover` with that machine' },
  E_APPLY: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: 'a step cannot run (no memory to load into, a machine that cannot load kernels or run stop commands)',
    fix: 'inside apply the steps before are rolled back and the exit status is 5; as the message says',
  },
  E_TIMEOUT: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: 'a kernel did not come online or go offline in time',
    fix: 'inside apply the steps before are rolled back and the exit status is 5; see `parker console NAME`',
  },
  E_STOP: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: "a kernel's stop command failed",
    fix: 'inside apply the steps before are rolled back and the exit status is 5; check the stop command in the layout',
  },
  E_DEVICE: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: 'a device cannot be handed over as it is: it has no driver in the boot kernel, is not enabled, or another partition holds it (Parker would refuse it, or oops)',
    fix: "bind its driver in the boot kernel so that its `enable` reads 1 (`echo ADDRESS > /sys/bus/pci/drivers_probe`), then apply again",
  },
  E_CANNOT_STOP: {
    exit: EXIT.machine,
    meaning: 'a running kernel would have to stop (stop, destroy, or a layout that changes or removes it) and its layout gives no stop command, so parker cannot ask it to power off; nothing was changed',
    fix: 'power the kernel off from inside and run the command again, or add stop: { command: [...] } to it in the layout',
  },
  E_START: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: 'a kernel cannot be started safely: its partition has no memory, a segment of its image lies outside that memory, it was started once already (a partition is single-use), a start is still in flight, or its readiness cannot be seen',
    fix: 'as the message says; `parker start NAME` recreates a used partition',
  },
  E_KEXEC: {
    exit: EXIT.machine,
    exitNote: '5 inside apply',
    meaning: 'kexec-tools could not be run (missing, not executable, killed) or failed for a reason it did not name; its output is quoted',
    fix: 'install kexec-tools (`kexec` on the PATH) and run parker as root',
  },
  E_SIM_STATE: {
    exit: EXIT.machine,
    meaning: "the simulator's state directory cannot be used: unreadable, its snapshot copy lost, or holding files parker did not write (which sim create will not remove)",
    fix: 'as the message says: `parker sim reset`, `parker sim create --from FILE`, or move the other files away',
  },
  E_TOPOLOGY: { exit: EXIT.machine, meaning: 'hwloc export met objects that cannot nest', fix: 'report it with the snapshot' },
  E_NO_CONSOLE: { exit: EXIT.machine, meaning: 'the machine cannot show consoles (a real host: use its serial port)' },
  E_KERNEL: {
    exit: EXIT.machine,
    meaning: "the machine's kernel refused an operation: the message names the path and the errno (EBUSY, EINVAL, ...)",
    fix: 'as the errno says; `parker status`',
  },
  E_UNAUTHORIZED: { exit: EXIT.usage, meaning: 'an API request that changes state came without a bearer token (HTTP 401)', fix: 'send `Authorization: Bearer TOKEN` with the token the daemon wrote to STATE_DIR/api-token (`parker serve --show-token`)' },
  E_FORBIDDEN: {
    exit: EXIT.usage,
    meaning: "an API request came with a bearer token that is not the daemon's, or (on a loopback TCP address) names a Host that is not loopback (HTTP 403)",
    fix: 'read the token again from STATE_DIR/api-token (removing it and running `parker serve --show-token` makes a new one, which the daemon takes at once); address the daemon as 127.0.0.1 or localhost',
  },
  E_METHOD: { exit: EXIT.usage, meaning: 'an API path was asked with a method it does not take (HTTP 405); the Allow header and the message name the ones it does', fix: 'use the method docs/server.md gives for the route' },
  E_REQUEST: { exit: EXIT.usage, meaning: 'an API request body is malformed or does not match its schema (HTTP 400); the message names the field', fix: 'send the body docs/server.md describes for the route' },
  E_BODY_TOO_LARGE: { exit: EXIT.usage, meaning: 'an API request body is larger than the daemon accepts (HTTP 413); the message names the limit', fix: 'send a smaller layout, or raise `parker serve --max-body`' },
  E_LISTEN: { exit: EXIT.usage, meaning: '`parker serve` cannot listen where asked: an address that is not loopback (without `--force`), a malformed `--listen`, or a socket path in use', fix: 'listen on the unix socket, 127.0.0.1:PORT or [::1]:PORT; stop the other daemon' },
  E_DAEMON: { exit: EXIT.machine, meaning: '`parker api` cannot reach the daemon: nothing listens on the socket or address, or it may not be opened', fix: 'start the daemon with `parker serve` (as the same user, for the same state directory), or name it with `--server`' },
  E_INTERNAL: { exit: EXIT.internal, meaning: 'a bug in parker: printed as "internal error" with its stack trace', fix: 'report it with the command and the stack trace' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable error code: a key of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The exit status of a command that ends with this code. */
export function exitStatusOf(code: ErrorCode): ExitStatus {
  return ERROR_CODES[code].exit;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
