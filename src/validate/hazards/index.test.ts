import { describe, expect, it } from 'vitest';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec, NODE1_NVME } from '../../../test/fixtures/rule-context.js';
import { HAZARD_RULES } from './index.js';

describe('HAZARD_RULES', () => {
  it('covers the command-line, .config and placement hazards once each, with kebab-case ids', () => {
    expect(HAZARD_RULES.map((r) => r.hazard)).toEqual(['H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08', 'H09', 'H10', 'H11', 'H13', 'H17', 'H18', 'H19', 'H20', 'H23', 'H24']);
    expect(HAZARD_RULES.every((r) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(r.id))).toBe(true);
    expect(new Set(HAZARD_RULES.map((r) => r.id)).size).toBe(HAZARD_RULES.length);
  });

  it('finds nothing on generated lines for a layout of whole cores and whole L3s', () => {
    const spec = layoutSpec([kernelSpec('db', { cpus: '2-3,6-7', profile: 'latency' })]);
    const ctx = hazardContext(spec, { bootCmdline: 'root=/dev/sda2 console=ttyS0,115200 parker_cma=0:8G,1:8G iommu=pt split_lock_detect=fatal mitigations=auto no5lvl' });
    expect(HAZARD_RULES.flatMap((r) => r.check(ctx))).toEqual([]);
  });

  it('reports each broken hazard of a deliberately wrong layout, with its id', () => {
    const spec = layoutSpec(
      [
        kernelSpec('web', { cpus: '1', devices: [NODE1_NVME], cmdline: 'panic=10 idle=poll rdt=mba console=ttyS0 split_lock_detect=off' }),
        kernelSpec('db', { cpus: '2,3,6-7,5', profile: 'latency', cmdline: 'mitigations=off no5lvl unknown_nmi_panic efi=runtime enable_mtrr_cleanup mce=off tsc=unstable' }),
      ],
      { cmdline: 'mem_encrypt=on' },
    );
    const ctx = hazardContext(spec, { bootCmdline: 'console=ttyS0,115200', configs: { db: 'CONFIG_X86_PKG_TEMP_THERMAL=y\nCONFIG_KEXEC=y\n' } });
    ctx.spec.kernels[1]!.config = 'db.config';
    const found = HAZARD_RULES.flatMap((r) => r.check(ctx)).map((d) => `${d.hazard} ${d.severity} ${d.rule} ${(d.kernels ?? []).join(',')}`);
    expect(found).toEqual([
      'H01 error smt-siblings web,db',
      'H02 error split-lock-detect boot,web',
      'H03 error wbinvd boot',
      'H03 warning wbinvd db',
      'H03 warning wbinvd web,boot,db',
      'H04 error resctrl web',
      'H06 error machine-checks db',
      'H07 warning package-thermal db',
      'H08 error power-management web',
      'H09 warning tsc-clock db',
      'H10 error reboot-panic web',
      'H11 error nmi db',
      'H13 info iommu-passthrough boot,web',
      'H13 warning iommu-passthrough boot,web',
      'H17 error firmware-ports boot,web',
      'H17 error firmware-ports db',
      'H18 error mtrr db',
      'H19 warning speculation-mitigations boot,db',
      'H20 error paging-depth boot,db',
      'H23 warning shared-llc db,boot,web',
      'H24 warning memory-node db',
    ]);
  });
});
