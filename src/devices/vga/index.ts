export {
  checkVgaParams,
  DISCARD_VGA_WRITES,
  VGA_MEM_BASE,
  VGA_MEM_SIZE,
  VgaParamsError,
  type VgaWindowParams,
  type VgaWriteSink,
  XEN_VGA_WINDOW_PARAMS,
} from './params.js';
export { VGA_WINDOW_STATE, VgaWindow } from './vga-window.js';
