import { describe, expect, test } from 'vitest';
import { layoutJsonSchemaText } from '../spec/layout-json-schema.js';
import type { CommandContext } from './command-context.js';
import { schemaCommand } from './schema-command.js';

function run(args: string[]): { out: string; err: string } {
  let out = '';
  let err = '';
  const ctx: CommandContext = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    version: '0.0.0',
    now: () => new Date(0),
    setExitCode: () => undefined,
    isTTY: false,
    confirm: async () => false,
  };
  const command = schemaCommand(ctx)
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  try {
    command.parse(args, { from: 'user' });
  } catch {
    // exitOverride: commander throws after printing its error.
  }
  return { out, err };
}

describe('parker schema', () => {
  test('prints the layout JSON Schema', () => {
    const { out, err } = run([]);
    expect(err).toBe('');
    expect(out).toBe(layoutJsonSchemaText());
    const schema = JSON.parse(out) as Record<string, unknown>;
    expect(schema.$id).toBe('urn:parker:schema:layout:v1alpha1');
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'kernels']);
  });

  test('-o json is the same', () => {
    expect(run(['-o', 'json']).out).toBe(layoutJsonSchemaText());
  });

  test('other formats are refused', () => {
    const { out, err } = run(['-o', 'yaml']);
    expect(out).toBe('');
    expect(err).toBe("error: option '-o, --output <format>' argument 'yaml' is invalid. Allowed choices are json.\n");
  });
});
