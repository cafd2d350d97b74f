import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Topology } from './api';

/** Kernel name -> colour; "boot" and "free" have their own. */
export type Owners = Map<number, string>;

interface Group {
  key: string;
  label: string;
  children: Group[];
  cpus?: number[];
}

/** packages > NUMA nodes > L3 domains > cores > threads, as lstopo nests them. */
export function machineTree(t: Topology): Group[] {
  const l3 = t.caches.filter((c) => c.level === 3);
  const coreOf = new Map<number, Topology['cores'][number]>();
  for (const core of t.cores) for (const cpu of core.cpus) coreOf.set(cpu, core);
  return t.packages.map((p) => {
    const inPackage = new Set(p.cpus);
    const nodes = t.nodes.filter((n) => n.cpus.some((c) => inPackage.has(c)));
    return {
      key: `p${p.id}`,
      label: `Package ${p.id}`,
      children: nodes.map((n) => {
        const inNode = new Set(n.cpus.filter((c) => inPackage.has(c)));
        const domains = l3.filter((c) => c.cpus.some((cpu) => inNode.has(cpu)));
        const groups = domains.length ? domains.map((d) => ({ key: `l3-${d.id ?? d.cpus[0]}`, label: `L3${d.sizeBytes ? ` ${Math.round(d.sizeBytes / 1024 ** 2)} MB` : ''}`, cpus: d.cpus.filter((c) => inNode.has(c)) })) : [{ key: 'all', label: 'CPUs', cpus: [...inNode] }];
        return {
          key: `n${n.id}`,
          label: `NUMA node ${n.id}`,
          children: groups.map((g) => {
            const cores: Group[] = [];
            const seen = new Set<number>();
            for (const cpu of [...g.cpus].sort((a, b) => a - b)) {
              if (seen.has(cpu)) continue;
              const core = coreOf.get(cpu);
              const threads = core ? core.cpus.filter((c) => inNode.has(c)) : [cpu];
              threads.forEach((c) => seen.add(c));
              cores.push({ key: `c${cpu}`, label: core ? `Core ${core.coreId}` : `CPU ${cpu}`, children: [], cpus: threads });
            }
            return { key: `${g.key}-n${n.id}`, label: g.label, children: cores };
          }),
        };
      }),
    };
  });
}

const Cpu = memo(function Cpu({ id, color }: { id: number; color: string }) {
  return <span className="pu" data-cpu={id} style={{ background: color }} />;
});

export const MachineView = memo(function MachineView({ topology, owners, colors, onDrawn }: { topology: Topology; owners: Owners; colors: Map<string, string>; onDrawn?: (at: number) => void }) {
  const tree = useMemo(() => machineTree(topology), [topology]);
  // When the first drawing is on screen: its boxes are in the document (layout effect), then
  // the frame that paints them has run (a task queued from that frame's callback runs after it).
  const drawnFor = useRef<Topology | null>(null);
  useLayoutEffect(() => {
    if (!onDrawn || drawnFor.current === topology) return;
    drawnFor.current = topology;
    requestAnimationFrame(() => setTimeout(() => onDrawn(performance.now()), 0));
  }, [topology, onDrawn]);
  const [hover, setHover] = useState<string | null>(null);
  const info = useMemo(() => new Map(topology.cpu.map((c) => [c.id, c])), [topology]);
  const colorOf = (cpu: number) => colors.get(owners.get(cpu) ?? 'free') ?? '#ddd';
  // One listener for every CPU: thousands of boxes stay cheap.
  const onOver = (e: React.MouseEvent) => {
    const id = (e.target as HTMLElement).dataset.cpu;
    if (id === undefined) return;
    const c = info.get(Number(id));
    setHover(`CPU ${id} (PU P#${id}) · core ${c?.core ?? '?'} · node ${c?.node ?? '?'} · package ${c?.package ?? '?'} · ${owners.get(Number(id)) ?? 'free'}${c && !c.online ? ' · offline' : ''}`);
  };
  return (
    <div className="machine" onMouseOver={onOver} onMouseLeave={() => setHover(null)} data-testid="machine">
      <div className="hover" data-testid="hover">{hover ?? 'hover a CPU for its ids'}</div>
      {tree.map((p) => (
        <div className="package" key={p.key} data-package={p.key.slice(1)}>
          <div className="label">{p.label}</div>
          <div className="row">
            {p.children.map((n) => (
              <div className="node" key={n.key} data-node={n.key.slice(1)}>
                <div className="label">{n.label}</div>
                <div className="row">
                  {n.children.map((l3) => (
                    <div className="l3" key={l3.key} data-l3={l3.key}>
                      <div className="label">{l3.label}</div>
                      <div className="cores">
                        {l3.children.map((core) => (
                          <div className="core" key={core.key} title={core.label} data-core={core.key}>
                            {core.cpus!.map((cpu) => (
                              <Cpu key={cpu} id={cpu} color={colorOf(cpu)} />
                            ))}
                          </div>
                        ))}
                      </div>
                    </div>
                  ))}
                </div>
              </div>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
});
