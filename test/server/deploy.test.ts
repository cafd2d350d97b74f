import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/metrics.js';
import { ROOT } from './helpers.js';

// The example scrape config and Grafana dashboard in deploy/ stay in step with what /metrics exports.
describe('deploy/', () => {
  const families = new Set([...new Metrics().render(null, null).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

  it('the Grafana dashboard asks only for metrics the daemon exports', () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/parker-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bparker_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(families, name).toContain(name);
  });

  it('the systemd units run the daemon and the boot-time apply', () => {
    const daemon = fs.readFileSync(path.join(ROOT, 'deploy/systemd/parker.service'), 'utf8');
    expect(daemon).toMatch(/^ExecStart=\/usr\/bin\/parker serve /m);
    const apply = fs.readFileSync(path.join(ROOT, 'deploy/systemd/parker-apply.service'), 'utf8');
    expect(apply).toMatch(/^Type=oneshot$/m);
    expect(apply).toMatch(/^ExecStart=\/usr\/bin\/parker apply --applied --machine host --yes$/m);
    // It runs only where there is something to bring back, on a Parker boot kernel.
    expect(apply).toMatch(/^ConditionPathExists=\/var\/lib\/parker\/applied.json$/m);
    // After udev's coldplug: a device it hands over must be bound to its driver (device-driver).
    // It waits for udev's queue itself: systemd-udev-settle.service is deprecated (systemd warns).
    expect(apply).toMatch(/^After=.*\bsystemd-udev-trigger\.service\b/m);
    expect(apply).toMatch(/^ExecStartPre=-udevadm settle --timeout=\d+$/m);
    expect(apply.split('\n').filter((line) => !/^[#;]/.test(line)).join('\n')).not.toMatch(/udev-settle/);
  });
});
