import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { readyConsoleRule } from './ready-console.js';

const onHost = smallTopology({ machine: { kind: 'host', description: 'host lab', arch: 'x86_64' } });

describe('ready-console', () => {
  it('needs a console source on a host for each kernel that waits for readiness', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '2' }), kernelSpec('b', { cpus: '3', consoleSource: '/dev/ttyS4' }), kernelSpec('c', { cpus: '6', ready: false })]);
    expect(runRule(readyConsoleRule, ruleContext(spec, { topology: onHost }))).toEqual([
      {
        severity: 'warning',
        rule: 'ready-console',
        message: 'kernel "a" is up only once its console shows /Run \\S+ as init process/, and on this host parker can read that console only from its consoleSource, which it lacks',
        fix: 'set consoleSource for "a": the boot kernel\'s end of its serial console (a tty device cabled to its port) or a file its console is logged to; or ready: false to count it up at online',
        path: ['kernels', 0],
        kernels: ['a'],
      },
    ]);
  });

  it('says nothing elsewhere: the simulator shows its consoles itself', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '2' })]);
    expect(runRule(readyConsoleRule, ruleContext(spec))).toEqual([]);
  });
});
