import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `npm pack` ships must work on its own: packed, installed into an empty prefix, and run
// from there with none of this checkout around it. (`npm test` has built dist/; packing here
// skips prepack so that no rebuild rewrites dist/ under the tests running beside this one.)
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-package-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const prefix = path.join(scratch, 'prefix');
const parker = path.join(prefix, 'bin', 'parker');
const run = (...args: string[]) =>
  execFileSync(parker, args, { cwd: scratch, encoding: 'utf8', env: { ...process.env, PARKER_STATE_DIR: path.join(scratch, 'state'), XDG_STATE_HOME: scratch } });

describe('the packed package', () => {
  let files: string[] = [];
  beforeAll(() => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(scratch, packed[0]!.filename)], { stdio: 'pipe' });
  }, 240_000);

  it('holds the built code, the man page, the docs help cites and the examples, and no tests', () => {
    for (const file of ['bin/parker.js', 'bin/package.json', 'bin/load-bundle.js', 'dist/cli/main.js', 'dist/bundle/main.cjs', 'dist/bundle/main.cjs.v8-cache', 'man/parker.1', 'docs/cli.md', 'docs/errors.md', 'examples/default.yaml', 'schema/layout.schema.json']) expect(files).toContain(file);
    expect(files.filter((f) => f.endsWith('.test.js') || f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);
  });

  it('runs --version, the demo and completion from the install', () => {
    const version = JSON.parse(fs.readFileSync('package.json', 'utf8')).version as string;
    expect(run('--version').trim()).toBe(version);
    expect(run('demo')).toContain('Demo done');
    expect(run('completion', 'bash')).toContain('complete -F _parker parker');
  });

  it('compiles its chunks from the code cache the build recorded (npm keeps the files as new as their chunks)', () => {
    const loader = path.join(prefix, 'lib', 'node_modules', 'parker', 'bin', 'load-bundle.js');
    const script = `import { loadBundle } from ${JSON.stringify(loader)};
      const bundle = loadBundle();
      await bundle.main(['node', 'parker', 'status', '--state-dir', ${JSON.stringify(path.join(scratch, 'cache-state'))}], { out: () => {} });
      process.stdout.write(JSON.stringify(bundle.chunks));`;
    const chunks = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, number>;
    expect(chunks).toMatchObject({ refused: 0, uncached: 0 });
    expect(chunks['cached']).toBeGreaterThan(10);
  });
});
