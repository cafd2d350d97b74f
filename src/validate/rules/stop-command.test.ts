import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, ruleContext } from '../../../test/fixtures/rule-context.js';
import { stopCommandRule } from './stop-command.js';

describe('stop-command', () => {
  it('notes each kernel parker could not stop, and only those', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '2' }), kernelSpec('b', { cpus: '3', stop: { command: ['ssh', 'root@b', 'poweroff'], timeout: '60s' } })]);
    const findings = runRule(stopCommandRule, ruleContext(spec));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'info', rule: 'stop-command', path: ['kernels', 0], kernels: ['a'] });
    expect(findings[0]!.message).toContain('parker cannot stop it');
  });
});
