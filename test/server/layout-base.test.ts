import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkedBase, resolveConfigPaths } from '../../src/server/layout-base.js';

// A posted layout's relative config: paths, made absolute against the client's directory in place.
describe('resolveConfigPaths', () => {
  const layout = [
    'kind: Layout # a comment',
    'kernels:',
    '  - name: a',
    '    config: a.config   # relative',
    '  - name: b',
    "    config: '../up/b config'",
    '  - name: c',
    '    config: /etc/c.config',
    '  - { name: d, config: "d/d.config" }',
    '  - name: e',
    '    config: |',
    '      e.config',
    '  - name: f',
    '',
  ].join('\n');

  it('makes relative paths absolute, leaves absolute ones and block scalars, and keeps every line', () => {
    const out = resolveConfigPaths(layout, '/home/me/layouts');
    expect(out.split('\n').length).toBe(layout.split('\n').length);
    const kernels = (parse(out) as { kernels: { name: string; config?: string }[] }).kernels;
    expect(Object.fromEntries(kernels.map((k) => [k.name, k.config ?? null]))).toEqual({
      a: '/home/me/layouts/a.config',
      b: '/home/me/up/b config',
      c: '/etc/c.config',
      d: '/home/me/layouts/d/d.config',
      e: 'e.config\n',
      f: null,
    });
    expect(out.split('\n')[3]).toBe('    config: "/home/me/layouts/a.config"   # relative');
  });

  it('leaves text it cannot parse as it is, for validation to report', () => {
    const broken = 'kernels:\n  - name: a\n    config: [unclosed\n';
    expect(resolveConfigPaths(broken, '/x')).toBe(broken);
  });

  it('takes only an absolute base', () => {
    expect(checkedBase(undefined)).toBeUndefined();
    expect(checkedBase('/a/b/../c')).toBe('/a/c');
    expect(() => checkedBase('layouts')).toThrow(expect.objectContaining({ code: 'E_REQUEST' }));
  });
});
