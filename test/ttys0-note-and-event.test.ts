import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_CMDLINE } from '../src/synthetic/default-server.js';
import { runCli } from './run-cli.js';

// An application kernel claims ttyS0 as it boots (measured on the Parker kernel). validate says
// so beforehand (an H17 note) exactly when the simulator reports it at the start (an H17 event):
// when ttyS0 is the boot kernel's console, however its command line names it.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-ttys0-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const CONSOLES: [string, string, boolean][] = [
  ['the default server (console=ttyS0,115200)', 'console=ttyS0,115200', true],
  ['ttyS0 named by its I/O port', 'console=uart8250,io,0x3f8,115200', true],
  ['ttyS0 only as the early console', 'console=tty0 earlyprintk=serial,ttyS0,115200', false],
  ['a console on ttyS4', 'console=ttyS4,115200', false],
];

describe('the H17 ttyS0 note of validate and the event of a start agree', () => {
  CONSOLES.forEach(([label, console, claimed], i) => {
    it(`${label}: ${claimed ? 'both' : 'neither'}`, async () => {
      const stateDir = path.join(scratch, `state-${i}`);
      const cmdline = DEFAULT_SERVER_CMDLINE.replace('console=ttyS0,115200', console);
      expect((await runCli('sim', 'create', '--cmdline', cmdline, '--state-dir', stateDir)).code).toBe(0);
      const validated = await runCli('validate', 'examples/profile-latency.yaml', '--state-dir', stateDir, '-o', 'json');
      expect(validated.code, validated.stderr).toBe(0);
      const notes = (JSON.parse(validated.stdout) as { diagnostics: { rule: string; severity: string; message: string }[] }).diagnostics.filter((d) => d.rule === 'firmware-ports');
      expect(notes.map((d) => d.severity)).toEqual(claimed ? ['info'] : []);
      const applied = await runCli('apply', 'examples/profile-latency.yaml', '--state-dir', stateDir);
      expect(applied.code, applied.stderr).toBe(0);
      const status = JSON.parse((await runCli('status', '--state-dir', stateDir, '-o', 'json')).stdout) as { events: { message: string; hazard?: string }[] };
      expect(status.events.filter((e) => e.hazard === 'H17').map((e) => e.message)).toEqual(claimed ? [expect.stringContaining('claimed ttyS0')] : []);
    });
  });
});
