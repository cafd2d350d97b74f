import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParkerError } from '../../units/parker-error.js';
import type { LoadedImage, SimSource } from './sim-state.js';
import type { SimOp } from './sim-fs.js';
import type { Injection } from './app-kernel.js';

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

/**
 * A simulated machine on disk: sim/machine.json (what it is), sim/ops.log (every change, one
 * JSON line each, appended before the change runs), sim/files/ (its own /boot) and, for
 * snapshots, sim/source.tar.gz. A line cut short by a killed process is ignored on replay.
 */
export class SimStore {
  readonly dir: string;
  private fd: number | null = null;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'sim');
  }

  get filesDir(): string {
    return path.join(this.dir, 'files');
  }

  get sourceArchive(): string {
    return path.join(this.dir, 'source.tar.gz');
  }

  exists(): boolean {
    return fs.existsSync(path.join(this.dir, 'machine.json'));
  }

  readMeta(): SimMeta {
    const file = path.join(this.dir, 'machine.json');
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as SimMeta;
    } catch (e) {
      throw new ParkerError('E_SIM_STATE', `cannot read the simulated machine in ${file}: ${(e as Error).message}`, 'start a new one with parker sim create (sim reset needs a readable machine.json)');
    }
  }

  create(meta: SimMeta): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.filesDir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'ops.log'), '');
    fs.writeFileSync(path.join(this.dir, 'machine.json'), JSON.stringify(meta, null, 2) + '\n');
  }

  remove(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  entries(): SimLogEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir, 'ops.log'), 'utf8');
    } catch {
      return [];
    }
    // A line cut short by a killed process: that change never happened; drop it so the next
    // append starts on a fresh line.
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      fs.truncateSync(path.join(this.dir, 'ops.log'), Buffer.byteLength(text.slice(0, end)));
      text = text.slice(0, end);
    }
    const out: SimLogEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as SimLogEntry);
      } catch {
        break; // a torn last line: that change never happened
      }
    }
    return out;
  }

  append(entry: SimLogEntry): void {
    this.fd ??= fs.openSync(path.join(this.dir, 'ops.log'), 'a');
    fs.writeSync(this.fd, JSON.stringify(entry) + '\n');
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
