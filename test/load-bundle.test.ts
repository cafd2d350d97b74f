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
function load(dir: string | null, { record = false, args = [] as string[], nodeFlags = [] as string[] } = {}): Loaded {
  const script = `
    import { loadBundle } from ${JSON.stringify(LOADER)};
    const bundle = loadBundle(...${JSON.stringify(dir === null ? [] : [dir, { record }])});
    const result = await bundle.main(${JSON.stringify(['node', 'parker', ...args])}, { out: () => {}, err: () => {} });
    const saved = ${record} ? bundle.saveCodeCache() : undefined;
    process.stdout.write(JSON.stringify({ result, chunks: bundle.chunks, saved }));`;
  // Bounded: a loader that waited on a FIFO must fail the test, not hang it.
  return JSON.parse(execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })) as Loaded;
}

/** A bundle of two chunks, main.cjs answering `word` (always three letters, so the length stays). */
function fakeBundle(name: string, word: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'main.cjs'), `const { suffix } = require('./part.cjs');\nexports.main = () => '${word}' + suffix();\n`);
  fs.writeFileSync(path.join(dir, 'part.cjs'), `exports.suffix = () => '!';\n`);
  return dir;
}

describe('loading the bundle through the code cache', () => {
  it('records a cache for every chunk loaded, and a new process compiles from it', () => {
    const dir = fakeBundle('recorded', 'one');
    const recorded = load(dir, { record: true });
    expect(recorded).toMatchObject({ result: 'one!', saved: 2, chunks: { cached: 0, refused: 0, uncached: 2 } });
    expect(fs.statSync(path.join(dir, 'main.cjs.v8-cache')).size).toBeGreaterThan(0);
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 2, refused: 0, uncached: 0 } });
  });

  it('compiles a chunk edited after its cache was made from its text, though V8 alone would take the old code', () => {
    const dir = fakeBundle('edited', 'one');
    load(dir, { record: true });
    const main = path.join(dir, 'main.cjs');
    const edited = fs.readFileSync(main, 'utf8').replace("'one'", "'two'");
    fs.writeFileSync(main, edited);
    // The cache file's times say nothing: it is as new as the chunk, or newer.
    fs.utimesSync(main, 1_000_000, 1_000_000);
    expect(load(dir)).toMatchObject({ result: 'two!', chunks: { cached: 1, refused: 0, uncached: 1 } });
    // Why the loader checks: V8 checks a cache against the source's length only, and would run
    // the code of 'one' for the edited text of the same length.
    const v8Data = fs.readFileSync(`${main}.v8-cache`).subarray(4);
    const script = `
      import * as vm from 'node:vm';
      const source = '(function (exports, require, module, __filename, __dirname) {\\n' + ${JSON.stringify(edited)} + '\\n});';
      const compiled = new vm.Script(source, { filename: 'parker/dist/bundle/main.cjs', lineOffset: -1, cachedData: Buffer.from(${JSON.stringify(v8Data.toString('base64'))}, 'base64') });
      const module = { exports: {} };
      compiled.runInThisContext()(module.exports, (id) => ({ suffix: () => '!' }), module, '', '');
      process.stdout.write(JSON.stringify({ refused: compiled.cachedDataRejected, result: module.exports.main() }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))).toEqual({ refused: false, result: 'one!' });
  });

  it('runs each chunk once, however many chunks require it, and hands a chunk in a cycle what has run of it so far, as node does', () => {
    const dir = path.join(scratch, 'shared');
    fs.mkdirSync(dir);
    const chunk = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), `'use strict';\n${text}\n`);
    chunk('main.cjs', `const a = require('./a.cjs');\nconst b = require('./b.cjs');\nexports.main = () => [globalThis.runs, a.seen, b.seen, a.shared === b.shared, require('node:path').basename(__filename), __dirname === require('node:path').dirname(__filename)];`);
    chunk('shared.cjs', `globalThis.runs = (globalThis.runs ?? 0) + 1;\nexports.value = 42;`);
    // a requires b before it has set its own export; b requires a back and sees it unfinished.
    chunk('a.cjs', `exports.shared = require('./shared.cjs');\nconst b = require('./b.cjs');\nexports.early = true;\nexports.seen = b.sawEarly;`);
    chunk('b.cjs', `exports.shared = require('./shared.cjs');\nexports.sawEarly = require('./a.cjs').early === true;\nexports.seen = 'b';`);
    for (const record of [true, false]) {
      expect(load(dir, { record }).result).toEqual([1, false, 'b', true, 'main.cjs', true]);
    }
  });

  it('runs a chunk that threw while loading again when it is required again, as node does', () => {
    const dir = path.join(scratch, 'throws');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'main.cjs'), `'use strict';\nlet first;\ntry { require('./flaky.cjs'); } catch (e) { first = e.message; }\nexports.main = () => [first, require('./flaky.cjs').ok];\n`);
    fs.writeFileSync(path.join(dir, 'flaky.cjs'), `'use strict';\nif (!globalThis.tried) { globalThis.tried = true; throw new Error('not yet'); }\nexports.ok = true;\n`);
    expect(load(dir).result).toEqual(['not yet', true]);
  });

  it('names the chunks in stack traces by their place in the package, with their own line numbers, cached or not', () => {
    const dir = path.join(scratch, 'stack');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'main.cjs'), `'use strict';\nexports.main = () => new Error('where').stack.split('\\n')[1].trim();\n`);
    const recorded = load(dir, { record: true });
    const cached = load(dir);
    expect(cached.chunks.cached).toBe(1);
    for (const { result } of [recorded, cached]) expect(result).toMatch(/^at (exports\.main|Object\.main|main) \(parker\/dist\/bundle\/main\.cjs:2:\d+\)$/);
  });

  it('compiles from the source when a cache is damaged, or made under V8 flags other than its own', () => {
    const dir = fakeBundle('damaged', 'one');
    load(dir, { record: true });
    const cache = path.join(dir, 'main.cjs.v8-cache');
    const bytes = fs.readFileSync(cache);
    // V8 checksums nothing of a cache in a release build: a damaged one would run as it is.
    const flipped = Buffer.from(bytes);
    flipped[bytes.length >> 1] = flipped[bytes.length >> 1]! ^ 0xff;
    fs.writeFileSync(cache, flipped);
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 1, refused: 0, uncached: 1 } });
    fs.writeFileSync(cache, bytes.subarray(0, bytes.length >> 1));
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 1, refused: 0, uncached: 1 } });
    fs.writeFileSync(cache, 'not a cache at all');
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 1, refused: 0, uncached: 1 } });
    // Made for these texts, but under another V8 flag: V8 refuses both.
    load(dir, { record: true, nodeFlags: ['--stack-size=900'] });
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 0, refused: 2, uncached: 0 } });
  });

  it('takes a FIFO, a directory or an empty file in the place of a cache for no cache, without waiting', () => {
    const dir = fakeBundle('hostile', 'one');
    const cache = path.join(dir, 'main.cjs.v8-cache');
    execFileSync('mkfifo', [cache]);
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { cached: 0, refused: 0, uncached: 2 } });
    fs.rmSync(cache);
    fs.mkdirSync(cache);
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { uncached: 2 } });
    fs.rmdirSync(cache);
    fs.writeFileSync(cache, '');
    expect(load(dir)).toMatchObject({ result: 'one!', chunks: { uncached: 2 } });
  });

  it('has no chunk that calls import(), which a chunk compiled from a cache cannot run, and every chunk strict and ASCII', () => {
    const dir = path.resolve('dist/bundle');
    const chunks = fs.readdirSync(dir).filter((f) => f.endsWith('.cjs'));
    expect(chunks.length).toBeGreaterThan(20);
    for (const chunk of chunks) {
      const text = fs.readFileSync(path.join(dir, chunk), 'utf8');
      expect(text.startsWith('"use strict";'), chunk).toBe(true);
      // ASCII (scripts/bundle-cli.mjs): V8 would keep the whole text at two bytes a character.
      expect([...text].filter((c) => c.charCodeAt(0) > 0x7f), chunk).toEqual([]);
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code.match(/(?<![\w$.])import\s*\(/g) ?? [], chunk).toEqual([]);
      // A chunk's require is the loader's own (bin/load-bundle.js): it has none of node's extras.
      expect(code.match(/(?<![\w$.])require\.\w+/g) ?? [], chunk).toEqual([]);
    }
  });

  it('records the cache whatever config file and temporary directory the building user has', () => {
    // A copy of the bundle at the same depth below a package.json, as the build makes it.
    const copy = path.join(scratch, 'copy');
    fs.mkdirSync(path.join(copy, 'dist'), { recursive: true });
    fs.copyFileSync('package.json', path.join(copy, 'package.json'));
    fs.symlinkSync(path.resolve('node_modules'), path.join(copy, 'node_modules'));
    const bundle = path.join(copy, 'dist', 'bundle');
    fs.cpSync('dist/bundle', bundle, { recursive: true, filter: (f) => !f.endsWith('.v8-cache') });
    const config = path.join(scratch, 'host-config.yaml');
    fs.writeFileSync(config, 'machine: host\noutput: json\n');
    const env = { ...process.env, PARKER_CONFIG: config, TMPDIR: '/dev/shm' };
    execFileSync(process.execPath, ['scripts/record-code-cache.mjs', bundle], { env, stdio: 'pipe' });
    const status = load(bundle, { args: ['status', '--state-dir', path.join(scratch, 'copy-state')] });
    expect(status.result).toBe(0);
    expect(status.chunks).toMatchObject({ refused: 0, uncached: 0 });
    expect(fs.readdirSync(path.resolve('dist')).filter((f) => f.startsWith('.code-cache-'))).toEqual([]);
  });

  it('compiles every chunk the everyday commands load from the cache the build recorded', () => {
    const state = path.join(scratch, 'state');
    // A command of the recording (scripts/record-code-cache.mjs) on a new simulated server.
    const status = load(null, { args: ['status', '--state-dir', state] });
    expect(status.result).toBe(0);
    expect(status.chunks.refused).toBe(0);
    expect(status.chunks.uncached).toBe(0);
    expect(status.chunks.cached).toBeGreaterThan(10);
    // discover changes a V8 flag while it runs; recorded after it, no cache would be taken.
    const discover = load(null, { args: ['discover', '-o', 'json', '--synthetic', 'pack:2 core:4 pu:2'] });
    expect(discover.result).toBe(0);
    expect(discover.chunks).toMatchObject({ refused: 0, uncached: 0 });
    // The layout commands, and one that changes the machine (its own chunks recorded apart).
    const layout = path.resolve('examples/default.yaml');
    for (const args of [['validate', layout], ['plan', layout], ['apply', layout]]) {
      const run = load(null, { args: [...args, '--state-dir', state] });
      expect(run.result, args[0]).toBe(0);
      expect(run.chunks, args[0]).toMatchObject({ refused: 0, uncached: 0 });
    }
  });
});
