// Loads the bundled CLI (dist/bundle/, CommonJS: scripts/bundle-cli.mjs) with V8's code cache.
//
// Why: node 20 compiles every module of every process from its source again (it has no compile
// cache before node 22), and parsing and compiling the bundle's chunks was a fifth of an
// interactive command's time. The build runs a few commands once and stores, beside each chunk,
// V8's cache of the code they compiled (`NAME.cjs.v8-cache`, scripts/record-code-cache.mjs); a
// later process deserializes it instead of compiling. A cache that does not match its chunk,
// a damaged one, or one V8 refuses (another V8, other V8 flags such as --max-old-space-size) is
// not used and the chunk compiles from its text: a cache only ever saves time.
//
// CommonJS, as the bin is (bin/package.json): node starts a CommonJS entry sooner, and reaches
// the built-in modules without making ES module facades of them.
'use strict';
const Module = require('node:module');
const { crc32 } = require('node:zlib');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const BUNDLE_DIR = path.join(__dirname, '..', 'dist', 'bundle');
const CACHE_SUFFIX = '.v8-cache';
// node's own wrapper of a CommonJS module, on a line of its own so that line 1 keeps its columns.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n});';
const FINGERPRINT_BYTES = 4;

/**
 * A CRC-32 of what a cache is for and of what it holds: this V8, the wrapper, the chunk's text,
 * then V8's data (node:zlib is loaded anyway; node:crypto would cost more than the check). V8
 * itself checks a cache against its version and flags and the source's length only, and
 * checksums nothing in a release build: a chunk edited (or replaced by another build's) with
 * its length kept, or a damaged cache, would otherwise run the wrong code.
 */
const FINGERPRINT_SEED = crc32(`${process.versions.v8}\0${process.arch}\0${WRAPPER_HEAD}\0${WRAPPER_TAIL}\0`);
function fingerprint(source, v8Data) {
  const bytes = Buffer.alloc(FINGERPRINT_BYTES);
  bytes.writeUInt32BE(crc32(v8Data, crc32(source, FINGERPRINT_SEED)));
  return bytes;
}

// No cache of a chunk comes near this; a file beyond it is not one.
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The V8 data of the cache stored for `file`, when it was made for this `source` (the chunk's
 * bytes). Anything but a regular file of sane size is no cache: opened without blocking (a
 * FIFO would wait for a writer), checked before a byte is read.
 */
function storedCache(file, source) {
  let fd;
  try {
    fd = fs.openSync(file + CACHE_SUFFIX, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size <= FINGERPRINT_BYTES || stat.size > MAX_CACHE_BYTES) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
    if (fs.readSync(fd, bytes, 0, stat.size, 0) !== stat.size) return undefined;
    const v8Data = bytes.subarray(FINGERPRINT_BYTES);
    return bytes.subarray(0, FINGERPRINT_BYTES).equals(fingerprint(source, v8Data)) ? v8Data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Requires `dir`/main.cjs, compiling the chunks of `dir` through V8's code cache. With `record`,
 * no cache is read, and `saveCodeCache()` writes one for every chunk loaded so far (or only
 * for those that have none), holding all the code compiled until then (the commands run in
 * between decide what that is).
 * `chunks` counts, as they load, the chunks compiled from a cache, those whose cache V8
 * refused, and those that had none (or none made for their text).
 */
function loadBundle(dir = BUNDLE_DIR, { record = false } = {}) {
  const bundle = fs.realpathSync(dir);
  const chunks = { cached: 0, refused: 0, uncached: 0 };
  const scripts = [];
  // The bundle's own modules, by file name. A chunk names another only as "./NAME.cjs" (rolldown
  // writes no other form): found here without node's resolver, which would stat the file, look
  // for a package.json above it and read the package's "exports" for each one.
  const modules = new Map();
  // Anything else (node's built-in modules) as node would load it for a chunk.
  let nodeRequire;
  const requireFromChunk = (specifier) => {
    if (specifier.startsWith('./') && specifier.endsWith('.cjs') && !specifier.includes('/', 2)) return loadChunk(path.join(bundle, specifier.slice(2)));
    nodeRequire ??= Module.createRequire(path.join(bundle, 'main.cjs'));
    return nodeRequire(specifier);
  };
  function loadChunk(filename) {
    const known = modules.get(filename);
    if (known) return known.exports;
    const module = new Module(filename, null);
    module.filename = filename;
    // Known before it runs, as node does: two chunks that require each other get the part of
    // the other that has run so far, not a second copy.
    modules.set(filename, module);
    try {
      // The checksum is taken of the file's bytes: of its text, node would first encode it to
      // UTF-8 again, which cost a millisecond or two of every command.
      const source = fs.readFileSync(filename);
      const cachedData = record ? undefined : storedCache(filename, source);
      // Named by its place in the package, wherever it is: V8 keeps the name a cache was
      // recorded under (a directory of the build) for the code made from it.
      const name = `parker/dist/bundle/${path.basename(filename)}`;
      const script = new vm.Script(WRAPPER_HEAD + source.toString('utf8') + WRAPPER_TAIL, { filename: name, lineOffset: -1, cachedData });
      if (cachedData === undefined) chunks.uncached++;
      else if (script.cachedDataRejected) chunks.refused++;
      else chunks.cached++;
      if (record) scripts.push({ script, file: filename + CACHE_SUFFIX, source });
      script.runInThisContext().call(module.exports, module.exports, requireFromChunk, module, filename, bundle);
    } catch (error) {
      modules.delete(filename);
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }
  const { main } = loadChunk(path.join(bundle, 'main.cjs'));
  /** Writes the caches; with `onlyMissing`, only for the chunks that have none. Returns how many it wrote. */
  const saveCodeCache = ({ onlyMissing = false } = {}) => {
    let written = 0;
    for (const { script, file, source } of scripts) {
      if (onlyMissing && fs.existsSync(file)) continue;
      const v8Data = script.createCachedData();
      fs.writeFileSync(file, Buffer.concat([fingerprint(source, v8Data), v8Data]));
      written++;
    }
    return written;
  };
  return { main, chunks, saveCodeCache };
}

exports.BUNDLE_DIR = BUNDLE_DIR;
exports.loadBundle = loadBundle;
