export { accessContext, type AccessContext, type AccessSize, allOnes, HOST_ACCESS, type PortAccessSize, SIZES_4, SIZES_8 } from './access.js';
export { BusOverlapError, BusRangeError, type RangeOwner, StaleRegionError } from './errors.js';
export type { IoHandler, RegionOptions, WidthPolicy } from './handler.js';
export { Region } from './region.js';
export { type TraceEvent, type TraceOptions, Tracer, type TraceSink } from './trace.js';
export { type BusProfile, XEN_BUS_PROFILE } from './bus-core.js';
export { PORT_SPACE_SIZE, PortBus } from './port-bus.js';
export { MAX_PHYS_ADDR, MmioBus } from './mmio-bus.js';
export { MmioTlb } from './mmio-tlb.js';
