// kvm-unit-tests `apic` with its three NMI stress loops shortened, in memory, at load time (the
// shared binary is never modified or copied). Stock, the loops are 30,000 + 100,000 + 100,000
// cross-CPU and self NMIs; on a PVM host every iteration's guest code runs through the host's
// ring-0 emulator and both vCPUs busy-wait on each other, so at the host loads measured here
// (docs/vmm.md, "apic's NMI stress loops") they need from about 5 minutes (an idle host: the
// emulated handler code alone) to hours, while the cases after them (APIC timer, TSC deadline,
// APIC ID, APIC base) would never run in `npm test`. Shortened, the whole test runs to its end.
//
// The loop bounds are immediates of apic.flat (kvm-unit-tests 1da1819e, x86-64 code):
//   test_sti_nmi:                 cmp eax, 29999        3D 2F 75 00 00   (twice: loop entry and back edge)
//   test_multiple_nmi, test_pending_nmi: mov ebx, 100000 BB A0 86 01 00  (one each)
// Each pattern must occur exactly twice, else the binary is not the one described and the helper
// refuses (a test would otherwise run an unknown program).

const STI_NMI_BOUND = [0x3d, 0x2f, 0x75, 0x00, 0x00];
const NMI_LOOP_COUNT = [0xbb, 0xa0, 0x86, 0x01, 0x00];

function occurrences(image: Uint8Array, pattern: readonly number[]): number[] {
  const at: number[] = [];
  outer: for (let i = 0; i + pattern.length <= image.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (image[i + j] !== pattern[j]) continue outer;
    at.push(i);
  }
  return at;
}

/** A copy of apic.flat whose three NMI loops run `iterations` times each (1 ≤ iterations < 2^31). */
export function shortenApicNmiLoops(image: Uint8Array, iterations: number): Uint8Array {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations >= 2 ** 31) throw new RangeError(`iterations must be 1 to 2^31 - 1, got ${iterations}`);
  const bounds = occurrences(image, STI_NMI_BOUND);
  const counts = occurrences(image, NMI_LOOP_COUNT);
  if (bounds.length !== 2 || counts.length !== 2) {
    throw new Error(
      `apic.flat is not the binary these offsets describe: 'cmp eax, 29999' found ${bounds.length}×, 'mov ebx, 100000' ${counts.length}× (2 each expected)`,
    );
  }
  const out = new Uint8Array(image);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // test_sti_nmi loops while nmi_counter <= bound (cmp eax, N - 1; jg out).
  for (const i of bounds) dv.setInt32(i + 1, iterations - 1, true);
  for (const i of counts) dv.setInt32(i + 1, iterations, true);
  return out;
}
