/**
 * What the CLI knows of its terminal: colour only on a TTY without NO_COLOR (no-color.org),
 * progress only on a TTY, results on stdout and everything else on stderr.
 */

export function useColor(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === "");
}

/**
 * Progress on stderr for work longer than a second: on a TTY a one-line bar with ETA,
 * redrawn at most ten times a second; otherwise (a log file, CI) a plain line every five
 * seconds. `done` may be fractional: runs finished plus the shares of those under way.
 */
export class ProgressBar {
  readonly #label: string;
  readonly #startMs = performance.now();
  readonly #tty: boolean;
  #lastDrawMs = -Infinity;
  #drawn = false;

  constructor(label: string) {
    this.#label = label;
    this.#tty = process.stderr.isTTY === true;
  }

  /** `detail` (what is being done now, e.g. the sweep point) is shown before the ETA. */
  update(done: number, total: number, detail = ""): void {
    const nowMs = performance.now();
    const elapsedMs = nowMs - this.#startMs;
    const everyMs = this.#tty ? 100 : 5_000;
    // The end needs no line: the command says what it wrote next.
    if (elapsedMs < (this.#tty ? 1_000 : 5_000) || nowMs - this.#lastDrawMs < everyMs || done >= total) return;
    this.#lastDrawMs = nowMs;
    const etaS = done > 0 ? ((total - done) * elapsedMs) / done / 1_000 : NaN;
    const eta = Number.isFinite(etaS) ? `ETA ${formatSeconds(etaS)}` : "";
    const percent = `${Math.floor((100 * done) / total)}%`;
    const count = Number.isInteger(done) ? `${done}/${total}` : `${Math.floor(done)}/${total} (${percent})`;
    const shown = detail === "" ? "" : `${detail} `;
    if (!this.#tty) {
      process.stderr.write(`${this.#label}: ${count} ${shown}${eta}\n`);
      return;
    }
    const width = 24;
    const filled = Math.round((width * done) / total);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    process.stderr.write(`\r${this.#label} ${bar} ${count} ${shown}${eta}\x1b[K`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) process.stderr.write("\r\x1b[K");
  }
}

/** Progress over runs, counting the shares done of those under way (a long replication shows its progress too). */
export class RunsProgress {
  readonly #bar: ProgressBar;
  readonly #total: number;
  readonly #underWay = new Map<number, number>();
  #done = 0;
  #detail = "runs";

  constructor(label: string, total: number) {
    this.#bar = new ProgressBar(label);
    this.#total = total;
  }

  /** Run `index` is `share` (0–1) done. */
  share(index: number, share: number): void {
    this.#underWay.set(index, share);
    this.#show();
  }

  /** Run `index` ended; `detail` says where the work is now. */
  done(index: number, detail = this.#detail): void {
    this.#underWay.delete(index);
    this.#done++;
    this.#detail = detail;
    this.#show();
  }

  finish(): void {
    this.#bar.finish();
  }

  #show(): void {
    let underWay = 0;
    for (const share of this.#underWay.values()) underWay += share;
    this.#bar.update(this.#done + underWay, this.#total, this.#detail);
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.ceil(seconds - minutes * 60)).padStart(2, "0")}s`;
}
