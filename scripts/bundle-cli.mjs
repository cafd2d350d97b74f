// Bundles the compiled CLI (dist/cli/main.js) and the daemon's worker threads into dist/bundle/,
// as CommonJS, then records V8's code cache for it (scripts/record-code-cache.mjs).
//
// Why: node's ESM loader resolves, reads and links each module file on its own, and a command
// loads 100-200 of them (parker's and its dependencies'). One chunk per command instead makes
// every command start 40-140 ms sooner here, and several seconds sooner in a QEMU guest without
// KVM (bench/boot). Each command stays its own chunk, loaded only when it runs (src/cli/main.ts).
// dist/bundle/ sits at the same depth as dist/cli/, so paths made from import.meta.url
// (package.json, web/dist, examples) resolve the same from both.
// CommonJS (.cjs), because node 20 takes a code cache only for scripts (bin/load-bundle.js), and
// because its loader of CommonJS files costs less per file than its loader of ES modules.
import { build } from 'rolldown';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinNamespaces, commanderChildProcess } from './bundle-plugins.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'dist', 'bundle');
// Built beside it and swapped in, so that a parker running meanwhile never finds half a bundle.
const fresh = path.join(repo, 'dist', `.bundle-${process.pid}`);
const old = path.join(repo, 'dist', `.bundle-old-${process.pid}`);

// What a build killed halfway left behind (a bundle not swapped in, the recording's state
// directory): never another running build's, which is named by its live pid.
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
for (const name of fs.readdirSync(path.join(repo, 'dist'))) {
  const left = /^\.(?:bundle|bundle-old|code-cache)-(\d+)(?:-|$)/.exec(name);
  if (left && !alive(Number(left[1]))) fs.rmSync(path.join(repo, 'dist', name), { recursive: true, force: true });
}
fs.rmSync(fresh, { recursive: true, force: true });
await build({
  plugins: [builtinNamespaces, commanderChildProcess],
  cwd: repo,
  input: {
    main: path.join(repo, 'dist/cli/main.js'),
    // The daemon runs each write in a worker thread started from this file (src/server/transactions.ts).
    'write-worker': path.join(repo, 'dist/server/write-worker.js'),
    // ... and reads the machine in another (src/server/status-reader.ts).
    'read-worker': path.join(repo, 'dist/server/read-worker.js'),
  },
  platform: 'node',
  logLevel: 'warn',
  output: {
    dir: fresh,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    sourcemap: false,
    // Strict, as the ES modules it is made from are.
    strict: true,
    // A chunk compiled from the code cache cannot run import() (bin/load-bundle.js): require().
    dynamicImportInCjs: false,
    // Licence notices only: the doc comments (a sixth of the text) are in src/ and dist/, and
    // every command would read, decode and keep them.
    comments: { legal: true, annotation: false, jsdoc: false },
    // ASCII, other characters escaped: V8 keeps a text with a single character beyond Latin-1
    // at two bytes per character (validate's largest chunk had four), pages every command
    // touches.
    charset: 'ascii',
  },
});
// In its own process, so that the commands it runs leave nothing behind in this one. A bundle
// without its cache still works (only slower), and the tests then say what broke the commands.
try {
  // (It runs its recording steps without NODE_OPTIONS: V8 refuses a cache made under other flags.)
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'record-code-cache.mjs'), fresh], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 10 * 60_000 });
} catch {
  process.stderr.write('warning: the bundle has no code cache; its commands start slower\n');
}
if (fs.existsSync(out)) fs.renameSync(out, old);
fs.renameSync(fresh, out);
fs.rmSync(old, { recursive: true, force: true });
