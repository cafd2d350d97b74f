/**
 * Every command, its arguments, flags and exit statuses, declared once as data. Commander's
 * parsing and help are built from these (`commandFromSpec`), and so is docs/cli.md
 * (`renderCliDoc`; `npm run docs:cli` writes it, test/cli-doc.test.ts checks it exactly).
 * This file imports nothing heavy: the CLI loads it at start-up.
 */

export interface FlagSpec {
  /** Commander's form: "-o, --output <format>". */
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly default?: string;
  readonly required?: boolean;
  /** Left out of help and docs (tuning knobs for tests). */
  readonly hidden?: boolean;
}

export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly args?: readonly ArgSpec[];
  readonly flags?: readonly FlagSpec[];
  /** Takes --machine/--root/--synthetic/--from/--state-dir (MACHINE_FLAGS). */
  readonly machineFlags?: boolean;
  /** The formats of -o/--output, when the command prints data. */
  readonly output?: readonly string[];
  /** Exit statuses and what each means for this command. */
  readonly exit?: readonly (readonly [number, string])[];
  /** A paragraph after the flags in help and docs. */
  readonly notes?: string;
  readonly subcommands?: readonly CommandSpec[];
}

/** How every command chooses its machine; exactly one of the first four. */
export const MACHINE_FLAGS: readonly FlagSpec[] = [
  { flags: '--machine <name>', description: 'sim (the built-in simulated server) or host (this computer, read from /sys and /proc)' },
  { flags: '--root <dir>', description: 'a copied sysfs/procfs tree (holding sys/ and proc/), read-only' },
  { flags: '--synthetic <description>', description: 'a made-up machine, e.g. "pack:2 numa:2 l3:4 core:8 pu:2 mem:64G" (docs/synthetic.md)' },
  { flags: '--from <archive>', description: 'a snapshot written by `parker gather -f FILE`, an hwloc-gather-topology .tar.bz2, or hwloc XML (`lstopo --of xml`)' },
  {
    flags: '--state-dir <dir>',
    description: 'where the simulated machine, the journal, the lock and the applied layout live (default: $PARKER_STATE_DIR, else /var/lib/parker on a host, else $XDG_STATE_HOME/parker)',
  },
];

/** Flags every command takes (given before or after the command's name). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { flags: '-q, --quiet', description: "print data and errors only: no progress, notes or success lines (validate's and plan's findings, info ones included, are their data)" },
  { flags: '-v, --verbose', description: 'also print the config files read, each step as it starts, and the cause of an error' },
];

const DATA = ['table', 'wide', 'json', 'yaml'] as const;
const YES: FlagSpec = { flags: '-y, --yes', description: 'do not ask before changing a real host' };
const SIM_STATE_DIR: FlagSpec = { flags: '--state-dir <dir>', description: 'state directory (default: $PARKER_STATE_DIR or $XDG_STATE_HOME/parker)' };
const LIFECYCLE_EXIT = [
  [0, 'done, or nothing to do'],
  [2, 'usage, or no kernel or partition of that name'],
  [3, 'the machine refused an operation'],
  [5, 'a step failed and the steps before it were undone'],
] as const;

export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: 'discover',
    summary: 'describe a machine: packages, NUMA nodes, caches, cores, threads, memory blocks, PCI devices, IOMMU groups, CMA areas, the Parker control filesystem',
    flags: [{ flags: '-i, --input <file>', description: 'the machine an hwloc XML file (`lstopo --of xml`) or an archive describes: the same as --from FILE' }],
    machineFlags: true,
    output: [...DATA, 'hwloc'],
    exit: [[0, 'described'], [2, 'usage, or --root, --from or -i names nothing that can be opened'], [3, 'the machine or snapshot cannot be read (damaged, refused)']],
    notes: 'The JSON shape is documented in docs/topology-json.md (schema "parker.topology/v1"); -o hwloc writes hwloc v2 XML that `lstopo -i FILE` reads. Files discovery cannot read as a kernel writes them are reported as unknown, each named in a warning on stderr (and under "warnings" in the JSON).',
  },
  {
    name: 'gather',
    summary: 'pack exactly the sysfs/procfs files discovery, planning and status read into a .tar.gz, so that `discover --from FILE` elsewhere gives the same answer',
    flags: [{ flags: '-f, --output-file <file>', description: 'archive to write (.tar.gz)', required: true }],
    machineFlags: true,
    exit: [[0, 'written'], [2, 'usage'], [3, 'the machine cannot be read or the file cannot be written']],
    notes: 'Without a machine flag, gather describes this computer (--machine host): that is what it is for.',
  },
  {
    name: 'validate',
    summary: 'check a layout against a machine: schema, resources, placement and the hazards H01-H25, each finding with file:line:col, rule and hazard id, and the fix',
    args: [{ name: 'layout', description: 'layout YAML file' }],
    machineFlags: true,
    output: DATA,
    exit: [[0, 'no problems (notes allowed)'], [1, 'errors'], [2, 'usage'], [3, 'unreadable file'], [4, 'warnings but no errors']],
  },
  {
    name: 'plan',
    summary: 'show the placement chosen for each kernel and its quality, the command lines, the boot-kernel changes and the ordered steps (+ create, ~ change, -/+ replace, - delete) that would make the machine match a layout',
    args: [{ name: 'layout', description: 'layout YAML file' }],
    flags: [
      { flags: '--out <file>', description: 'also save the plan, with a fingerprint of the machine, for `parker apply FILE`' },
      { flags: '--detailed-exitcode', description: 'exit 0 when there are no changes and 2 when there are; an error that would exit 2 (usage) exits 1 instead, so that 2 always means changes (other errors keep their status: 1 findings, 3 a file or the machine)' },
      { flags: '--compare', description: 'also place the layout the naive first-fit way (lowest free CPU numbers, devices anywhere) and show its score beside parker\'s' },
    ],
    machineFlags: true,
    output: DATA,
    exit: [[0, 'a plan, or no changes'], [1, 'the layout has errors; with --detailed-exitcode: any error that would exit 2'], [2, 'usage; with --detailed-exitcode: there are changes'], [3, 'unreadable file, or --out cannot be written']],
  },
  {
    name: 'apply',
    summary: 'make the machine match a layout: validate, plan, then run the steps as one transaction (journal, lock, rollback on failure, recovery of a crashed earlier run first)',
    args: [{ name: 'layout', description: 'layout YAML file, or a plan saved by `parker plan --out FILE`', optional: true }],
    flags: [
      { flags: '--applied', description: 'instead of a file: the layout last applied to this machine, as it was applied (its text is kept with it: an edit of the file since is not taken in, and a file gone is no matter), checked and planned again against the machine as it is now (after a machine reset every kernel comes back; parker-apply.service runs this at boot)' },
      { flags: '--dry-run', description: 'show the plan and change nothing' },
      YES,
    ],
    machineFlags: true,
    output: DATA,
    exit: [
      [0, 'applied, or no changes'],
      [1, 'the layout has errors, or the boot kernel needs changes first (parker_cma=)'],
      [2, 'usage, or --applied where no layout was applied (E_NO_LAYOUT)'],
      [3, 'the machine refused, a file is unreadable, or a saved plan is stale or edited (E_PLAN: nothing changed)'],
      [5, 'a step failed and everything was rolled back'],
    ],
    notes: 'A saved plan applies exactly its steps, only while the machine is as it was when the plan was made, and only as parker made it: its layout is checked again, and its steps must be those parker makes of that layout (a plan edited by hand is refused, E_PLAN). On a real host nothing changes without --yes or a "y" typed after the plan is shown; without a terminal apply refuses (E_CONFIRM).',
  },
  {
    name: 'status',
    summary: "show the partitions, their state, CPUs, memory, devices, uptime, and the machine's events; with NAME, one kernel in full",
    args: [{ name: 'name', description: 'one kernel: resources, command line, profile, devices with drivers, console tail, its events', optional: true }],
    machineFlags: true,
    output: DATA,
    exit: [[0, 'shown'], [2, 'usage, or no kernel of that name'], [3, 'the machine cannot be read']],
  },
  {
    name: 'start',
    summary: 'start an application kernel of the applied layout, creating its partition if needed (a used partition is made anew: a partition is single-use)',
    args: [{ name: 'name', description: 'kernel name' }],
    flags: [YES],
    machineFlags: true,
    output: DATA,
    exit: LIFECYCLE_EXIT,
  },
  {
    name: 'stop',
    summary: 'ask an application kernel to power off through its stop command and wait until it has; its partition stays',
    args: [{ name: 'name', description: 'kernel name' }],
    flags: [YES],
    machineFlags: true,
    output: DATA,
    exit: LIFECYCLE_EXIT,
  },
  {
    name: 'console',
    summary: "print an application kernel's console",
    args: [{ name: 'name', description: 'kernel name' }],
    flags: [
      { flags: '-f, --follow', description: 'keep printing new lines, each once it is whole, until the kernel stops or Ctrl-C' },
      { flags: '--poll <ms>', description: 'how often --follow looks for new lines', default: '500', hidden: true },
    ],
    machineFlags: true,
    exit: [[0, 'printed'], [2, 'no such partition'], [3, 'the machine cannot show consoles']],
  },
  {
    name: 'destroy',
    summary: 'stop an application kernel if it runs and remove its partition: CPUs back online in the boot kernel, memory back to its CMA pool, devices probed again',
    args: [{ name: 'name', description: 'kernel name', optional: true }],
    flags: [{ flags: '--all', description: 'destroy every partition' }, YES],
    machineFlags: true,
    output: DATA,
    exit: LIFECYCLE_EXIT,
  },
  {
    name: 'recover',
    summary: 'finish what a crashed apply left: roll back its steps and sweep orphans (apply, start, stop and destroy do this first by themselves)',
    machineFlags: true,
    output: DATA,
    exit: [[0, 'recovered, or nothing to recover'], [3, 'the machine refused or the journal belongs to another machine']],
  },
  {
    name: 'serve',
    summary: 'run the daemon: the HTTP API (/api/v1/), Server-Sent Events, Prometheus metrics (/metrics) and the dashboard (/), on a unix socket or a loopback address',
    flags: [
      { flags: '--listen <address>', description: 'unix:PATH, 127.0.0.1:PORT (or localhost:PORT) or [::1]:PORT (default: the socket parker.sock, mode 0600, in the state directory; /run/parker/parker.sock on a host)' },
      { flags: '--force', description: 'listen on an address that is not loopback (anyone who reaches it can read the machine)' },
      { flags: '--max-body <bytes>', description: 'largest request body accepted', default: '1048576' },
      { flags: '--show-token', description: 'print the bearer token writes need (made on first use) and where it is kept, then exit' },
      { flags: '--poll <ms>', description: 'how often the machine is looked at for events', default: '1000', hidden: true },
      { flags: '--block-per-step <ms>', description: 'block each write worker this long at every step (tests)', hidden: true },
    ],
    machineFlags: true,
    exit: [[0, 'stopped by SIGINT or SIGTERM, or the token printed'], [2, 'usage: an address that is not loopback without --force, or one in use']],
    notes:
      'Anything that changes state (apply, start, stop, destroy, recover) needs `Authorization: Bearer TOKEN`; the token is made with mode 0600 as api-token in the state directory on first start. Writes run one at a time in a worker thread, under the same lock as the CLI. Routes, events and metrics: docs/server.md.',
  },
  {
    name: 'api',
    summary: 'send one request to the running daemon (`parker serve`) and print its JSON answer; the bearer token is read from the state directory and sent with every write',
    args: [
      { name: 'method-or-path', description: 'the route (/api/v1/status, or status for short), or the method before it: GET, POST, PUT, DELETE' },
      { name: 'path', description: 'the route, when a method comes first', optional: true },
    ],
    flags: [
      { flags: '-d, --data <json>', description: 'send this JSON body (POST unless a method is given); @FILE reads it from FILE (a regular file), @- from standard input' },
      { flags: '--layout <file>', description: 'send this layout YAML file as {"layout", "name", "base"}, base being its directory, against which its relative config: paths resolve (POST unless a method is given)' },
      { flags: '--server <address>', description: 'where the daemon listens: unix:PATH or http://127.0.0.1:PORT (default: where the daemon of the state directory said it listens, else the socket parker.sock in it; /run/parker/parker.sock on a host)' },
    ],
    machineFlags: true,
    exit: [
      [0, 'the daemon answered 2xx'],
      [2, 'usage, or a request the daemon refused: malformed, without the right token, naming nothing (E_REQUEST, E_UNAUTHORIZED, E_FORBIDDEN, E_NOT_FOUND, ...)'],
      [3, 'no daemon answers (E_DAEMON), another write holds the lock (E_LOCKED), or the machine refused'],
      [5, 'a write waited for (?wait=1) failed at a step and was rolled back'],
    ],
    notes:
      'The answer is printed as indented JSON (other answers as they come: /metrics, the event stream). On an answer that is not 2xx, the error\'s code and message go to stderr and the exit status is the code\'s (docs/errors.md). Writes answer 202 with their transaction at once; add ?wait=1 to the route to wait for their end. Examples: `parker api status`, `parker api /api/v1/apply?wait=1 --layout layout.yaml`, `parker api POST destroy?wait=1 -d \'{"all": true}\'`. Routes: docs/server.md.',
  },
  {
    name: 'sim',
    summary: 'the simulated Parker machine: create, reset, show, inject faults, write a bootable image',
    subcommands: [
      {
        name: 'create',
        summary: 'create a simulated machine (replacing the current one): the default server, a synthetic description, a snapshot or a sysfs tree',
        flags: [
          { flags: '--synthetic <description>', description: 'a synthetic description (docs/synthetic.md)' },
          { flags: '--from <archive>', description: 'a snapshot written by parker gather' },
          { flags: '--root <dir>', description: 'a copied sysfs/procfs tree' },
          { flags: '--cmdline <text>', description: "the boot kernel's command line (parker_cma= sizes the CMA pools)" },
          SIM_STATE_DIR,
        ],
        output: DATA,
        exit: [[0, 'created'], [2, 'usage'], [3, 'the source cannot be read']],
      },
      {
        name: 'reset',
        summary: 'start the simulated machine again from its source: every partition gone, every CPU online',
        flags: [SIM_STATE_DIR],
        output: DATA,
        exit: [[0, 'reset'], [3, 'the state cannot be read']],
      },
      {
        name: 'show',
        summary: 'what the simulated machine is and holds: source, command line, CMA pools, partitions, events',
        flags: [SIM_STATE_DIR],
        output: DATA,
        exit: [[0, 'shown'], [3, 'the state cannot be read']],
      },
      {
        name: 'inject',
        summary: 'make a running kernel do something with machine-wide consequences: panic, reboot (H10), split-lock (H02), wbinvd (H03); or power itself off from inside (poweroff)',
        args: [
          { name: 'name', description: 'kernel name' },
          { name: 'what', description: 'panic | reboot | split-lock | wbinvd | poweroff' },
        ],
        flags: [SIM_STATE_DIR],
        exit: [[0, 'injected; its consequences are printed'], [2, 'usage or no such kernel']],
      },
      {
        name: 'image',
        summary: "write a small bzImage that passes kexec's header checks (what the simulator boots)",
        flags: [
          { flags: '-f, --output-file <file>', description: 'where to write it', required: true },
          { flags: '--kernel-version <text>', description: 'version string inside it', default: '6.1.0-parker' },
        ],
        exit: [[0, 'written'], [3, 'the file cannot be written']],
      },
    ],
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (commands, flags, layout files and kernel names)',
    args: [{ name: 'shell', description: 'bash, zsh or fish', optional: true }],
    flags: [{ flags: '--kernels', description: "list the kernel names to complete (the applied layout's and the partitions'), one a line" }],
    machineFlags: true,
    exit: [[0, 'printed'], [2, 'usage: an unknown shell']],
    notes: 'bash: `source <(parker completion bash)`, or save it as /etc/bash_completion.d/parker. zsh: save `parker completion zsh` as _parker on $fpath. fish: `parker completion fish > ~/.config/fish/completions/parker.fish`.',
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of the layout YAML, for editors and CI',
    output: ['json'],
    exit: [[0, 'printed']],
    notes:
      'The same schema is committed as schema/layout.schema.json. To have an editor check a layout as it is typed, put this first line in the YAML file (yaml-language-server, used by VS Code and others): `# yaml-language-server: $schema=<path to>/schema/layout.schema.json`',
  },
  {
    name: 'demo',
    summary: 'the tour on the simulated server: create it, validate and apply examples/default.yaml, show status and a console',
    flags: [SIM_STATE_DIR],
    exit: [[0, 'done'], [70, 'a stage failed']],
  },
];

export function specNamed(name: string): CommandSpec {
  const spec = COMMAND_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no command spec named ${name}`);
  return spec;
}

export function subSpecNamed(parent: CommandSpec, name: string): CommandSpec {
  const spec = parent.subcommands?.find((s) => s.name === name);
  if (!spec) throw new Error(`no command spec named ${parent.name} ${name}`);
  return spec;
}
