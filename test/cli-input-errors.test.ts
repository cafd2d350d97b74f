import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// Mistakes with paths get words, not errnos, and say which kind of thing was expected.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-input-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('paths that are not what a flag expects', () => {
  it('--from a missing file, and --from a directory', async () => {
    const missing = await runCli('discover', '--from', path.join(scratch, 'nope.tar.gz'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    expect(missing.stderr).not.toContain('ENOENT');
    const dir = await runCli('discover', '--from', scratch);
    expect(dir.stderr).toContain('it is a directory, not a file');
  });

  it('--root a file says to use --from', async () => {
    const file = path.join(scratch, 'snap.tar.gz');
    fs.writeFileSync(file, 'x');
    const r = await runCli('discover', '--root', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a file, not a directory');
    expect(r.stderr).toContain('--from');
  });

  it('a layout that is a directory, and one that is missing', async () => {
    expect((await runCli('validate', scratch)).stderr).toContain('it is a directory, not a file');
    const r = await runCli('validate', path.join(scratch, 'missing.yaml'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no such file or directory');
  });

  it('gather to a directory that does not exist', async () => {
    const r = await runCli('gather', '--machine', 'sim', '-f', path.join(scratch, 'no', 'such', 'dir', 'a.tar.gz'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no such file or directory');
  });
});

describe('-o wide', () => {
  it('discover -o wide prints device names whole where the table shortens them', async () => {
    const json = JSON.parse((await runCli('discover', '-o', 'json')).stdout) as { pci: { vendorName: string | null; deviceName: string | null }[] };
    const long = json.pci.map((d) => [d.vendorName, d.deviceName].filter(Boolean).join(' ')).find((n) => n.length > 48);
    expect(long, 'the default server has a device with a long pci.ids name (package pci.ids)').toBeDefined();
    expect((await runCli('discover', '-o', 'wide')).stdout).toContain(long);
    const table = (await runCli('discover')).stdout;
    expect(table).not.toContain(long);
    expect(table).toContain(`${long!.slice(0, 47)}…`);
  });
});

describe('binary input', () => {
  it('a binary file given as the layout is named binary, with no YAML errors quoting it', async () => {
    const binary = path.join(scratch, 'layout.yaml');
    fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x3a, 0x0a, 0x1b, 0x5b, 0x32, 0x4a]));
    const r = await runCli('validate', binary);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is binary, not YAML text');
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(r.stdout).toBe('');
  });
});
