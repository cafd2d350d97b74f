// Loads the bundled CLI (dist/bundle/, CommonJS: scripts/bundle-cli.mjs) with V8's code cache.
//
// Why: node 20 compiles every module of every process from its source again (it has no compile
// cache before node 22), and parsing and compiling the bundle's chunks was a fifth of an
// interactive command's time. The build runs a few commands once and stores, beside each chunk,
// V8's cache of the code they compiled (`NAME.cjs.v8-cache`, scripts/record-code-cache.mjs); a
// later process deserializes it instead of compiling. V8 refuses a cache made by another V8 or
// with other flags, and the chunk then compiles as usual: a cache only ever saves time.
import Module, { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const BUNDLE_DIR = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const CACHE_SUFFIX = '.v8-cache';

/**
 * The cache stored for `file`, when there is one at least as new as the file. V8 checks the
 * cache against its own version, its flags and the source's length, not the source's text: a
 * chunk edited after the build (newer than its cache) must not get the old code.
 */
function storedCache(file) {
  try {
    const cache = fs.statSync(file + CACHE_SUFFIX);
    if (cache.mtimeMs < fs.statSync(file).mtimeMs) return undefined;
    return fs.readFileSync(file + CACHE_SUFFIX);
  } catch {
    return undefined;
  }
}

/**
 * Requires `dir`/main.cjs, compiling the chunks of `dir` through V8's code cache. With `record`,
 * no cache is read, and `saveCodeCache()` writes one for every chunk loaded so far, holding
 * all the code compiled until then (the commands run in between decide what that is).
 * `chunks` counts, as they load, the chunks compiled from a cache, those whose cache V8
 * refused, and those that had none.
 */
export function loadBundle(dir = BUNDLE_DIR, { record = false } = {}) {
  const bundle = fs.realpathSync(dir);
  const chunks = { cached: 0, refused: 0, uncached: 0 };
  const scripts = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    if (path.dirname(filename) !== bundle || !filename.endsWith('.cjs')) return compile.call(this, content, filename);
    const cachedData = record ? undefined : storedCache(filename);
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined) chunks.uncached++;
    else if (script.cachedDataRejected) chunks.refused++;
    else chunks.cached++;
    if (record) scripts.push({ script, file: filename + CACHE_SUFFIX });
    const wrapper = script.runInThisContext();
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, path.dirname(filename));
  };
  const { main } = createRequire(import.meta.url)(path.join(bundle, 'main.cjs'));
  const saveCodeCache = () => {
    for (const { script, file } of scripts) fs.writeFileSync(file, script.createCachedData());
    return scripts.length;
  };
  return { main, chunks, saveCodeCache };
}
