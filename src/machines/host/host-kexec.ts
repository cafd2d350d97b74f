import { promisify } from 'node:util';
import { ParkerError } from '../../units/parker-error.js';
import { childProcess } from '../../units/late-builtins.js';
import { KernelError, type Errno } from '../kernel-error.js';
import type { Kexec, KexecLoad, KexecSegment, KernelFs, RunResult } from '../machine.js';

/** execFile as a promise of its output; node:child_process is loaded at the first call. */
function exec(file: string, args: readonly string[], options: { timeout: number; maxBuffer?: number }): Promise<{ stdout: string; stderr: string }> {
  return promisify(childProcess().execFile)(file, args, { ...options, encoding: 'utf8' });
}

/**
 * kexec through kexec-tools, as a person would type it: always kexec_load into the window
 * (`-l --mem-min --mem-max`), with `-d` so that kexec-tools lists where each segment goes.
 * kexec_file_load (`-s`) chooses its own placement: an image outside the partition overwrites
 * the boot kernel's memory (measured: it panicked), so parker never uses it.
 */
export function kexecArgs(request: KexecLoad): string[] {
  if (!request.window) {
    throw new ParkerError('E_KEXEC', `refusing to load ${request.image} without a memory window: kexec_file_load (kexec -s) gives no placement control`, 'load application kernels through parker, which gives the partition as the window');
  }
  const args = ['-d', '-l', request.image, `--append=${request.cmdline}`];
  if (request.initrd) args.push(`--initrd=${request.initrd}`);
  args.push(`--mem-min=0x${request.window.start.toString(16)}`, `--mem-max=0x${request.window.end.toString(16)}`);
  return args;
}

/**
 * The segments kexec-tools' debug output lists (`kexec -d`, print_segments):
 * `segment[N].mem   = 0x...` and `segment[N].memsz = 0x...`, one pair per segment. Empty when
 * it lists none.
 */
export function parseKexecSegments(output: string): KexecSegment[] {
  const mem = new Map<number, number>();
  const size = new Map<number, number>();
  for (const match of output.matchAll(/^segment\[(\d+)\]\.(mem|memsz)\s*=\s*(0x[0-9a-fA-F]+|\(nil\))\s*$/gm)) {
    const value = match[3] === '(nil)' ? 0 : Number(BigInt(match[3]!));
    (match[2] === 'mem' ? mem : size).set(Number(match[1]), value);
  }
  return [...mem.keys()]
    .sort((a, b) => a - b)
    .filter((i) => size.has(i))
    .map((i) => ({ start: mem.get(i)!, end: mem.get(i)! + Math.max(1, size.get(i)!) - 1 }));
}

/**
 * What kexec-tools prints for the refusals callers tell apart (it exits non-zero for all of them),
 * from both paths: kexec_file_load (-s) and kexec_load with a window.
 */
const KEXEC_REFUSALS: ReadonlyArray<readonly [RegExp, Errno]> = [
  [/No such file or directory/, 'ENOENT'],
  [/Cannot determine the file type|Exec format error/, 'ENOEXEC'],
  // kexec_load: no room for a segment (the kernel's init_size) between --mem-min and --mem-max.
  [/Could not find a free area of memory|Cannot allocate memory/, 'ENOMEM'],
  [/Operation not permitted/, 'EPERM'],
];

/** The errno a failed kexec stands for, read from its output; null when it names nothing known. */
export function kexecErrno(output: string): Errno | null {
  return KEXEC_REFUSALS.find(([pattern]) => pattern.test(output))?.[1] ?? null;
}

/**
 * kexec-tools' -d listing, which says what it did, not what went wrong: its memory ranges
 * ("000000007ffd7000-000000007fffffff (1)"), segments, relocations, where it loaded purgatory
 * and the setup data, the kernel's init_size (measured on the lab VM's kexec-tools 2.0.25).
 */
const DEBUG_LINE = /^([0-9a-f]{16}-[0-9a-f]{16} \(\d+\)|MEMORY RANGES|kernel: 0x[0-9a-f]+ kernel_size:|segment\[|nr_segments|entry\s*=|R_X86_64|Loaded (purgatory|real_mode_data)|kernel init_size|bzImage is relocatable|Try gzip|Try LZMA|kexec_load: entry|sym: )/;

/** The last lines of kexec-tools' output worth quoting: what went wrong, not its -d listing. */
function quote(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !DEBUG_LINE.test(l));
  return lines.slice(-3).join('; ');
}

export function hostKexec(fs: KernelFs, binary = 'kexec'): Kexec {
  let segments: KexecSegment[] | null = null;
  return {
    async load(request) {
      segments = null;
      const args = kexecArgs(request);
      let output: string;
      try {
        const { stdout, stderr } = await exec(binary, args, { timeout: 120_000, maxBuffer: 16 * 2 ** 20 });
        output = `${stdout}\n${stderr}`;
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string; killed?: boolean; signal?: string | null };
        if (typeof err.code === 'string') {
          // It never ran: spawn failed (ENOENT: not installed; EACCES; ENOSYS when the kernel
          // lacks what node needs to start a child).
          throw new ParkerError('E_KEXEC', `cannot run ${binary} (kexec-tools) to load ${request.image}: ${err.code}${err.message ? ` (${err.message})` : ''}`, 'install kexec-tools (`kexec` on the PATH) and run parker as root');
        }
        if (err.killed || err.signal) {
          throw new ParkerError('E_KEXEC', `${binary} loading ${request.image} was killed (${err.signal ?? 'timeout'}) before it finished`, 'run it by hand with the same arguments to see why: kexec ' + args.join(' '));
        }
        const all = `${err.stdout ?? ''}\n${err.stderr ?? err.message}`;
        const errno = kexecErrno(all);
        const said = quote(all) || 'no output';
        // A refusal kexec-tools names keeps its errno (callers tell them apart); anything else is said as it is.
        if (errno) throw new KernelError(errno, 'kexec', request.image, said);
        throw new ParkerError('E_KEXEC', `kexec could not load ${request.image}: exit ${String(err.code ?? '?')}: ${said}`, 'run it by hand with the same arguments to see why: kexec ' + args.join(' '));
      }
      const listed = parseKexecSegments(output);
      segments = listed.length > 0 ? listed : null;
    },
    async unload() {
      segments = null;
      await exec(binary, ['-u'], { timeout: 60_000 }).catch(() => undefined);
    },
    loaded: () => fs.exists('sys/kernel/kexec_loaded') && fs.read('sys/kernel/kexec_loaded').trim() === '1',
    // What this process loaded, as kexec-tools listed it; nothing loaded by another process counts.
    segments: () => (segments !== null && fs.exists('sys/kernel/kexec_loaded') && fs.read('sys/kernel/kexec_loaded').trim() === '1' ? segments.map((s) => ({ ...s })) : null),
  };
}

/** Runs a stop command on this computer, with a timeout. */
export async function runCommand(argv: string[], timeoutMs: number): Promise<RunResult> {
  const [file, ...args] = argv;
  try {
    const { stdout, stderr } = await exec(file!, args, { timeout: timeoutMs });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : 127, output: `${err.stdout ?? ''}${err.stderr ?? err.message}` };
  }
}
