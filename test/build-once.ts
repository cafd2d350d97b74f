import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The newest modification time of the TypeScript sources that dist/ is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * Vitest global set-up: the tests that run parker as a process (bin/parker.js runs the bundle
 * of dist/) need both current. `npm test` builds first; a direct `vitest run` builds here when
 * a source, or the bundling script, is newer. Building once, before any test file runs, means
 * no test rewrites dist/ under another.
 */
export default function setup(): void {
  const bundle = 'dist/bundle/main.cjs';
  const scripts = ['scripts/bundle-cli.mjs', 'scripts/bundle-plugins.mjs', 'scripts/record-code-cache.mjs', 'bin/load-bundle.js'];
  const newest = Math.max(newestSource('src'), ...scripts.map((file) => fs.statSync(file).mtimeMs));
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= newest) return;
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
