import { main } from '../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the parker CLI in-process with captured output and a fixed clock. */
export async function runCli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'parker', ...args], {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    now: () => new Date('2026-11-27T12:00:00Z'),
  });
  return { code, stdout, stderr };
}
