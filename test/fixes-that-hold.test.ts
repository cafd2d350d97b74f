import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// A finding's fix, followed as written, gives a layout without that finding; and each problem
// is said once, without findings that only follow from it.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-fixes-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const DEFAULT = fs.readFileSync('examples/default.yaml', 'utf8');

interface Finding {
  rule: string;
  severity: string;
  message: string;
  fix?: string;
}

async function findings(text: string): Promise<Finding[]> {
  const file = path.join(scratch, `layout-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  const r = await runCli('validate', file, '-o', 'json');
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { diagnostics: Finding[] }).diagnostics;
}
const errors = async (text: string) => (await findings(text)).filter((d) => d.severity === 'error');

/** The default layout with `from` (found once) replaced by `to`. */
function edited(from: string, to: string): string {
  expect(DEFAULT.split(from).length, from).toBe(2);
  return DEFAULT.replace(from, to);
}

beforeAll(async () => {
  expect((await runCli('sim', 'create')).code).toBe(0);
  expect(await errors(DEFAULT)).toEqual([]);
});

describe("a finding's fix, followed", () => {
  // [what, the line in the default layout, written wrong, the fix said, written as it says]
  it.each([
    ['a stop command entry that YAML read as a boolean: quote the entry', 'command: [ssh, root@db.lab, poweroff]', 'command: [true]', 'quote the entry: `"true"`, as in `command: ["true"]`', 'command: ["true"]'],
    ['a boot timeout without its unit: add the unit', 'bootTimeout: 90s', 'bootTimeout: 5', 'add the unit: `bootTimeout: 5s` (or ms, m)', 'bootTimeout: 5s'],
  ])('%s', async (_what, line, wrong, fix, fixed) => {
    const [error, ...rest] = await errors(edited(line, wrong));
    expect(rest).toEqual([]);
    expect(error!.fix).toBe(fix);
    expect(await errors(edited(line, fixed))).toEqual([]);
  });

  it('a list entry that is a mapping gets no quoting advice that would turn it into text', async () => {
    const [error] = await errors(edited('command: [ssh, root@db.lab, poweroff]', 'command: [ssh, { a: 1 }, poweroff]'));
    expect(error!.rule).toBe('bad-value');
    expect(error!.fix).not.toContain('[object Object]');
    expect(error!.fix).not.toContain('quote the entry');
  });


  it('memory beyond its node: at most what its CMA pool holds, which then fits', async () => {
    const [error, ...rest] = await errors(edited('memory: 32G', 'memory: 1000G'));
    expect(rest).toEqual([]);
    expect(error!.rule).toBe('partition-limits');
    const most = /^memory: (\d+G) or less \(the CMA pool of node 1 holds 48 GiB/.exec(error!.fix!);
    expect(most, error!.fix).not.toBeNull();
    expect(await errors(edited('memory: 32G', `memory: ${most![1]}`))).toEqual([]);
  });

  it('an octal size: drop the zero (no hex advice the layout would refuse), said once', async () => {
    const found = await errors(edited('memory: 32G', 'memory: 016G'));
    expect(found.map((d) => d.rule)).toEqual(['memory-size']);
    expect(found[0]!.message).toBe('invalid size "016G": a leading zero means octal to the kernel: drop the leading zeros');
    expect(await errors(edited('memory: 32G', 'memory: 16G'))).toEqual([]);
    // A size beyond 8 PiB, once too.
    expect((await errors(edited('memory: 32G', 'memory: "99999999999999999999G"'))).map((d) => d.rule)).toEqual(['memory-size']);
  });
});

describe('one problem, one finding', () => {
  it('two kernels of one name: the name, not a serial port they would share', async () => {
    const found = await errors(edited('  - name: web\n', '  - name: db\n'));
    expect(found.map((d) => d.rule)).toEqual(['unique-names']);
  });
});
