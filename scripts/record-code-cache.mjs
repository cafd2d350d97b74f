// Records V8's code cache for the bundled CLI (bin/load-bundle.js): runs the commands that must
// answer fastest once, in this process, on a simulated server in a temporary state directory,
// then stores the code they compiled beside each chunk. scripts/bundle-cli.mjs runs it on each
// fresh bundle.
//
//   node scripts/record-code-cache.mjs BUNDLE_DIR
//
// The server is set up (sim create, apply) by another process first: a cache holds every
// function compiled while it was recorded, and the larger it is the longer it takes to read,
// so the everyday commands' shared chunks do not carry the code of apply. Output of the
// commands is dropped; a command that fails stops the recording (exit 1) and leaves no cache.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../bin/load-bundle.js';

const [dirArg, setupState] = process.argv.slice(2);
const dir = path.resolve(dirArg ?? '');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layout = path.join(repo, 'examples', 'default.yaml');

/** Runs parker command lines in this process, their output kept only to explain a failure. */
async function runAll(main, commands) {
  for (const args of commands) {
    let said = '';
    const code = await main(['node', 'parker', ...args], { out: () => {}, err: (text) => (said += text), isTTY: false });
    if (code !== 0) throw new Error(`parker ${args.join(' ')} exited ${code}: ${said.trim()}`);
  }
}

if (setupState !== undefined) {
  // The child: set up the simulated server, with no cache recorded.
  const s = ['--state-dir', setupState];
  try {
    await runAll(loadBundle(dir).main, [['sim', 'create', ...s], ['apply', layout, ...s]]);
  } catch (error) {
    process.stderr.write(`setting up the server to record the code cache failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-code-cache-'));
  const s = ['--state-dir', state];
  // Not `discover`: it changes a V8 flag (src/cli/discover-command.ts), and V8 refuses a cache
  // made under flags other than its own.
  const COMMANDS = [['validate', layout, ...s], ['plan', layout, ...s], ['status', ...s], ['status', 'db', ...s], ['console', 'db', ...s]];
  try {
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), dir, state], { stdio: ['ignore', 'ignore', 'inherit'] });
    const { main, saveCodeCache } = loadBundle(dir, { record: true });
    await runAll(main, COMMANDS);
    process.stdout.write(`code cache recorded for ${saveCodeCache()} chunks\n`);
  } catch (error) {
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.v8-cache')) fs.rmSync(path.join(dir, file));
    process.stderr.write(`recording the code cache failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(state, { recursive: true, force: true });
  }
}
