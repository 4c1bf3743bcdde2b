// The guest `npm start` boots under KVM: generated here, no toolchain at run time.
export { buildDemoGuest, DEMO_LOAD_ADDRESS, DEMO_VECTOR, type DemoGuest } from './demo-guest.js';
export { X86Asm, AsmError } from './x86-asm.js';
export { runDemoGuest, DEMO_GUEST_RAM, type DemoGuestOptions, type DemoGuestRun } from './run-demo-guest.js';
