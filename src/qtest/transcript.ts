// Golden transcripts as the QEMU oracle runner prints them:
//   > command
//   IRQ raise N        (zero or more)
//   OK ...             (the reply)
// Comment lines (#...) and runner diagnostics (!! ...) are skipped. Replaying sends each command
// to a session and compares every line byte for byte.
import type { QtestSession } from './session.js';

/** One command of a transcript and the lines QEMU answered (IRQ lines first, then the reply). */
export interface TranscriptStep {
  /** The command, without the `> ` prefix. */
  readonly command: string;
  /** What QEMU sent back, line by line. */
  readonly expected: readonly string[];
  /** 1-based line number of the command in the transcript. */
  readonly line: number;
}

/** A command whose reply differed from the transcript's. */
export interface TranscriptMismatch {
  /** 1-based line number of the command in the transcript. */
  readonly line: number;
  /** The command. */
  readonly command: string;
  /** What the transcript says QEMU answered. */
  readonly expected: readonly string[];
  /** What the session answered. */
  readonly actual: readonly string[];
}

/**
 * The steps of a transcript in the form QEMU's qtest log takes here: `> command` lines, each followed
 * by the lines sent back; `#` comments and blank lines are skipped, and a command the recording
 * runner reports (`!! ... not sent`) as not sent is dropped. Never throws.
 */
export function parseTranscript(text: string): TranscriptStep[] {
  const steps: { command: string; expected: string[]; line: number }[] = [];
  let skipping = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.startsWith('> ')) {
      steps.push({ command: line.slice(2), expected: [], line: i + 1 });
      skipping = false;
    } else if (line.startsWith('!!')) {
      // A command the runner refused to send has no reply to compare.
      if (line.includes('not sent') && steps.length > 0) steps.pop();
      skipping = true;
    } else if (line.startsWith('#') || line === '' || skipping) {
      return;
    } else if (steps.length > 0) {
      steps[steps.length - 1]!.expected.push(line);
    }
  });
  return steps;
}

/**
 * Sends every command of a transcript to `session` and returns each step whose reply differs, line for
 * line (empty: the session answered exactly as the transcript). The session's platform moves on as
 * the commands say (clock_step advances its virtual time).
 */
export function replayTranscript(session: QtestSession, text: string): TranscriptMismatch[] {
  const mismatches: TranscriptMismatch[] = [];
  for (const step of parseTranscript(text)) {
    const actual = session.handle(step.command);
    if (actual.length !== step.expected.length || actual.some((l, i) => l !== step.expected[i])) {
      mismatches.push({ line: step.line, command: step.command, expected: step.expected, actual });
    }
  }
  return mismatches;
}
