/** Where a run of the CLI writes: process streams in main.ts, buffers in tests. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** True when stderr is a terminal: progress then rewrites one line instead of adding lines. */
  readonly stderrIsTty: boolean;
}
