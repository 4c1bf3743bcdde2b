export * from './params.js';
export * from './vga-window.js';
