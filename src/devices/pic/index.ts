export { PicConfigError, type PicParams, QEMU_PC_PIC_PARAMS, validatePicParams, XEN_PIC_PARAMS } from './params.js';
export { CASCADE_BIT, I8259Chip, INIT_IC4, INIT_SNGL } from './i8259-chip.js';
export { CASCADE_IR, ELCR_PORT, PIC_MASTER_PORT, PIC_SLAVE_PORT, PicPair } from './pic-pair.js';
