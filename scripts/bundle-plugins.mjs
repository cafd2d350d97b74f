// Plugins of the CLI's bundle (scripts/bundle-cli.mjs): what each chunk does as it loads is
// paid by every command, so what rolldown or a dependency does there for nothing is left out.
// test/bundle-plugins.test.ts runs them on small inputs.

/**
 * A chunk that does `import * as fs from 'node:fs'` gets from rolldown a copy of the built-in
 * module: every property redefined as a getter on a new object (`__toESM`), in every chunk
 * again, a few milliseconds of every command's start. The built-in module object itself has
 * the same named properties, and parker never reads a built-in's `default`: the copy is dropped
 * (a chunk that did read `.default` stops the build rather than break).
 */
const NODE_NAMESPACE_COPY = /^([ \t]*)(\w+) = (?:require_rolldown_runtime\.)?__toESM\(\2, 1\);\n/gm;
export const builtinNamespaces = {
  name: 'parker:builtin-namespaces',
  renderChunk(code, chunk) {
    return code.replace(NODE_NAMESPACE_COPY, (line, _indent, name) => {
      if (!new RegExp(`^\\s*(?:let|var|const) ${name} = require\\("node:[^"]+"\\);$`, 'm').test(code)) return line;
      if (new RegExp(`\\b${name}\\s*\\.\\s*default\\b|\\b${name}\\s*\\[`).test(code)) throw new Error(`${chunk.fileName} reads ${name}.default or indexes ${name}: keep rolldown's copy of that module (scripts/bundle-plugins.mjs)`);
      return '';
    });
  },
};

/**
 * commander loads node:child_process (and dgram behind it, about a millisecond of every
 * command) for subcommands that are executables of their own, which parker's never are: it is
 * loaded when one would run. A commander whose source no longer matches stops the build.
 */
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
export const commanderChildProcess = {
  name: 'parker:commander-child-process',
  transform(code, id) {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    if (!code.includes(COMMANDER_CHILD_PROCESS)) throw new Error(`${id} no longer loads node:child_process as scripts/bundle-plugins.mjs expects: update the plugin`);
    return code.replace(COMMANDER_CHILD_PROCESS, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };");
  },
};
