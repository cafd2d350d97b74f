import * as fs from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { renderCliDoc } from '../src/cli/cli-doc.js';
import { renderManPage } from '../src/cli/man-page.js';
import { COMMAND_SPECS, MACHINE_FLAGS, type CommandSpec } from '../src/cli/command-specs.js';
import { flagsOf } from '../src/cli/command-from-spec.js';

const program = await buildProgram({ out: () => undefined, err: () => undefined, version: '0', now: () => new Date(0), setExitCode: () => undefined, isTTY: false, confirm: async () => false });

/** Each command of the program beside its spec, subcommands included. */
function pairs(commands: readonly Command[], specs: readonly CommandSpec[]): [Command, CommandSpec][] {
  return commands.flatMap((command) => {
    const spec = specs.find((s) => s.name === command.name());
    if (!spec) throw new Error(`command ${command.name()} has no spec`);
    return [[command, spec] as [Command, CommandSpec], ...pairs(command.commands, spec.subcommands ?? [])];
  });
}

describe('docs/cli.md', () => {
  it('is exactly what the command specs give (regenerate with npm run docs:cli)', () => {
    expect(fs.readFileSync('docs/cli.md', 'utf8')).toBe(renderCliDoc());
  });

  it('has a section for every command and subcommand, with every visible flag', () => {
    const doc = renderCliDoc();
    for (const [command, spec] of pairs(program.commands, COMMAND_SPECS)) {
      const heading = doc.split('\n').find((l) => l.startsWith('### `parker ') && l.includes(` ${command.name()}`));
      expect(heading, command.name()).toBeDefined();
      for (const flag of flagsOf(spec).filter((f) => !f.hidden)) expect(doc, `${command.name()} ${flag.flags}`).toContain(`\`${flag.flags}\``);
    }
  });
});

describe('help is built from the same specs', () => {
  it('every command parses exactly the flags its spec declares, and none more', () => {
    for (const [command, spec] of pairs(program.commands, COMMAND_SPECS)) {
      expect(command.options.map((o) => o.flags).sort(), command.name()).toEqual(flagsOf(spec).map((f) => f.flags).sort());
      expect(command.registeredArguments.map((a) => a.name()), command.name()).toEqual((spec.args ?? []).map((a) => a.name));
    }
  });

  it('every command with the machine flags takes all of them', () => {
    for (const [command, spec] of pairs(program.commands, COMMAND_SPECS).filter(([, s]) => s.machineFlags)) {
      for (const flag of MACHINE_FLAGS) expect(command.options.map((o) => o.flags), `${spec.name} ${flag.flags}`).toContain(flag.flags);
    }
  });

  it("a command's help lists its exit statuses as the spec gives them", () => {
    const apply = program.commands.find((c) => c.name() === 'apply')!;
    let help = '';
    apply.configureOutput({ writeOut: (t) => (help += t) });
    apply.outputHelp();
    const spec = COMMAND_SPECS.find((s) => s.name === 'apply')!;
    for (const [code, meaning] of spec.exit!) expect(help.replace(/\s+/g, ' ')).toContain(`${code} ${meaning}`);
  });
});

describe('man/parker.1', () => {
  it('is exactly what the command specs give (regenerate with npm run docs:cli), with a section per command', () => {
    const man = fs.readFileSync('man/parker.1', 'utf8');
    expect(man).toBe(renderManPage());
    for (const spec of COMMAND_SPECS) expect(man).toContain(`.SS "parker ${spec.name}`);
  });
});
