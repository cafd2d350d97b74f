import { describe, expect, it } from 'vitest';
import { FileTree, TreeFs } from '../machines/file-tree.js';
import { discoverCma, zoneCmaPages } from './discover-cma.js';
import { KernelFiles } from './kernel-files.js';

const GIB_PAGES = 262144;

/** Two nodes; node 1 has a 1 GiB Parker pool and a 64 MiB default area; 6.12's counters only. */
function tree612(): FileTree {
  const t = new FileTree();
  for (const [name, success, release] of [['parker1', 3 * GIB_PAGES, 2 * GIB_PAGES], ['reserved', 17, 0]] as const) {
    t.file(`sys/kernel/mm/cma/${name}/alloc_pages_success`, `${success}\n`);
    t.file(`sys/kernel/mm/cma/${name}/alloc_pages_fail`, '0\n');
    t.file(`sys/kernel/mm/cma/${name}/release_pages_success`, `${release}\n`);
  }
  t.file('proc/zoneinfo', ZONEINFO);
  return t;
}

const ZONEINFO = [
  'Node 0, zone      DMA',
  '  pages free     3840',
  '        managed  3840',
  '        cma      0',
  'Node 0, zone    DMA32',
  '        cma      0',
  '      nr_free_cma  0',
  'Node 1, zone   Normal',
  '  pages free     400000',
  `        cma      ${GIB_PAGES + 16384}`,
  '      nr_free_cma  1200',
  '',
].join('\n');

describe('CMA areas', () => {
  it('on 6.12 (counters only) a Parker pool is sized from /proc/zoneinfo, whole GiB, and its free pages from the counters', () => {
    const areas = discoverCma(new KernelFiles(new TreeFs(tree612())));
    expect(areas).toEqual([
      { name: 'parker1', totalPages: GIB_PAGES, availablePages: 0, allocPagesSuccess: 3 * GIB_PAGES, allocPagesFail: 0, releasePagesSuccess: 2 * GIB_PAGES },
      { name: 'reserved', totalPages: null, availablePages: null, allocPagesSuccess: 17, allocPagesFail: 0, releasePagesSuccess: 0 },
    ]);
  });

  it('a kernel with total_pages and available_pages is read as it says', () => {
    const t = tree612();
    t.file('sys/kernel/mm/cma/parker1/total_pages', `${2 * GIB_PAGES}\n`);
    t.file('sys/kernel/mm/cma/parker1/available_pages', `${GIB_PAGES}\n`);
    expect(discoverCma(new KernelFiles(new TreeFs(t)))[0]).toMatchObject({ totalPages: 2 * GIB_PAGES, availablePages: GIB_PAGES });
  });

  it('a node with less than 1 GiB of CMA pages has no Parker pool size', () => {
    const t = tree612();
    t.file('sys/kernel/mm/cma/parker0/alloc_pages_success', '0\n');
    t.file('sys/kernel/mm/cma/parker0/release_pages_success', '0\n');
    expect(discoverCma(new KernelFiles(new TreeFs(t))).find((a) => a.name === 'parker0')).toMatchObject({ totalPages: null, availablePages: null });
  });

  it('zoneinfo: the cma lines of each node summed', () => {
    expect(zoneCmaPages(ZONEINFO)).toEqual(
      new Map([
        [0, 0],
        [1, GIB_PAGES + 16384],
      ]),
    );
    expect(zoneCmaPages(null)).toEqual(new Map());
  });
});
