// Records V8's code cache for the bundled CLI (bin/load-bundle.js): runs parker's commands on a
// simulated server in a temporary state directory, then stores the code they compiled beside
// each chunk. scripts/bundle-cli.mjs runs it on each fresh bundle.
//
//   node scripts/record-code-cache.mjs BUNDLE_DIR
//
// A cache holds every function compiled while it was recorded, and the larger it is the longer
// it takes to read. So each step runs in a process of its own:
//   1. setup: sim create and apply, nothing recorded;
//   2. the commands that must answer fastest (validate, plan, status, console, discover): a
//      cache for every chunk they load;
//   3. the commands that change the machine (stop, start, destroy, apply): a cache only for
//      the chunks that have none yet (their own), so the shared chunks do not carry their code.
// Output of the commands is dropped; a command that fails stops the recording (exit 1) and
// leaves no cache. Nothing of the build machine's own set-up may steer it: the state directory
// is made under dist/ (a temporary directory may be on /dev/shm, which parker refuses), the
// commands name the simulator, the user's config files are replaced by an empty one, and
// NODE_OPTIONS is dropped (V8 refuses a cache made under other flags).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../bin/load-bundle.js';

const [dirArg, step, state] = process.argv.slice(2);
const dir = path.resolve(dirArg ?? '');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layout = path.join(repo, 'examples', 'default.yaml');

/** What each step runs, on the server in `state`. */
function commandsOf(name, state) {
  const s = ['--state-dir', state];
  const sim = ['--machine', 'sim', ...s];
  switch (name) {
    case 'setup':
      return [['sim', 'create', ...s], ['apply', layout, ...sim]];
    case 'everyday':
      // `discover` changes a V8 flag while it runs and puts it back (src/cli/discover-command.ts).
      return [['validate', layout, ...sim], ['plan', layout, ...sim], ['status', ...sim], ['status', 'db', ...sim], ['console', 'db', ...sim], ['discover', ...sim], ['discover', '-o', 'json', ...sim]];
    case 'changes':
      return [['stop', 'db', ...sim], ['start', 'db', ...sim], ['destroy', 'web', ...sim], ['apply', layout, ...sim]];
  }
  throw new Error(`no step ${name}`);
}
const RECORDS = { setup: null, everyday: 'all', changes: 'missing' };

/** Runs parker command lines in this process, their output kept only to explain a failure. */
async function runAll(main, commands) {
  for (const args of commands) {
    let said = '';
    const code = await main(['node', 'parker', ...args], { out: () => {}, err: (text) => (said += text), isTTY: false });
    if (code !== 0) throw new Error(`parker ${args.join(' ')} exited ${code}: ${said.trim()}`);
  }
}

if (step !== undefined) {
  // One step, in a process of its own.
  process.env.PARKER_CONFIG = path.join(path.dirname(state), 'config.yaml');
  try {
    const record = RECORDS[step];
    const bundle = loadBundle(dir, { record: record !== null });
    await runAll(bundle.main, commandsOf(step, state));
    if (record !== null) bundle.saveCodeCache({ onlyMissing: record === 'missing' });
  } catch (error) {
    process.stderr.write(`${step}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  // Named by this process, so that a later build can tell a leftover from a running one.
  const work = fs.mkdtempSync(path.join(repo, 'dist', `.code-cache-${process.pid}-`));
  fs.writeFileSync(path.join(work, 'config.yaml'), '');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  try {
    for (const name of Object.keys(RECORDS)) {
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), dir, name, path.join(work, 'state')], { stdio: ['ignore', 'ignore', 'pipe'], env, timeout: 3 * 60_000 });
    }
    process.stdout.write(`code cache recorded for ${fs.readdirSync(dir).filter((f) => f.endsWith('.v8-cache')).length} chunks\n`);
  } catch (error) {
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.v8-cache')) fs.rmSync(path.join(dir, file));
    const said = String(error?.stderr ?? '').trim();
    const how = error?.signal ? ` (killed by ${error.signal})` : error?.status ? ` (exit ${error.status})` : '';
    process.stderr.write(`recording the code cache failed${how}: ${said || (error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
