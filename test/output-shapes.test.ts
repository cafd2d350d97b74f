import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** docs/output.md's field tables, by schema. */
function documented(): Map<string, string[]> {
  const doc = fs.readFileSync('docs/output.md', 'utf8');
  const shapes = new Map<string, string[]>();
  for (const section of doc.split('\n### ').slice(1)) {
    const schema = section.match(/^`([^`]+)`/)![1]!;
    shapes.set(schema, [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!));
  }
  return shapes;
}

async function json(...args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(...args, '-o', 'json');
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('docs/output.md documents every JSON document exactly', () => {
  const shapes = documented();
  const outputs: Record<string, unknown>[] = [];
  beforeAll(async () => {
    outputs.push(await json('sim', 'create'));
    outputs.push(await json('validate', 'examples/default.yaml'));
    outputs.push(await json('plan', 'examples/default.yaml'));
    outputs.push(await json('apply', 'examples/default.yaml'));
    outputs.push(await json('status'));
    const name = (outputs.at(-1)!.partitions as { name: string }[])[0]!.name;
    outputs.push(await json('status', name));
    outputs.push(await json('stop', name));
    outputs.push(await json('destroy', name));
    outputs.push(await json('recover'));
    outputs.push(await json('sim', 'show'));
  }, 120_000);

  it('each command prints a documented schema with exactly the documented fields', () => {
    expect(outputs.length).toBe(10);
    for (const output of outputs) {
      const schema = output.schema as string;
      expect(shapes.has(schema), `${schema} is documented`).toBe(true);
      expect(Object.keys(output).sort(), schema).toEqual([...shapes.get(schema)!].sort());
    }
  });

  it('every documented schema is printed by some command', () => {
    const printed = new Set(outputs.map((o) => o.schema));
    for (const schema of shapes.keys()) expect(printed.has(schema), schema).toBe(true);
  });
});
