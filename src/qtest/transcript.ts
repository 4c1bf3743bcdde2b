// Golden transcripts as the oracle runner (../shared/oracle/qtest-run) prints them:
//   > command
//   IRQ raise N        (zero or more)
//   OK ...             (the reply)
// Comment lines (#...) and runner diagnostics (!! ...) are skipped. Replaying sends each command
// to a session and compares every line byte for byte.
import type { QtestSession } from './session.js';

export interface TranscriptStep {
  readonly command: string;
  readonly expected: readonly string[];
  /** 1-based line number of the command in the transcript. */
  readonly line: number;
}

export interface TranscriptMismatch {
  readonly line: number;
  readonly command: string;
  readonly expected: readonly string[];
  readonly actual: readonly string[];
}

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
