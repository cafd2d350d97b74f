import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { MACHINE_FLAGS } from '../src/cli/machine-flags.js';

const cliDoc = fs.readFileSync('docs/cli.md', 'utf8');
const program = await buildProgram({ out: () => undefined, err: () => undefined, version: '0', now: () => new Date(0), setExitCode: () => undefined, isTTY: false, confirm: async () => false });

describe('docs/cli.md is current', () => {
  it('documents every command', () => {
    const names = program.commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(cliDoc, `command ${name}`).toContain(`\`${name}`);
  });

  it('documents every machine flag', () => {
    for (const flag of MACHINE_FLAGS) expect(cliDoc, flag.flags).toContain(`\`${flag.flags.split(' ')[0]}`);
  });
});
