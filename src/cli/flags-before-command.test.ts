import { describe, expect, it } from 'vitest';
import { flagsAfterCommand } from './flags-before-command.js';

describe('flagsAfterCommand', () => {
  it("moves a command's own flags from before its name to after it, values and all", () => {
    expect(flagsAfterCommand(['--state-dir', '/s', 'status'])).toEqual(['status', '--state-dir', '/s']);
    expect(flagsAfterCommand(['--state-dir=/s', '-o', 'json', 'status', 'db'])).toEqual(['status', '--state-dir=/s', '-o', 'json', 'db']);
    expect(flagsAfterCommand(['--machine', 'sim', 'apply', 'x.yaml', '--yes'])).toEqual(['apply', '--machine', 'sim', 'x.yaml', '--yes']);
  });

  it('keeps the global flags first, and puts a subcommand\'s flags after the subcommand', () => {
    expect(flagsAfterCommand(['-q', '--state-dir', '/s', 'status'])).toEqual(['-q', 'status', '--state-dir', '/s']);
    expect(flagsAfterCommand(['--state-dir', '/s', 'sim', 'create'])).toEqual(['sim', 'create', '--state-dir', '/s']);
  });

  it("reads a flag's value by the command's own flags: -f is --follow to console, a file to gather", () => {
    expect(flagsAfterCommand(['-f', 'console', 'db'])).toEqual(['console', '-f', 'db']);
    expect(flagsAfterCommand(['-f', 'out.tar.gz', 'gather'])).toEqual(['gather', '-f', 'out.tar.gz']);
    expect(flagsAfterCommand(['--machine', 'status', 'status'])).toEqual(['status', '--machine', 'status']);
  });

  it('leaves alone what it cannot place: unknown flags, flags the command does not take, no command, help', () => {
    for (const args of [['--bogus', 'status'], ['--yes', 'status'], ['--state-dir', '/s'], ['--help', 'status'], ['status', '--state-dir', '/s'], ['--state-dir', '/s', 'nosuch'], ['--', 'status']]) {
      expect(flagsAfterCommand(args)).toEqual(args);
    }
  });
});
