import { describe, expect, it } from 'vitest';
import { discover } from '../topology/discover.js';
import { ParkerError } from '../units/parker-error.js';
import { hwlocXmlMachine, looksLikeXml } from './hwloc-import.js';
import { parseHwlocBitmap, parseXml } from './hwloc-parse.js';

describe('hwloc XML reading', () => {
  it('decodes hwloc bitmaps', () => {
    expect(parseHwlocBitmap('0x00000003')).toEqual([0, 1]);
    expect(parseHwlocBitmap('0x00000001,0x0')).toEqual([32]);
    expect(parseHwlocBitmap('0x00000001,,0x00000001')).toEqual([0, 64]);
    expect(parseHwlocBitmap('0x0')).toEqual([]);
    expect(parseHwlocBitmap('0xf...f,0x00000001')).toEqual([0]);
  });

  it('parses elements, attributes, entities and text, and refuses broken XML naming the file', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c --><a x="1 &amp; 2"><b>t &lt; u</b><c/></a>', 'f.xml');
    expect(root.name).toBe('a');
    expect(root.attrs.get('x')).toBe('1 & 2');
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['b', 't < u'], ['c', '']]);
    expect(() => parseXml('<a><b></a>', 'f.xml')).toThrow(ParkerError);
    expect(() => parseXml('<a><b></a>', 'f.xml')).toThrow('f.xml is not readable hwloc XML');
    expect(looksLikeXml(new TextEncoder().encode('\n  <?xml'))).toBe(true);
    expect(looksLikeXml(new Uint8Array([0x1f, 0x8b]))).toBe(false);
  });

  it('reads hwloc 1.x XML (NUMA nodes as parents, Socket and Cache objects, v1 distances)', () => {
    const v1 = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE topology SYSTEM "hwloc.dtd">
<topology>
  <object type="Machine" os_index="0" cpuset="0x0000000f" complete_cpuset="0x0000001f" online_cpuset="0x0000000f" allowed_cpuset="0x0000000f">
    <info name="OSRelease" value="2.6.32-754.el6.x86_64"/>
    <info name="Architecture" value="x86_64"/>
    <distances nbobjs="2" relative_depth="1" latency_base="10.000000">
      <latency value="1.000000"/><latency value="2.000000"/><latency value="2.000000"/><latency value="1.000000"/>
    </distances>
    <object type="NUMANode" os_index="0" cpuset="0x00000003" local_memory="4294967296">
      <object type="Socket" os_index="0" cpuset="0x00000003">
        <object type="Cache" cpuset="0x00000003" cache_size="8388608" depth="3" cache_linesize="64" cache_type="0">
          <object type="Core" os_index="0" cpuset="0x00000001"><object type="PU" os_index="0" cpuset="0x00000001"/></object>
          <object type="Core" os_index="1" cpuset="0x00000002"><object type="PU" os_index="1" cpuset="0x00000002"/></object>
        </object>
      </object>
    </object>
    <object type="NUMANode" os_index="1" cpuset="0x0000000c" local_memory="4294967296">
      <object type="Socket" os_index="1" cpuset="0x0000000c">
        <object type="Cache" cpuset="0x0000000c" cache_size="8388608" depth="3" cache_linesize="64" cache_type="0">
          <object type="Core" os_index="0" cpuset="0x00000004"><object type="PU" os_index="2" cpuset="0x00000004"/></object>
          <object type="Core" os_index="1" cpuset="0x00000008"><object type="PU" os_index="3" cpuset="0x00000008"/></object>
        </object>
      </object>
    </object>
  </object>
</topology>
`;
    const t = discover(hwlocXmlMachine(v1, 'old.xml'));
    expect(t.machine).toEqual({ kind: 'archive', description: 'hwloc XML old.xml', arch: 'x86_64' });
    expect(t.kernel.release).toBe('2.6.32-754.el6.x86_64');
    expect(t.cpus).toEqual({ possible: [0, 1, 2, 3, 4], present: [0, 1, 2, 3, 4], online: [0, 1, 2, 3], offline: [4] });
    expect(t.packages).toEqual([
      { id: 0, cpus: [0, 1], dies: [], nodes: [0] },
      { id: 1, cpus: [2, 3], dies: [], nodes: [1] },
    ]);
    expect(t.cores.map((c) => [c.package, c.coreId, c.cpus])).toEqual([[0, 0, [0]], [0, 1, [1]], [1, 0, [2]], [1, 1, [3]]]);
    expect(t.caches).toEqual([
      { level: 3, type: 'Unified', sizeBytes: 8388608, id: null, cpus: [0, 1] },
      { level: 3, type: 'Unified', sizeBytes: 8388608, id: null, cpus: [2, 3] },
    ]);
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 1], memoryBytes: 4294967296, distances: { '0': 10, '1': 20 }, hasCpu: true, hasMemory: true },
      { id: 1, cpus: [2, 3], memoryBytes: 4294967296, distances: { '0': 20, '1': 10 }, hasCpu: true, hasMemory: true },
    ]);
    expect(t.memory.totalBytes).toBe(8589934592);
  });

  it('refuses XML that is not an hwloc topology', () => {
    expect(() => hwlocXmlMachine('<svg></svg>', 'pic.svg')).toThrow('pic.svg is not readable hwloc XML: the root element is <svg>, not <topology>');
    expect(() => hwlocXmlMachine('<topology version="2.0"><object type="Machine" cpuset="0x0"/></topology>', 'empty.xml')).toThrow('empty.xml holds no PU objects');
  });
});
