import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec, NODE1_NVME } from '../../../test/fixtures/rule-context.js';
import { runRule } from '../rule.js';
import { RULES } from './index.js';

/** The hazards judged on command lines, .config files and the placement (the rest are about resources). */
const LINE_HAZARDS = ['H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08', 'H09', 'H10', 'H11', 'H13', 'H17', 'H18', 'H19', 'H20', 'H23', 'H24'];
const lineRules = RULES.filter((r) => r.hazard !== undefined && LINE_HAZARDS.includes(r.hazard));

describe('RULES', () => {
  it('has kebab-case ids, once each, and runs the resource rules before the command-line hazards, those in hazard order', () => {
    expect(RULES.every((r) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(r.id))).toBe(true);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    expect(lineRules.map((r) => r.hazard)).toEqual(LINE_HAZARDS);
    const firstLineRule = RULES.indexOf(lineRules[0]!);
    expect(RULES.slice(firstLineRule)).toEqual(lineRules);
  });

  it('names each rule file after its rule: rules/<id>.ts, with its test beside it', () => {
    const dir = new URL('.', import.meta.url);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const rule of RULES) expect(fs.existsSync(new URL(`${rule.id}.test.ts`, dir)), `${rule.id}.test.ts`).toBe(true);
  });

  it('names each hazard rule under its hazard in docs/hazards.md', () => {
    // One way only: docs/hazards.md may name rules that are supplied from elsewhere.
    const doc = fs.readFileSync(new URL('../../../docs/hazards.md', import.meta.url), 'utf8');
    const headings = doc.split('\n').filter((l) => /^### H\d\d /.test(l));
    for (const rule of RULES.filter((r) => r.hazard !== undefined)) {
      const heading = headings.find((h) => h.startsWith(`### ${rule.hazard} `));
      expect(heading, `${rule.id} (${rule.hazard})`).toContain(`\`${rule.id}\``);
    }
  });

  it('finds nothing on generated lines for a layout of whole cores and whole L3s (but the note that the kernel claims ttyS0, the boot console)', () => {
    const spec = layoutSpec([kernelSpec('db', { cpus: '2-3,6-7', profile: 'latency' })]);
    const ctx = hazardContext(spec, { bootCmdline: 'root=/dev/sda2 console=ttyS0,115200 parker_cma=0:8G,1:8G iommu=pt split_lock_detect=fatal mitigations=auto no5lvl' });
    expect(lineRules.flatMap((r) => runRule(r, ctx)).map((d) => `${d.hazard} ${d.severity} ${d.rule}`)).toEqual(['H17 info firmware-ports']);
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
    const found = lineRules.flatMap((r) => runRule(r, ctx)).map((d) => `${d.hazard} ${d.severity} ${d.rule} ${(d.kernels ?? []).join(',')}`);
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
      'H13 error iommu-passthrough boot,web',
      'H17 error firmware-ports boot,web',
      'H17 info firmware-ports boot,db',
      'H17 error firmware-ports db',
      'H18 error mtrr db',
      'H19 warning speculation-mitigations boot,db',
      'H20 error paging-depth boot,db',
      'H23 warning shared-llc db,boot,web',
      'H24 warning memory-node db',
    ]);
  });
});
