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
