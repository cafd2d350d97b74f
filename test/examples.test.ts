import * as fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic, loadSpec } from '../src/spec/load-spec.js';

const DIR = new URL('../examples/', import.meta.url);
const read = (name: string) => fs.readFileSync(new URL(name, DIR), 'utf8');
const GOOD = ['default.yaml', 'tradeoff-spread.yaml', 'profile-balanced.yaml', 'profile-latency.yaml', 'profile-throughput.yaml'];

test('the examples are the documented ones', () => {
  expect(fs.readdirSync(DIR).sort()).toEqual([...GOOD, 'wrong.yaml'].sort());
});

describe.each([...GOOD, 'wrong.yaml'])('%s', (name) => {
  test('starts with the editor schema line and a comment saying what it shows', () => {
    const lines = read(name).split('\n');
    expect(lines[0]).toBe('# yaml-language-server: $schema=../schema/layout.schema.json');
    expect(lines[1]).toBe('#');
    expect(lines[2]).toMatch(/^# \S/);
  });
});

describe.each(GOOD)('%s', (name) => {
  test('loads with no diagnostics', () => {
    const result = loadSpec(read(name), `examples/${name}`);
    expect(result.diagnostics.map((d) => formatDiagnostic(d, result.locate))).toEqual([]);
    expect(result.spec).not.toBeNull();
  });
});

test('default.yaml: one kernel per profile, memory within the 48G pools', () => {
  const { spec } = loadSpec(read('default.yaml'), 'default.yaml');
  expect(spec?.boot).toEqual({ cpus: '0-7,128-135', devices: ['0000:01:00.0', '0000:00:02.0'], cmdline: '' });
  expect(spec?.kernels.map((k) => [k.name, k.profile, k.cpus, k.memory])).toEqual([
    ['db', 'latency', { count: 32, placement: 'nodes', nodes: [1], granularity: 'core' }, '32G'],
    ['web', 'throughput', { count: 48, placement: 'packed', granularity: 'core' }, '40G'],
    ['batch', 'balanced', '96-127,224-255', '16G'],
  ]);
  expect(spec?.kernels.every((k) => k.stop !== undefined && k.image === '/boot/vmlinuz-parker')).toBe(true);
});

test('each profile example uses its profile', () => {
  const profiles = (name: string) => loadSpec(read(name), name).spec?.kernels.map((k) => k.profile);
  expect(profiles('profile-balanced.yaml')).toEqual(['balanced', 'balanced']);
  expect(profiles('profile-latency.yaml')).toEqual(['latency']);
  expect(profiles('profile-throughput.yaml')).toEqual(['throughput']);
});

describe('wrong.yaml', () => {
  const result = loadSpec(read('wrong.yaml'), 'examples/wrong.yaml');

  test('the loader finds the unknown key, at its line and column, with the fix', () => {
    expect(result.diagnostics.map((d) => formatDiagnostic(d, result.locate))).toEqual([
      'examples/wrong.yaml:20:5 error unknown-key: unknown key "bootTimout" in kernels[0]\n  fix: did you mean `bootTimeout`?',
    ]);
  });

  test('the rest is still a spec, so validation can show the hazards', () => {
    expect(result.spec?.kernels.map((k) => [k.name, k.cpus, k.bootTimeout])).toEqual([
      ['rt', '0-7,128-135', '120s'],
      ['db', '32-40,160-167', '120s'],
      ['web', '41-47,168-175', '120s'],
    ]);
  });

  test('the hazard lines are where docs/spec.md says', () => {
    const at = (path: (string | number)[]) => {
      const { line, col } = result.locate(path);
      return `${line}:${col}`;
    };
    expect(at(['kernels', 0, 'cpus'])).toBe('15:5');
    expect(at(['kernels', 0, 'console'])).toBe('18:5');
    expect(at(['kernels', 0, 'cmdline'])).toBe('19:5');
    expect(at(['kernels', 1, 'cpus'])).toBe('22:5');
    expect(at(['kernels', 1, 'devices', 0])).toBe('25:9');
    expect(at(['kernels', 1, 'console'])).toBe('28:5');
    expect(at(['kernels', 1, 'cmdline'])).toBe('29:5');
    expect(at(['kernels', 2, 'cpus'])).toBe('31:5');
    expect(at(['kernels', 2, 'devices', 0])).toBe('34:9');
    expect(at(['kernels', 2, 'cmdline'])).toBe('36:5');
  });
});
