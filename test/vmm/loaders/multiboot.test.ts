// The Multiboot loader on the real kvm-unit-tests images and on images built here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMultiboot } from '../../../src/vmm/loaders/multiboot.js';
import { LoaderError } from '../../../src/vmm/loaders/loader-error.js';
import { KVM_UNIT_TESTS_DIR, NO_GUESTS_REASON, readKvmUnitTest } from './guest-files.js';
import { allBytes, concat, elf32, mbHeader, readMbInfo, sameBytes } from './images.js';

const MIB = 1024 * 1024;
const KVM_UNIT_TESTS = ['apic', 'emulator', 'eventinj', 'hpet_read_test', 'ioapic', 'smptest', 'tsc', 'vmexit'];

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LoaderError) return e.problem;
    throw e;
  }
  return 'loaded';
}

describe.skipIf(KVM_UNIT_TESTS_DIR === null)(`kvm-unit-tests images${KVM_UNIT_TESTS_DIR === null ? ` (skipped: ${NO_GUESTS_REASON})` : ''}`, () => {
  it('apic.flat: segments at their physical addresses, bss zeroed, Multiboot machine state', () => {
    const image = readKvmUnitTest('apic');
    const ram = new Uint8Array(64 * MIB).fill(0xcc);
    const env = new TextEncoder().encode('NR_CPUS=2\n');
    const s = loadMultiboot(ram, image, { ramSize: 64 * MIB, cmdline: 'apic.flat -v', modules: [{ data: env, cmdline: 'env' }] });
    expect(s).toEqual({ mode: 'protected32', rip: 0x4000bc, regs: { eax: 0x2badb002, ebx: 0x9000 } });
    // Segment 0: file [0xb0, 0xb0 + 0x8621) at 0x4000b0; segment 1: file [0x9000, +0xf154) at 0x409000, memsz 0xc35030.
    expect(sameBytes(ram.subarray(0x4000b0, 0x4000b0 + 0x8621), image.subarray(0xb0, 0xb0 + 0x8621))).toBe(true);
    expect(sameBytes(ram.subarray(0x409000, 0x409000 + 0xf154), image.subarray(0x9000, 0x9000 + 0xf154))).toBe(true);
    expect(allBytes(ram.subarray(0x409000 + 0xf154, 0x409000 + 0xc35030), 0)).toBe(true);
    expect(ram[0x409000 + 0xc35030]).toBe(0xcc);

    const info = readMbInfo(ram, 0x9000);
    expect(info.flags).toBe(0x1 | 0x4 | 0x8 | 0x40 | 0x200);
    expect([info.memLower, info.memUpper]).toEqual([639, 63 * 1024]);
    expect(info.cmdline).toBe('apic.flat -v');
    expect(info.bootLoaderName).toBe('hvmdev');
    // The module goes on the first page after the kernel's end (0x103e030).
    expect(info.mods).toEqual([{ start: 0x103f000, end: 0x103f000 + env.length, string: 'env' }]);
    expect(ram.subarray(0x103f000, 0x103f000 + env.length)).toEqual(env);
    expect(info.mmap).toEqual([
      { size: 20, base: 0n, length: 0x9fc00n, type: 1 },
      { size: 20, base: 0x9fc00n, length: 0x400n, type: 2 },
      { size: 20, base: 0xf0000n, length: 0x10000n, type: 2 },
      { size: 20, base: 0x100000n, length: BigInt(63 * MIB), type: 1 },
    ]);
  });

  it('every .flat loads with 64 MiB and enters at 0x4000bc', () => {
    for (const name of KVM_UNIT_TESTS) {
      const ram = new Uint8Array(64 * MIB);
      expect(loadMultiboot(ram, readKvmUnitTest(name), { ramSize: 64 * MIB }).rip, name).toBe(0x4000bc);
    }
  });

  it('16 MiB is too small for their 12 MiB bss: outside-ram, naming the segment', () => {
    const ram = new Uint8Array(16 * MIB);
    expect(() => loadMultiboot(ram, readKvmUnitTest('ioapic'), { ramSize: 16 * MIB })).toThrow(
      /ELF segment 1 at \[0x408000, 0x103d030\) is not inside usable RAM/,
    );
  });

  it('a truncated .flat is refused before anything is written', () => {
    const image = readKvmUnitTest('tsc');
    const ram = new Uint8Array(MIB);
    expect(problem(() => loadMultiboot(ram, image.subarray(0, 0x8000), { ramSize: MIB }))).toBe('truncated');
    expect(allBytes(ram, 0)).toBe(true);
  });
});

describe('Multiboot ELF32 images built here', () => {
  const code = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

  it('loads at p_paddr and enters at the physical address of a virtual entry', () => {
    const text = concat(mbHeader(0x3), code(0x100));
    const image = elf32(0xc0100010, [{ paddr: 0x100000, vaddr: 0xc0100000, data: text, memSize: 0x2000 }]);
    const ram = new Uint8Array(4 * MIB);
    const s = loadMultiboot(ram, image, { ramSize: 4 * MIB });
    expect(s.rip).toBe(0x100010);
    expect(ram.subarray(0x100000, 0x100000 + text.length)).toEqual(text);
  });

  it('flags bit 2 (video mode table) is refused: the VMM has no display', () => {
    const image = elf32(0x100000, [{ paddr: 0x100000, data: concat(mbHeader(0x4), code(16)) }]);
    expect(() => loadMultiboot(new Uint8Array(4 * MIB), image, { ramSize: 4 * MIB })).toThrow(/bit 2: a video mode table/);
  });

  it('unknown required flags (bits 3–15) are refused; optional bits 17–31 are not', () => {
    const bad = elf32(0x100000, [{ paddr: 0x100000, data: concat(mbHeader(0x8), code(16)) }]);
    expect(problem(() => loadMultiboot(new Uint8Array(4 * MIB), bad, { ramSize: 4 * MIB }))).toBe('unsupported');
    const ok = elf32(0x100000, [{ paddr: 0x100000, data: concat(mbHeader(0x80000000), code(16)) }]);
    expect(problem(() => loadMultiboot(new Uint8Array(4 * MIB), ok, { ramSize: 4 * MIB }))).toBe('loaded');
  });

  it('typed refusals name the problem', () => {
    const ram = new Uint8Array(4 * MIB);
    const opts = { ramSize: 4 * MIB };
    const hdr = mbHeader(0);
    // Header with a bad checksum is not a header.
    const badSum = mbHeader(0);
    badSum[8]! ^= 1;
    expect(problem(() => loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(badSum, code(8)) }]), opts))).toBe('no-header');
    expect(problem(() => loadMultiboot(ram, new Uint8Array(100), opts))).toBe('no-header');
    // A header past the first 8 KiB is not found.
    expect(problem(() => loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(code(8192), hdr) }]), opts))).toBe('no-header');
    // Not ELF and no a.out kludge.
    expect(problem(() => loadMultiboot(ram, concat(hdr, code(64)), opts))).toBe('unsupported');
    // ELF64 class.
    expect(
      problem(() =>
        loadMultiboot(
          ram,
          elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }], (dv) => dv.setUint8(4, 2)),
          opts,
        ),
      ),
    ).toBe('unsupported');
    // Segment in the VGA hole, above RAM, crossing 4 GiB.
    expect(problem(() => loadMultiboot(ram, elf32(0xa0000, [{ paddr: 0xa0000, data: concat(hdr, code(8)) }]), opts))).toBe('outside-ram');
    expect(problem(() => loadMultiboot(ram, elf32(0x3ff000, [{ paddr: 0x3ff000, data: concat(hdr, code(0x1000)) }]), opts))).toBe('outside-ram');
    expect(
      problem(() =>
        loadMultiboot(
          ram,
          elf32(0x100000, [
            { paddr: 0x100000, data: concat(hdr, code(8)) },
            { paddr: 0xfffff000, data: code(8), memSize: 0x2000 },
          ]),
          opts,
        ),
      ),
    ).toBe('outside-ram');
    // Segment over the information area at 0x9000.
    expect(() => loadMultiboot(ram, elf32(0x8000, [{ paddr: 0x8000, data: concat(hdr, code(0x1100)) }]), opts)).toThrow(
      /overlaps the Multiboot information at \[0x9000/,
    );
    // filesz > memsz, program headers past the end, entry outside RAM.
    expect(problem(() => loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(64)), memSize: 8 }]), opts))).toBe('unsupported');
    expect(
      problem(() =>
        loadMultiboot(
          ram,
          elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }], (dv) => dv.setUint16(44, 500, true)),
          opts,
        ),
      ),
    ).toBe('truncated');
    expect(problem(() => loadMultiboot(ram, elf32(0xb8000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }]), opts))).toBe('outside-ram');
    // Options.
    expect(problem(() => loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }]), { ramSize: 8 * MIB }))).toBe('bad-option');
    expect(
      problem(() => loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }]), { ramSize: 4 * MIB, cmdline: 'x'.repeat(700_000) })),
    ).toBe('bad-option');
    // A module that does not fit.
    expect(
      problem(() =>
        loadMultiboot(ram, elf32(0x100000, [{ paddr: 0x100000, data: concat(hdr, code(8)) }]), {
          ramSize: 4 * MIB,
          modules: [{ data: new Uint8Array(3 * MIB + 1) }],
        }),
      ),
    ).toBe('outside-ram');
  });

  it('modules are page-aligned one after another, each with its string', () => {
    const image = elf32(0x100000, [{ paddr: 0x100000, data: concat(mbHeader(0x3), code(32)), memSize: 0x1800 }]);
    const ram = new Uint8Array(4 * MIB);
    const s = loadMultiboot(ram, image, { ramSize: 4 * MIB, modules: [{ data: code(5000), cmdline: 'a' }, { data: code(1) }] });
    expect(readMbInfo(ram, s.regs.ebx!).mods).toEqual([
      { start: 0x102000, end: 0x102000 + 5000, string: 'a' },
      { start: 0x104000, end: 0x104001, string: '' },
    ]);
  });
});

describe('Multiboot a.out kludge', () => {
  it("loads from header_addr's file offset back to load_addr, zeroes the bss, enters at entry_addr", () => {
    // File: 0x40 bytes of text, the header at offset 0x40, then data. Loaded at 0x200000.
    const text = Uint8Array.from({ length: 0x40 }, (_, i) => 0x90 + (i & 1));
    const header = mbHeader(0x10003, { header: 0x200040, load: 0x200000, loadEnd: 0x200080, bssEnd: 0x201000, entry: 0x200004 });
    const data = Uint8Array.from({ length: 0x40 - header.length + 0x10 }, () => 0xab);
    const image = concat(text, header, data);
    const ram = new Uint8Array(4 * MIB).fill(0xee);
    const s = loadMultiboot(ram, image, { ramSize: 4 * MIB });
    expect(s).toEqual({ mode: 'protected32', rip: 0x200004, regs: { eax: 0x2badb002, ebx: 0x9000 } });
    expect(ram.subarray(0x200000, 0x200080)).toEqual(image.subarray(0, 0x80));
    expect(allBytes(ram.subarray(0x200080, 0x201000), 0)).toBe(true);
    expect([ram[0x201000], ram[0x1fffff]]).toEqual([0xee, 0xee]);
  });

  it('load_end_addr 0 loads to the end of the file; bss_end_addr 0 means no bss', () => {
    const header = mbHeader(0x10000, { header: 0x300000, load: 0x300000, loadEnd: 0, bssEnd: 0, entry: 0x300000 });
    const image = concat(header, new Uint8Array(100).fill(0x5a));
    const ram = new Uint8Array(4 * MIB);
    loadMultiboot(ram, image, { ramSize: 4 * MIB });
    expect(ram.subarray(0x300000, 0x300000 + image.length)).toEqual(image);
    expect(ram[0x300000 + image.length]).toBe(0);
  });

  it('an ELF image with flags bit 16 is loaded by its address fields, as GRUB and QEMU do', () => {
    const header = mbHeader(0x10000, { header: 0x200000 + 52 + 32, load: 0x200000, loadEnd: 0, bssEnd: 0, entry: 0x200000 });
    const image = elf32(0x100000, [{ paddr: 0x100000, data: header }]);
    const ram = new Uint8Array(4 * MIB);
    expect(loadMultiboot(ram, image, { ramSize: 4 * MIB }).rip).toBe(0x200000);
    expect(ram.subarray(0x200000, 0x200000 + image.length)).toEqual(image);
  });

  it('inconsistent address fields are refused', () => {
    const opts = { ramSize: 4 * MIB };
    const ram = new Uint8Array(4 * MIB);
    const mk = (f: { header: number; load: number; loadEnd: number; bssEnd: number; entry: number }) => concat(mbHeader(0x10000, f), new Uint8Array(64));
    expect(problem(() => loadMultiboot(ram, mk({ header: 0x200000, load: 0x200010, loadEnd: 0, bssEnd: 0, entry: 0x200000 }), opts))).toBe('unsupported');
    expect(problem(() => loadMultiboot(ram, mk({ header: 0x200100, load: 0x200000, loadEnd: 0, bssEnd: 0, entry: 0x200000 }), opts))).toBe('unsupported');
    expect(problem(() => loadMultiboot(ram, mk({ header: 0x200000, load: 0x200000, loadEnd: 0x201000, bssEnd: 0, entry: 0x200000 }), opts))).toBe('truncated');
    expect(problem(() => loadMultiboot(ram, mk({ header: 0x200000, load: 0x200000, loadEnd: 0x200040, bssEnd: 0x200010, entry: 0x200000 }), opts))).toBe(
      'unsupported',
    );
    expect(problem(() => loadMultiboot(ram, mbHeader(0x10000).subarray(0, 12), opts))).toBe('truncated');
  });
});

describe('Multiboot loader robustness', () => {
  it('arbitrary bytes (with and without a valid header) load or give a LoaderError, nothing else', () => {
    const ram = new Uint8Array(2 * MIB);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 0x1ffff }), fc.boolean(), (bytes, flags, elfy) => {
        const body = elfy
          ? elf32(0x100000, [{ paddr: 0x100000, data: concat(mbHeader(flags | (0x10000 * (flags & 1))), bytes) }])
          : concat(mbHeader(flags), bytes);
        if (elfy) body.set(bytes.subarray(0, Math.min(bytes.length, 48)), 4); // scramble the ELF header
        problem(() => loadMultiboot(ram, body, { ramSize: 2 * MIB }));
      }),
      { numRuns: 400 },
    );
  });
});
