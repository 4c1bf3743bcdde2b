// PIIX3 PCI-to-ISA bridge, function 0 of QEMU `pc`'s device 1 (Intel 82371SB datasheet §2.2):
// 8086:7000, class 0x060100, multi-function. Its PIRQ route control registers PIRQRC[A:D] at
// 0x60–0x63 (datasheet §2.2.13) steer the four PCI links to ISA IRQs: bit 7 IRQROUTEN# (1 = not
// routed), bits 3:0 the IRQ; 0–2, 8 and 13 are reserved and route nowhere; bits 6:4 reserved (read 0).
// QEMU stores all 8 bits and routes any value below 16; this model follows the datasheet.
import type { ConfigRegister } from './config-space.js';
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import type { PciHost } from './host.js';
import { QEMU_SUBSYSTEM, storageBytes } from './host-bridge.js';

/** Config offset of the PIIX3 ISA bridge's PIRQRC[A] (0x60); PIRQRC[B–D] follow at 0x61–0x63 (82371SB §2.2.8). */
export const PIIX3_PIRQRC = 0x60;
/** PIRQRC bit 7, IRQROUTEN# (set = the PIRQ is not routed to an ISA IRQ); the reset value 0x80. */
export const PIRQRC_DISABLE = 0x80;
const RESERVED_IRQS = new Set([0, 1, 2, 8, 13]);

/** The ISA IRQ a PIRQRC value routes to, or null. */
export function decodePirqRoute(value: number): number | null {
  if ((value & PIRQRC_DISABLE) !== 0) return null;
  const irq = value & 0x0f;
  return RESERVED_IRQS.has(irq) ? null : irq;
}

/**
 * The definition of QEMU `pc`'s PIIX3 ISA bridge (8086:7000, class 0x060100, multi-function, at 00:01.0) with the
 * four PIRQ route registers; `routeWritten(link, reg, value)` is called after a guest writes link 0–3's register.
 */
export function piix3Definition(routeWritten: (link: number, reg: ConfigRegister, value: number) => void): PciFunctionDefinition {
  return {
    name: 'piix3',
    vendorId: 0x8086,
    deviceId: 0x7000,
    classCode: 0x060100,
    multiFunction: true,
    status: 0x0200, // DEVSEL# medium
    ...QEMU_SUBSYSTEM,
    registers: [
      ...[0, 1, 2, 3].map((link) => ({
        offset: PIIX3_PIRQRC + link,
        size: 1 as const,
        name: `PIRQRC${'ABCD'[link]}`,
        reset: PIRQRC_DISABLE,
        ro: 0x70,
        write: (reg: ConfigRegister, v: number) => routeWritten(link, reg, v),
      })),
      // IORT, XBCS, TOM, MBIRQ0, MBDMA, PCSC, SMICNTL, SMIREQ power-on values (QEMU 7.2); not modelled.
      ...storageBytes('PIIX3', [
        [0x4c, 0x4d],
        [0x4e, 0x03],
        [0x69, 0x02],
        [0x70, 0x80],
        [0x76, 0x0c],
        [0x77, 0x0c],
        [0x78, 0x02],
        [0xa0, 0x08],
        [0xa8, 0x0f],
      ]),
    ],
  };
}

/** Function 0 of device `device`: the ISA bridge whose PIRQ routes drive the host's PCI links. */
export class Piix3IsaBridge {
  readonly fn: PciFunction;

  constructor(
    private readonly host: PciHost,
    device = 1,
  ) {
    this.fn = host.attach(
      { device, function: 0 },
      piix3Definition((link, reg, v) => this.routeWritten(link, reg, v)),
    );
    // After reset or restore the links follow the registers again.
    this.fn.onStateReplaced(() => this.applyRoutes());
  }

  /** The PIRQRC register value of a link (0–3). */
  routeRegister(link: number): number {
    return this.fn.configRead(PIIX3_PIRQRC + link, 1);
  }

  private routeWritten(link: number, reg: ConfigRegister, value: number): void {
    reg.store(value);
    this.host.router.setLinkRoute(link, decodePirqRoute(reg.value));
  }

  private applyRoutes(): void {
    for (let link = 0; link < 4; link++) this.host.router.setLinkRoute(link, decodePirqRoute(this.routeRegister(link)));
  }
}
