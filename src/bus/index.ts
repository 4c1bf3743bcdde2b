export * from './access.js';
export * from './errors.js';
export * from './handler.js';
export { Region } from './region.js';
export * from './trace.js';
export { type BusProfile, XEN_BUS_PROFILE } from './bus-core.js';
export { PortBus, PORT_SPACE_SIZE } from './port-bus.js';
export { MmioBus, MAX_PHYS_ADDR } from './mmio-bus.js';
export { MmioTlb } from './mmio-tlb.js';
