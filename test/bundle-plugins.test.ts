import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without declarations
import { builtinNamespaces, commanderChildProcess } from '../scripts/bundle-plugins.mjs';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bundle-plugins-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

type RenderChunk = (code: string, chunk: { fileName: string }) => string;
type Transform = (code: string, id: string) => string | null;
const renderChunk = (builtinNamespaces as { renderChunk: RenderChunk }).renderChunk;
const transform = (commanderChildProcess as { transform: Transform }).transform;

describe("the bundle's plugins", () => {
  it("drop rolldown's copy of a built-in module, and only of a built-in module", () => {
    const chunk = [
      '"use strict";',
      'const require_rolldown_runtime = require("./rolldown-runtime-X.cjs");',
      'let node_fs = require("node:fs");',
      'let yaml = require("./yaml-Y.cjs");',
      'node_fs = require_rolldown_runtime.__toESM(node_fs, 1);',
      'yaml = require_rolldown_runtime.__toESM(yaml, 1);',
      'exports.read = (f) => node_fs.readFileSync(f);',
      '',
    ].join('\n');
    const out = renderChunk(chunk, { fileName: 'x.cjs' });
    expect(out).not.toContain('__toESM(node_fs');
    expect(out).toContain('yaml = require_rolldown_runtime.__toESM(yaml, 1);');
    expect(out).toContain('exports.read = (f) => node_fs.readFileSync(f);');
  });

  it("stop the build when a chunk reads a built-in's default, which only the copy has", () => {
    const chunk = 'let node_os = require("node:os");\nnode_os = __toESM(node_os, 1);\nexports.home = () => node_os.default.homedir();\n';
    expect(() => renderChunk(chunk, { fileName: 'x.cjs' })).toThrow(/x\.cjs reads node_os\.default/);
  });

  it("load node:child_process in commander only when a subcommand would run as a program, and stop the build if commander changed", () => {
    const id = path.resolve('node_modules/commander/lib/command.js');
    const out = transform(fs.readFileSync(id, 'utf8'), id)!;
    expect(out).not.toMatch(/^const childProcess = require\('node:child_process'\);$/m);
    expect(out).toContain("require('node:child_process').spawn(...args)");
    // Every use is a spawn: the stand-in has nothing else.
    expect(new Set([...out.matchAll(/childProcess\.(\w+)/g)].map((m) => m[1]))).toEqual(new Set(['spawn']));
    expect(transform('const x = 1;', '/somewhere/else.js')).toBeNull();
    expect(() => transform('const childProcess = require("child_process");', id)).toThrow(/no longer loads node:child_process/);
  });

  it('leave validate, plan and status loading neither node:child_process, node:readline nor node:crypto (each takes milliseconds to load)', () => {
    const loader = path.resolve('bin/load-bundle.js');
    const layout = path.resolve('examples/default.yaml');
    for (const args of [['validate', layout], ['plan', layout], ['status']]) {
      const script = `
        const { loadBundle } = require(${JSON.stringify(loader)});
        loadBundle().main(${JSON.stringify(['node', 'parker', ...args, '--synthetic', 'pack:2 numa:2 core:4 pu:2'])}, { out: () => {}, err: () => {} }).then(() =>
          process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => /child_process|readline|dgram|crypto/.test(m)))));`;
      // A file, not -e: node's evaluation of -e loads node:crypto itself.
      const file = path.join(scratch, `modules-${args[0]}.cjs`);
      fs.writeFileSync(file, script);
      expect(JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })), args[0]).toEqual([]);
    }
  });
});
