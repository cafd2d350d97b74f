import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParkerError } from '../../units/parker-error.js';
import { errnoWords } from '../../units/errno-words.js';
import { frameRecord, printable, unframeRecord } from '../../units/framed-lines.js';
import { READ_LIMITS, readBoundedFile } from '../bounded-read.js';
import { openOwnFile, replaceOwnFile } from '../own-files.js';
import type { LoadedImage, SimSource } from './sim-state.js';
import type { SimOp } from './sim-fs.js';
import type { Injection } from './app-kernel.js';
import type { Topology } from '../../topology/model.js';

/** Everything that changes a simulated machine, in order: replaying it rebuilds the machine. */
export type SimLogEntry =
  | SimOp
  | { op: 'kexec'; image: LoadedImage }
  | { op: 'kexec-unload' }
  | { op: 'sleep'; ms: number }
  | { op: 'poweroff'; partition: string }
  | { op: 'inject'; partition: string; what: Injection };

export interface SimMeta {
  format: 'parker.sim/v1';
  source: SimSource;
  /** The boot kernel's command line. */
  cmdline: string;
  createdAt: string;
}

/** The state directory: --state-dir, else PARKER_STATE_DIR, else $XDG_STATE_HOME/parker. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARKER_STATE_DIR) return env.PARKER_STATE_DIR;
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'parker');
}

const HARDWARE_FORMAT = 'parker.sim-hardware/v1';

const SOURCE_KINDS = new Set(['default', 'synthetic', 'archive', 'root']);
const OPS = new Set(['write', 'mkdir', 'rmdir', 'mount', 'umount', 'kexec', 'kexec-unload', 'sleep', 'poweroff', 'inject']);

/** Why a parsed machine.json is not one parker writes; null when it is one. */
function metaProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `it holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a machine`;
  const m = value as Record<string, unknown>;
  if (m.format !== 'parker.sim/v1') return `its format is ${JSON.stringify(printable(String(m.format), 40))}, not parker.sim/v1`;
  const source = m.source as Record<string, unknown> | null;
  if (typeof source !== 'object' || source === null || !SOURCE_KINDS.has(source.kind as string)) return 'its source is not one of default, synthetic, archive, root';
  if (source.kind === 'synthetic' && typeof source.description !== 'string') return 'its synthetic source has no description';
  if ((source.kind === 'archive' || source.kind === 'root') && typeof source.path !== 'string') return `its ${source.kind as string} source has no path`;
  if (typeof m.cmdline !== 'string') return 'its cmdline is not text';
  if (typeof m.createdAt !== 'string') return 'its createdAt is not a time';
  return null;
}

/** Why a parsed op-log line is not a change parker logs; null when it is one. */
function entryProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a record';
  const e = value as Record<string, unknown>;
  if (typeof e.op !== 'string' || !OPS.has(e.op)) return `its op ${JSON.stringify(printable(String(e.op), 40))} is not a change the simulator logs`;
  switch (e.op) {
    case 'write':
      return typeof e.path === 'string' && typeof e.value === 'string' ? null : 'a write without a path or value';
    case 'mkdir':
    case 'rmdir':
    case 'mount':
    case 'umount':
      return typeof e.path === 'string' ? null : `a ${e.op} without a path`;
    case 'kexec': {
      const image = e.image as Record<string, unknown> | null;
      const at = image?.placedAt as Record<string, unknown> | undefined;
      return typeof image === 'object' && image !== null && typeof image.path === 'string' && typeof image.cmdline === 'string' && typeof at?.start === 'number' && typeof at.end === 'number' ? null : 'a kexec without its image';
    }
    case 'sleep':
      return typeof e.ms === 'number' && Number.isFinite(e.ms) && e.ms >= 0 ? null : 'a sleep without a duration';
    case 'poweroff':
    case 'inject':
      return typeof e.partition === 'string' ? null : `a ${e.op} without a partition`;
    default:
      return null;
  }
}

/**
 * A simulated machine on disk: sim/machine.json (what it is), sim/hardware.json (its hardware
 * as discovered when it was made), sim/ops.log (every change, one framed line each with its
 * checksum, appended before the change runs), sim/files/ (its own /boot) and, for snapshots,
 * sim/source.tar.gz. A line cut short by a killed process (no
 * newline) is dropped on replay; any other damaged line stops the machine from opening
 * (E_STATE_CORRUPT with the line), since replaying past it would rebuild another machine.
 *
 * A store may be pending: the machine exists only in memory until its first change, so that
 * reading a machine that was never made (`parker status`) creates nothing.
 */
/** What parker keeps in sim/: a name beside them there is someone else's. */
const OWN_FILES = new Set(['machine.json', 'hardware.json', 'ops.log', 'files', 'source.tar.gz']);

export class SimStore {
  readonly dir: string;
  private fd: number | null = null;
  /** Called once before the first append of a machine that is not on disk yet. */
  private materialize: (() => void) | null = null;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'sim');
  }

  get filesDir(): string {
    return path.join(this.dir, 'files');
  }

  get sourceArchive(): string {
    return path.join(this.dir, 'source.tar.gz');
  }

  get logFile(): string {
    return path.join(this.dir, 'ops.log');
  }

  get hardwareFile(): string {
    return path.join(this.dir, 'hardware.json');
  }

  exists(): boolean {
    return fs.existsSync(path.join(this.dir, 'machine.json'));
  }

  /** Makes the store write `create` on the first change (or ensureOnDisk()), not before. */
  createLater(create: () => void): void {
    this.materialize = create;
  }

  /** Writes a pending machine to disk now. */
  ensureOnDisk(): void {
    const create = this.materialize;
    this.materialize = null;
    create?.();
  }

  private damaged(file: string, what: string, fix: string): ParkerError {
    return new ParkerError('E_STATE_CORRUPT', `the simulated machine's ${file} is damaged: ${what}`, fix);
  }

  readMeta(): SimMeta {
    const file = path.join(this.dir, 'machine.json');
    const fix = `nothing was changed; make the simulated machine again: parker sim create --state-dir ${path.dirname(this.dir)} (with the source it was made from)`;
    let text: string;
    try {
      text = readBoundedFile(file, READ_LIMITS.stateFile, 'machine file').toString('utf8');
    } catch (e) {
      if (e instanceof ParkerError) throw this.damaged(file, e.message, fix);
      throw new ParkerError('E_SIM_STATE', `cannot read the simulated machine in ${file}: ${errnoWords(e)}`, 'start a new one with parker sim create (sim reset needs a readable machine.json)');
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw this.damaged(file, `it is not JSON (${(e as Error).message})`, fix);
    }
    const problem = metaProblem(data);
    if (problem) throw this.damaged(file, problem, fix);
    return data as SimMeta;
  }

  /**
   * The machine's hardware as discovery saw it when the machine was made (sim/hardware.json,
   * one framed record: its checksum tells a damaged file). Null for a machine made before the
   * record existed: it is discovered again then. Reading it instead of discovering the machine
   * at every command is most of what opening a simulated machine used to cost.
   */
  readHardware(): Topology | null {
    const file = this.hardwareFile;
    const fix = `nothing was changed; make the simulated machine again: parker sim reset --state-dir ${path.dirname(this.dir)} (or remove ${file}: the machine is then discovered at every command)`;
    let text: string;
    try {
      text = readBoundedFile(file, READ_LIMITS.stateFile * 4, 'hardware record').toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.damaged(file, e instanceof ParkerError ? e.message : `it cannot be read (${errnoWords(e)})`, fix);
    }
    const read = unframeRecord(text.replace(/\n$/, ''));
    if (!read.ok) throw this.damaged(file, read.why, fix);
    const record = read.value as { format?: unknown; topology?: Partial<Topology> } | null;
    const t = record?.topology;
    if (!read.framed || record?.format !== HARDWARE_FORMAT || typeof t !== 'object' || t === null || !Array.isArray(t.cpu) || !Array.isArray(t.nodes) || !Array.isArray(t.pci) || typeof t.cpus !== 'object') {
      throw this.damaged(file, `it is not a ${HARDWARE_FORMAT} record`, fix);
    }
    return t as Topology;
  }

  writeHardware(topology: Topology): void {
    replaceOwnFile(this.hardwareFile, `${this.hardwareFile}.${process.pid}.tmp`, frameRecord({ format: HARDWARE_FORMAT, topology }) + '\n', { mode: 0o600 });
  }

  create(meta: SimMeta): void {
    this.materialize = null;
    this.refuseForeignFiles();
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.filesDir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'ops.log'), '');
    fs.writeFileSync(path.join(this.dir, 'machine.json'), JSON.stringify(meta, null, 2) + '\n');
  }

  /**
   * A machine is made anew by removing sim/ whole: only when it holds nothing but what parker
   * writes there (a damaged machine's files included), never someone's own files.
   */
  private refuseForeignFiles(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') names = ['(a file, not a directory)'];
      else throw e;
    }
    // (hardware.json.PID.tmp: what a killed writer of the record left.)
    const foreign = names.filter((name) => !OWN_FILES.has(name) && !/^hardware\.json\.\d+\.tmp$/.test(name));
    if (foreign.length > 0) {
      throw new ParkerError('E_SIM_STATE', `${this.dir} holds files parker did not write there: ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}`, `nothing was changed; move them, or make the machine in another place with --state-dir`);
    }
  }

  remove(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  entries(): SimLogEntry[] {
    const file = this.logFile;
    let bytes: Buffer;
    try {
      // Read only as the file itself: a link in its place is damage, not another machine.
      if (fs.lstatSync(file).isSymbolicLink()) throw new ParkerError('E_STATE_CORRUPT', `op log ${file} is a symbolic link, not a file parker wrote`, 'move it aside');
      bytes = readBoundedFile(file, READ_LIMITS.stateFile * 4, 'op log');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      if (e instanceof ParkerError) throw this.damaged(file, e.message, `nothing was changed; parker sim reset makes the machine again as it was created`);
      throw this.damaged(file, `it cannot be read (${errnoWords(e)})`, 'parker sim reset makes the machine again as it was created');
    }
    let text = bytes.toString('utf8');
    // A line cut short by a killed process: that change never happened; drop it so the next
    // append starts on a fresh line.
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      const keep = bytes.lastIndexOf(0x0a) + 1;
      // Cut through a descriptor of the file itself: never through a link put in its place.
      const fd = this.openLog(fs.constants.O_WRONLY);
      try {
        fs.ftruncateSync(fd, keep);
      } finally {
        fs.closeSync(fd);
      }
      text = bytes.subarray(0, keep).toString('utf8');
    }
    const out: SimLogEntry[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const read = unframeRecord(line);
      const problem = read.ok ? entryProblem(read.value) : read.why;
      if (problem) {
        throw this.damaged(
          file,
          `line ${i + 1} of ${lines.length - 1}: ${problem}; the changes after it cannot be replayed without it`,
          `nothing was changed. Keep the ${i} changes before it: head -n ${i} ${file} > ${file}.new && mv ${file}.new ${file}; or make the machine again as it was created: parker sim reset`,
        );
      }
      out.push((read as { value: unknown }).value as SimLogEntry);
    }
    return out;
  }

  append(entry: SimLogEntry): void {
    this.ensureOnDisk();
    this.fd ??= this.openLog(fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT);
    fs.writeSync(this.fd, frameRecord(entry) + '\n');
  }

  /** The op log, opened as parker's own file (own-files.ts): a link or FIFO there is refused as damage. */
  private openLog(flags: number): number {
    try {
      return openOwnFile(this.logFile, flags);
    } catch (e) {
      if (e instanceof ParkerError) throw this.damaged(this.logFile, e.message, 'nothing was changed; move it aside and make the machine again as it was created: parker sim reset');
      throw e;
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
