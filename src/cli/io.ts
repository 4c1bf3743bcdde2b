// Output and errors for CLI commands, so each command is a plain function tests can call. Imports
// nothing: `hvmdev --help` loads only main.ts, this file and the exit statuses.
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
}

export const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export const hex = (n: number, width: number): string => '0x' + n.toString(16).padStart(width, '0');
