import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-safe.js';

describe('terminalSafe', () => {
  it('keeps text, newlines, tabs, carriage returns, colours and erasing a line', () => {
    const text = 'name\tvalue\r\n\u001b[1mbold\u001b[0m \u001b[31;1mred\u001b[39m é 网\n\r\u001b[2Kok\n';
    expect(terminalSafe(text)).toBe(text);
  });

  it('shows every other control character: OSC titles, cursor moves, bells, backspaces, C1 CSI', () => {
    expect(terminalSafe('a\u001b]0;pwned\u0007b')).toBe('a\\u001b]0;pwned\\u0007b');
    expect(terminalSafe('x\u001b[Ay\u001b[1;1H\u001b[2J')).toBe('x\\u001b[Ay\\u001b[1;1H\\u001b[2J');
    expect(terminalSafe('ok\bK\u009b31m\u0000')).toBe('ok\\u0008K\\u009b31m\\u0000');
  });

  it('keeps JSON valid: what it escapes in a JSON string is the same character, escaped', () => {
    const json = JSON.stringify({ name: 'a\u007fb\u0085c\u009bd' });
    expect(JSON.parse(terminalSafe(json))).toEqual({ name: 'a\u007fb\u0085c\u009bd' });
    expect(terminalSafe(json)).not.toMatch(/[\u007f-\u009f]/);
  });
});

describe('what parker prints', () => {
  it('never carries a control sequence read from the machine to the terminal', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-escapes-'));
    try {
      const name = 'esc\u001b[31mRED\u001b[0m\u001b]0;pwned\u0007';
      const dir = path.join(root, 'sys/fs/parker', name);
      fs.mkdirSync(dir, { recursive: true });
      for (const [file, value] of [['id', '1'], ['online', '0'], ['cpus', '2-3']]) fs.writeFileSync(path.join(dir, file!), `${value}\n`);
      fs.mkdirSync(path.join(root, 'proc'));
      const bin = path.resolve('bin/parker.js');
      for (const args of [['status'], ['status', name]]) {
        const r = spawnSync(process.execPath, [bin, ...args, '--root', root, '--state-dir', path.join(root, 'state')], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
        const printed = r.stdout + r.stderr;
        expect(printed, args.join(' ')).toContain('esc');
        expect(printed).not.toContain('\u001b]');
        expect(printed).not.toContain('\u0007');
        expect(printed).toContain('\\u001b]0;pwned');
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
