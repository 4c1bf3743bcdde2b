// Whether this machine can run KVM guests, and why not (tests skip with ONE visible line).
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

function reason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/kvm is missing or not accessible';
  }
  try {
    createRequire(import.meta.url).resolve('koffi');
  } catch {
    return 'the optional package koffi is not installed';
  }
  return null;
}

/** null when KVM guests can run here, else the reason. */
export const KVM_SKIP_REASON = reason();
let told = false;
/** Prints the skip reason once per process (the one visible line). */
export function announceKvmSkip(what: string): void {
  if (KVM_SKIP_REASON !== null && !told) {
    told = true;
    console.log(`[skip] ${what}: ${KVM_SKIP_REASON}`);
  }
}
