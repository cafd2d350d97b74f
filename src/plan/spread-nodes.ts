import { packIntoGroups, type GroupCapacity, type GroupTake } from './pack-llcs.js';

/**
 * `placement: spread`: equal shares of the request on each of `nodes` (in units of `unit`
 * CPUs: whole cores or threads), the first nodes getting one unit more when it does not divide;
 * a node that cannot hold its share passes the rest to the nodes after it, round-robin. Each
 * node's share is packed into its own LLCs. Null when the nodes cannot hold the request.
 */
export function spreadOverNodes(candidates: readonly GroupCapacity[], count: number, unit: number, nodes: readonly number[]): GroupTake[] | null {
  const units = Math.ceil(count / unit);
  const byNode = new Map<number, GroupCapacity[]>(nodes.map((node) => [node, []]));
  for (const c of candidates) byNode.get(c.node)?.push(c);
  const room = nodes.map((node) => Math.floor(byNode.get(node)!.reduce((sum, c) => sum + c.capacity, 0) / unit));
  const shares = nodes.map((_, i) => Math.min(room[i]!, Math.floor(units / nodes.length) + (i < units % nodes.length ? 1 : 0)));
  let left = units - shares.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let moved = false;
    for (let i = 0; i < nodes.length && left > 0; i++) {
      if (shares[i]! >= room[i]!) continue;
      shares[i]! += 1;
      left--;
      moved = true;
    }
    if (!moved) return null;
  }

  const takes: GroupTake[] = [];
  let remaining = count;
  nodes.forEach((node, i) => {
    const amount = Math.min(shares[i]! * unit, remaining);
    if (amount === 0) return;
    remaining -= amount;
    takes.push(...(packIntoGroups(byNode.get(node)!, amount) ?? []));
  });
  return takes;
}
