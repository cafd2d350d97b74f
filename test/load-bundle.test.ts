import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// bin/load-bundle.js compiles the bundle's chunks through V8's code cache. A cache only counts
// in a new process, so each case loads a bundle in a child node and reports what it got.
const LOADER = path.resolve('bin/load-bundle.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-load-bundle-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Loaded {
  result: unknown;
  chunks: { cached: number; refused: number; uncached: number };
  saved?: number;
}

/** Loads `dir` in a child node, calls its main with `args` and reports the result and the chunk counts. */
function load(dir: string | null, { record = false, args = [] as string[] } = {}): Loaded {
  const script = `
    import { loadBundle } from ${JSON.stringify(LOADER)};
    const bundle = loadBundle(...${JSON.stringify(dir === null ? [] : [dir, { record }])});
    const result = await bundle.main(${JSON.stringify(['node', 'parker', ...args])}, { out: () => {}, err: () => {} });
    const saved = ${record} ? bundle.saveCodeCache() : undefined;
    process.stdout.write(JSON.stringify({ result, chunks: bundle.chunks, saved }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Loaded;
}

/** A bundle of two chunks, main.cjs answering `word` (always three letters, so the length stays). */
function fakeBundle(name: string, word: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'main.cjs'), `const { suffix } = require('./part.cjs');\nexports.main = () => '${word}' + suffix();\n`);
  fs.writeFileSync(path.join(dir, 'part.cjs'), `exports.suffix = () => '!';\n`);
  return dir;
}

const setMtime = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);

describe('loading the bundle through the code cache', () => {
  it('records a cache for every chunk loaded, and a new process compiles from it', () => {
    const dir = fakeBundle('recorded', 'one');
    const recorded = load(dir, { record: true });
    expect(recorded).toMatchObject({ result: 'one!', saved: 2, chunks: { cached: 0, refused: 0, uncached: 2 } });
    expect(fs.statSync(path.join(dir, 'main.cjs.v8-cache')).size).toBeGreaterThan(0);
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 2, refused: 0, uncached: 0 } });
  });

  it('compiles a chunk edited after its cache from the source: V8 itself would take the old code', () => {
    const dir = fakeBundle('edited', 'one');
    load(dir, { record: true });
    const main = path.join(dir, 'main.cjs');
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace("'one'", "'two'"));
    // V8 checks a cache against its own version and flags and the source's length only: a
    // cache at least as new as the edited chunk (as when both are copied) runs the old code.
    setMtime(main, 1_000_000);
    setMtime(`${main}.v8-cache`, 1_000_000);
    expect(load(dir).result).toBe('one!');
    // Newer than its cache, the chunk is compiled from its text.
    setMtime(main, 2_000_000);
    expect(load(dir)).toMatchObject({ result: 'two!', chunks: { cached: 1, refused: 0, uncached: 1 } });
  });

  it('compiles from the source when V8 refuses a damaged cache', () => {
    const dir = fakeBundle('damaged', 'one');
    load(dir, { record: true });
    const cache = path.join(dir, 'main.cjs.v8-cache');
    const bytes = fs.readFileSync(cache);
    fs.writeFileSync(cache, bytes.subarray(0, bytes.length >> 1));
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 1, refused: 1, uncached: 0 } });
    fs.writeFileSync(cache, 'not a cache at all');
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 1, refused: 1, uncached: 0 } });
  });

  it('compiles every chunk the everyday commands load from the cache the build recorded', () => {
    const state = path.join(scratch, 'state');
    // A command of the recording (scripts/record-code-cache.mjs) on a new simulated server.
    const status = load(null, { args: ['status', '--state-dir', state] });
    expect(status.result).toBe(0);
    expect(status.chunks.refused).toBe(0);
    expect(status.chunks.uncached).toBe(0);
    expect(status.chunks.cached).toBeGreaterThan(10);
  });
});
