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
// Nothing of the build machine's own set-up may steer it: the state directory is made under
// dist/ (a temporary directory may be on /dev/shm, which parker refuses), every command names
// the simulator, the user's config files are replaced by an empty one, and NODE_OPTIONS is
// dropped (V8 refuses a cache made under other flags: scripts/bundle-cli.mjs drops it too).
import * as fs from 'node:fs';
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

/** The environment of a parker run by the recording: an empty config file beside `state`, no NODE_OPTIONS. */
function quietEnvironment(state) {
  const config = path.join(path.dirname(state), 'config.yaml');
  if (!fs.existsSync(config)) fs.writeFileSync(config, '');
  const env = { ...process.env, PARKER_CONFIG: config };
  delete env.NODE_OPTIONS;
  return env;
}

if (setupState !== undefined) {
  // The child: set up the simulated server, with no cache recorded.
  process.env.PARKER_CONFIG = quietEnvironment(setupState).PARKER_CONFIG;
  const s = ['--state-dir', setupState];
  try {
    await runAll(loadBundle(dir).main, [['sim', 'create', ...s], ['apply', layout, '--machine', 'sim', ...s]]);
  } catch (error) {
    process.stderr.write(`setting up the server to record the code cache failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  const work = fs.mkdtempSync(path.join(repo, 'dist', '.code-cache-'));
  const state = path.join(work, 'state');
  const env = quietEnvironment(state);
  process.env.PARKER_CONFIG = env.PARKER_CONFIG;
  const s = ['--machine', 'sim', '--state-dir', state];
  // `discover` changes a V8 flag while it runs and puts it back (src/cli/discover-command.ts):
  // V8 refuses a cache made under flags other than its own.
  const COMMANDS = [['validate', layout, ...s], ['plan', layout, ...s], ['status', ...s], ['status', 'db', ...s], ['console', 'db', ...s], ['discover', ...s], ['discover', '-o', 'json', ...s]];
  try {
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), dir, state], { stdio: ['ignore', 'ignore', 'inherit'], env });
    const { main, saveCodeCache } = loadBundle(dir, { record: true });
    await runAll(main, COMMANDS);
    process.stdout.write(`code cache recorded for ${saveCodeCache()} chunks\n`);
  } catch (error) {
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.v8-cache')) fs.rmSync(path.join(dir, file));
    process.stderr.write(`recording the code cache failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
