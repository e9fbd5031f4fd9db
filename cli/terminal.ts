/**
 * What the CLI knows of its terminal: colour only on a TTY without NO_COLOR (no-color.org),
 * progress only on a TTY, results on stdout and everything else on stderr.
 */

export function useColor(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === "");
}

/** A one-line progress bar with ETA on stderr; silent when stderr is not a TTY. */
export class ProgressBar {
  readonly #label: string;
  readonly #startMs = performance.now();
  readonly #enabled: boolean;
  #lastDrawMs = -Infinity;
  #drawn = false;

  constructor(label: string) {
    this.#label = label;
    this.#enabled = process.stderr.isTTY === true;
  }

  /** `detail` (what is being done now, e.g. the sweep point) is shown before the ETA. */
  update(done: number, total: number, detail = ""): void {
    if (!this.#enabled) return;
    const nowMs = performance.now();
    const elapsedMs = nowMs - this.#startMs;
    // Only runs longer than a second get a bar, and it redraws at most ten times a second.
    if (elapsedMs < 1_000 || (nowMs - this.#lastDrawMs < 100 && done < total)) return;
    this.#lastDrawMs = nowMs;
    const width = 24;
    const filled = Math.round((width * done) / total);
    const etaS = done > 0 ? ((total - done) * elapsedMs) / done / 1_000 : NaN;
    const eta = Number.isFinite(etaS) ? `ETA ${formatSeconds(etaS)}` : "";
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const shown = detail === "" ? "" : `${detail} `;
    process.stderr.write(`\r${this.#label} ${bar} ${done}/${total} ${shown}${eta}\x1b[K`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) process.stderr.write("\r\x1b[K");
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.ceil(seconds - minutes * 60)).padStart(2, "0")}s`;
}
