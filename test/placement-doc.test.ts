import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_VERSION, KIND, layoutSchema } from '../src/spec/spec-schema.js';
import { defaultServerLikeTopology } from '../src/synthetic/topology-builder.js';
import { place } from '../src/plan/place.js';
import { formatCpuList } from '../src/units/cpulist.js';

/**
 * docs/placement.md shows what placement does with examples on the default server: each
 * ```yaml placement-example block is followed by a ```text block with the placement parker
 * gives it. This places every example and compares, so the document cannot drift from the code.
 */
const DOC = fs.readFileSync(new URL('../docs/placement.md', import.meta.url), 'utf8');
const EXAMPLE = /```yaml placement-example\n([\s\S]*?)```\s*\n```text\n([\s\S]*?)```/g;

function describePlacement(yamlText: string): string {
  const input = parse(yamlText) as { boot?: unknown; kernels: Record<string, unknown>[] };
  const spec = layoutSchema.parse({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'example' },
    ...(input.boot ? { boot: input.boot } : {}),
    kernels: input.kernels.map((k) => ({ memory: '8G', image: '/boot/vmlinuz-parker', ...k })),
  });
  const { placement, diagnostics } = place(spec, defaultServerLikeTopology());
  const lines = placement.kernels.map((k) => {
    const devices = k.devices.length ? `, devices ${k.devices.join(' ')}` : '';
    const remote = k.quality.remoteMemoryCpus ? `, ${k.quality.remoteMemoryCpus} CPUs reach it remotely` : '';
    const shared = k.quality.sharedLlcs ? `, shares LLCs ${k.quality.sharedLlcs}x` : '';
    return `${k.name}: ${formatCpuList(k.cpus)} (nodes ${k.quality.nodes.join(',')}, LLCs ${k.quality.llcs.length}), memory node ${k.memoryNode}${remote}${devices}${shared}`;
  });
  lines.push(`layout score ${placement.score}`);
  for (const d of diagnostics) lines.push(`${d.severity} ${d.rule}: ${d.message}`);
  return lines.join('\n') + '\n';
}

describe('docs/placement.md examples', () => {
  const examples = [...DOC.matchAll(EXAMPLE)];

  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  for (const [i, [, yamlText, expected]] of examples.entries()) {
    it(`example ${i + 1} places as written`, () => {
      expect(describePlacement(yamlText!)).toBe(expected);
    });
  }
});
