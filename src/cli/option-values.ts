// Typed parsers for option values: every value a user types is checked here, before any library
// code sees it, and a bad one becomes a UsageError naming the option (exit status 2).
import { UsageError } from './errors.js';
import { didYouMean } from './near-miss.js';

/** A decimal whole number from `min` to `max` (ASCII digits only: no sign, exponent or spaces). */
export function wholeNumberOption(option: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${option} takes a whole number from ${min} to ${max}, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${option} takes a whole number from ${min} to ${max}, got ${text}`);
  return value;
}

/** One of a fixed set of words, spelled exactly. */
export function choiceOption<T extends string>(option: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${option}: unknown value '${text}'${didYouMean(text, choices)}; choose one of ${choices.join(', ')}`);
  }
  return text as T;
}

/** Runs a library parser and turns its complaint into a usage error naming the option. */
export function parsedOption<T>(option: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof Error) throw new UsageError(`${option} ${text}: ${e.message}`);
    throw e;
  }
}
