import type { KernelFiles } from './kernel-files.js';
import type { CmaArea } from './model.js';

export const CMA_DIR = 'sys/kernel/mm/cma';

/** CMA areas from sys/kernel/mm/cma/NAME (kernels with CONFIG_CMA_SYSFS); each counter optional. */
export function discoverCma(files: KernelFiles): CmaArea[] {
  if (!files.fs.exists(CMA_DIR)) return [];
  return files.list(CMA_DIR).map((name): CmaArea => {
    const dir = `${CMA_DIR}/${name}`;
    return {
      name,
      totalPages: files.int(`${dir}/total_pages`),
      availablePages: files.int(`${dir}/available_pages`),
      allocPagesSuccess: files.int(`${dir}/alloc_pages_success`),
      allocPagesFail: files.int(`${dir}/alloc_pages_fail`),
      releasePagesSuccess: files.int(`${dir}/release_pages_success`),
    };
  });
}
