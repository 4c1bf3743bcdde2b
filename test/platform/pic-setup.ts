// The 8259 pair as a BIOS leaves it for the PCI interrupt tests, as qtest commands: ICW1–ICW4 with
// vector bases 0x20 (master) and 0x28 (slave, cascaded on IRQ 2), every IRQ but IRQ 0 unmasked,
// and IRQ 11 level-triggered through the slave's ELCR (port 0x4D1, bit 3), as a PCI INTx link is.
/** ICW1–ICW4 of both chips: vector bases 0x20 and 0x28, the slave cascaded on IRQ 2, 8086 mode. */
export const PIC_INIT: readonly string[] = [
  'outb 0x20 0x11',
  'outb 0x21 0x20',
  'outb 0x21 0x04',
  'outb 0x21 0x01',
  'outb 0xa0 0x11',
  'outb 0xa1 0x28',
  'outb 0xa1 0x02',
  'outb 0xa1 0x01',
];

export const PIC_SETUP_IRQ11_LEVEL: readonly string[] = [...PIC_INIT, 'outb 0x21 0x01', 'outb 0xa1 0x00', 'outb 0x4d1 0x08'];
