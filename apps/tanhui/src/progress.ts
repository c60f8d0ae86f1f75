// Progress of a run: bars per window and per member group on a terminal; otherwise one JSON
// line per event (pino) on stderr, each with an ETA, so nightly logs are machine-readable.
import { pino, type Logger } from 'pino';

export interface Progress {
  runStart(info: { command: string; store: string; windows: number; complete: number; tasksPerWindow: number }): void;
  windowStart(window: number, startIso: string): void;
  taskDone(window: number, done: number, total: number): void;
  /** A named step inside a window (solve, forward, write) with details. */
  step(window: number, name: string, fields?: Record<string, unknown>): void;
  windowDone(window: number, fields?: Record<string, unknown>): void;
  runDone(fields?: Record<string, unknown>): void;
}

class Eta {
  private readonly t0 = Date.now();
  private done = 0;
  constructor(private total: number) {}
  windowDone(): void {
    this.done++;
  }
  setTotal(n: number): void {
    this.total = n;
  }
  /** Seconds left, from the mean window time so far (null before the first window). */
  secondsLeft(fractionOfCurrent = 0): number | null {
    const elapsed = (Date.now() - this.t0) / 1000;
    const progress = this.done + fractionOfCurrent;
    if (progress <= 0) return null;
    return Math.max(0, (elapsed / progress) * (this.total - progress));
  }
}

function fmtEta(s: number | null): string {
  if (s === null) return 'ETA …';
  const m = Math.floor(s / 60);
  return `ETA ${m > 0 ? `${m}m` : ''}${Math.round(s % 60)}s`;
}

/** Terminal bars on stderr (redrawn in place). */
export class TerminalProgress implements Progress {
  private eta = new Eta(1);
  private windows = 0;
  private current = -1;
  private tasks = 1;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private bar(frac: number, width = 24): string {
    const n = Math.round(Math.max(0, Math.min(1, frac)) * width);
    return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
  }
  private line(text: string, end = false): void {
    this.out.write(`\r\x1b[2K${text}${end ? '\n' : ''}`);
  }
  runStart(info: { command: string; store: string; windows: number; complete: number; tasksPerWindow: number }): void {
    this.windows = info.windows;
    this.tasks = info.tasksPerWindow;
    this.eta = new Eta(info.windows - info.complete);
    if (info.complete > 0) this.out.write(`resuming ${info.store} after window ${info.complete} of ${info.windows}\n`);
  }
  windowStart(window: number, startIso: string): void {
    this.current = window;
    this.line(`window ${window + 1}/${this.windows} ${startIso.slice(0, 10)} ${this.bar(0)} members 0/${this.tasks} ${fmtEta(this.eta.secondsLeft())}`);
  }
  taskDone(window: number, done: number, total: number): void {
    this.line(`window ${window + 1}/${this.windows} ${this.bar(done / total)} member groups ${done}/${total} ${fmtEta(this.eta.secondsLeft(0.8 * (done / total)))}`);
  }
  step(window: number, name: string): void {
    this.line(`window ${window + 1}/${this.windows} ${this.bar(1)} ${name} ${fmtEta(this.eta.secondsLeft(0.9))}`);
  }
  windowDone(window: number, fields: Record<string, unknown> = {}): void {
    this.eta.windowDone();
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}`)
      .join(' ');
    this.line(`window ${window + 1}/${this.windows} done ${extra} ${fmtEta(this.eta.secondsLeft())}`, true);
    void this.current;
  }
  runDone(): void {
    this.line('', false);
  }
}

/** One JSON line per event (pino), for logs and pipes. */
export class JsonProgress implements Progress {
  private readonly log: Logger;
  private eta = new Eta(1);
  constructor(destination: number | NodeJS.WritableStream = 2) {
    this.log = pino(
      { base: { app: 'tanhui' }, timestamp: pino.stdTimeFunctions.isoTime },
      typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
    );
  }
  runStart(info: { command: string; store: string; windows: number; complete: number; tasksPerWindow: number }): void {
    this.eta = new Eta(info.windows - info.complete);
    this.log.info({ event: 'run-start', ...info }, info.complete > 0 ? `resuming after window ${info.complete}` : 'starting');
  }
  windowStart(window: number, startIso: string): void {
    this.log.info({ event: 'window-start', window, start: startIso, etaSeconds: this.eta.secondsLeft() });
  }
  taskDone(window: number, done: number, total: number): void {
    this.log.info({ event: 'member-group-done', window, done, total, etaSeconds: this.eta.secondsLeft(0.8 * (done / total)) });
  }
  step(window: number, name: string, fields: Record<string, unknown> = {}): void {
    this.log.info({ event: name, window, ...fields, etaSeconds: this.eta.secondsLeft(0.9) });
  }
  windowDone(window: number, fields: Record<string, unknown> = {}): void {
    this.eta.windowDone();
    this.log.info({ event: 'window-complete', window, ...fields, etaSeconds: this.eta.secondsLeft() });
  }
  runDone(fields: Record<string, unknown> = {}): void {
    this.log.info({ event: 'run-complete', ...fields });
  }
}

/** Quiet progress (tests, embedding). */
export class SilentProgress implements Progress {
  runStart(): void {}
  windowStart(): void {}
  taskDone(): void {}
  step(): void {}
  windowDone(): void {}
  runDone(): void {}
}

/** Bars on a terminal, JSON lines otherwise. */
export function defaultProgress(): Progress {
  return process.stderr.isTTY ? new TerminalProgress() : new JsonProgress(2);
}
