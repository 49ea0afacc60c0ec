import { closeSync, openSync, writeSync } from 'node:fs';

/** Flush at once past this many pending characters, so a busy spell cannot hold megabytes. */
const MAX_PENDING_CHARS = 64 * 1024;
/** How long a line may wait for others to share its write(2). */
export const LOG_FLUSH_DELAY_MS = 10;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Where a logger's lines go: a file descriptor or a file, written synchronously, at most
 * LOG_FLUSH_DELAY_MS after the first line that is pending, with every line pending then. A busy
 * server finishes a few calls per event-loop turn and dozens in 10 ms, so it makes one write(2)
 * for dozens of lines: the RPC benchmark's server, at about 3,000 calls a second, made about 60
 * writes a second (strace). Pending lines are written at exit (a normal one or an uncaught
 * exception); a SIGKILL loses at most the last 10 ms of lines. Not for worker threads: each
 * would need its own.
 */
export class LogDestination {
  private pending = '';
  private scheduled: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly flushAtExit = () => this.flushSync();
  private readonly flushLater = () => this.flushSync();

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {
    process.on('exit', this.flushAtExit);
  }

  /** Lines to an open file descriptor (1 for stdout), which stays open at `end`. */
  static toFd(fd: number): LogDestination {
    return new LogDestination(fd, false);
  }

  /** Lines appended to `path`, created if missing (mode 0640) and closed at `end`. */
  static toFile(path: string): LogDestination {
    return new LogDestination(openSync(path, 'a', 0o640), true);
  }

  /** Takes one line (pino hands over each line with its newline). */
  write(line: string): boolean {
    if (this.closed) throw new Error('log destination is closed');
    this.pending += line;
    if (this.pending.length >= MAX_PENDING_CHARS) this.flushSync();
    else this.scheduled ??= setTimeout(this.flushLater, LOG_FLUSH_DELAY_MS).unref();
    return true;
  }

  /** Writes what is pending now; pino's `logger.flush(cb)` lands here. */
  flush(callback?: (err?: Error) => void): void {
    try {
      this.flushSync();
    } catch (err) {
      callback?.(err as Error);
      return;
    }
    callback?.();
  }

  flushSync(): void {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    writeFully(this.fd, text);
  }

  /** Writes what is pending and stops taking lines; closes the file it opened. */
  end(): void {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    process.off('exit', this.flushAtExit);
    if (this.ownsFd) closeSync(this.fd);
  }
}

/**
 * write(2) until every byte is out. A non-blocking pipe (stdout under some supervisors) answers
 * EAGAIN while its reader lags: wait a millisecond and go on, as a log line must not be dropped.
 * A pipe whose reader is gone (EPIPE) has nobody to read the lines: they are dropped.
 */
function writeFully(fd: number, text: string): void {
  let bytes: Buffer | undefined;
  let offset = 0;
  for (;;) {
    try {
      // The whole text in one write(2) is the common case: no copy into a buffer first.
      if (bytes === undefined) {
        offset = writeSync(fd, text);
        if (offset === text.length) return; // every character one byte, all written
        bytes = Buffer.from(text, 'utf8');
      } else {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      }
      if (offset >= bytes.length) return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      bytes ??= Buffer.from(text, 'utf8');
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

let stdout: LogDestination | undefined;

/** The one destination of the process's stdout, shared by its loggers. */
export function stdoutDestination(): LogDestination {
  return (stdout ??= LogDestination.toFd(1));
}
