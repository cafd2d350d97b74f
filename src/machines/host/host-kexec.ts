import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KernelError, type Errno } from '../kernel-error.js';
import type { Kexec, KexecLoad, KernelFs, RunResult } from '../machine.js';

const exec = promisify(execFile);

/**
 * kexec through kexec-tools, as a person would type it. With a window, kexec_load with
 * --mem-min/--mem-max (kexec_file_load chooses its own placement); without, kexec_file_load (-s).
 */
export function kexecArgs(request: KexecLoad): string[] {
  const args = ['-l', request.image, `--append=${request.cmdline}`];
  if (request.initrd) args.push(`--initrd=${request.initrd}`);
  if (request.window) args.push(`--mem-min=0x${request.window.start.toString(16)}`, `--mem-max=0x${request.window.end.toString(16)}`);
  else args.unshift('-s');
  return args;
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

/** The errno a failed kexec stands for, read from its output; EINVAL when it says nothing known. */
export function kexecErrno(output: string): Errno {
  return KEXEC_REFUSALS.find(([pattern]) => pattern.test(output))?.[1] ?? 'EINVAL';
}

export function hostKexec(fs: KernelFs, binary = 'kexec'): Kexec {
  return {
    async load(request) {
      try {
        await exec(binary, kexecArgs(request), { timeout: 120_000 });
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string };
        const output = (err.stderr ?? err.message).trim();
        // code 'ENOENT': kexec itself is missing; a number: kexec ran and refused.
        throw new KernelError(err.code === 'ENOENT' ? 'ENOENT' : kexecErrno(output), 'kexec', request.image, output || 'kexec failed');
      }
    },
    async unload() {
      await exec(binary, ['-u'], { timeout: 60_000 }).catch(() => undefined);
    },
    loaded: () => fs.exists('sys/kernel/kexec_loaded') && fs.read('sys/kernel/kexec_loaded').trim() === '1',
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
