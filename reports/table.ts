/**
 * The terminal comparison table `faultline run` prints: one row per exercised metric, one
 * column per strategy with the mean and its 95% CI half-width. Padding counts visible
 * columns, so colour codes and wide characters do not break alignment.
 */

import { shownMetrics } from "./compare.js";
import { formatMeanCi } from "./format.js";
import type { Summary } from "./records.js";
import { padEndVisible, padStartVisible, sanitizeTerminal, visibleWidth } from "./text.js";
import { significantlyBetterIndices } from "./verdict.js";

export interface TableOptions {
  /** ANSI bold header and green where a strategy is significantly better than the first; false writes no escape code at all. */
  readonly color: boolean;
  /**
   * Terminal columns. When the table is wider, strategies are split over several stacked
   * blocks, each repeating the metric column, rather than cutting any number short.
   * Unlimited when absent.
   */
  readonly width?: number;
}

const BOLD = "\u001b[1m";
const BOLD_OFF = "\u001b[22m";
const GREEN = "\u001b[32m";
const COLOR_OFF = "\u001b[39m";
const GAP = "  ";
const NULL_CELL = "—";

/**
 * The comparison table as text ending in a newline. Without `width`, or when it fits, every
 * line has the same visible width. Empty metrics (null for every strategy) are left out.
 */
export function comparisonTable(summary: Summary, options: TableOptions): string {
  const metrics = shownMetrics(summary);
  const names = summary.strategies.map((strategy) => sanitizeTerminal(strategy.name));
  const metricHeader = "metric";
  const metricWidth = Math.max(visibleWidth(metricHeader), ...metrics.map((m) => m.length));

  interface Column {
    readonly header: string;
    readonly cells: readonly string[];
    readonly best: readonly boolean[];
    readonly width: number;
  }
  const bestByMetric = metrics.map((metric) => new Set(significantlyBetterIndices(summary, metric)));
  const columns: Column[] = summary.strategies.map((strategy, index) => {
    const cells = metrics.map((metric) => {
      const stats = strategy.metrics[metric];
      return stats === null ? NULL_CELL : formatMeanCi(metric, stats);
    });
    const header = names[index];
    return {
      header,
      cells,
      best: metrics.map((_, row) => bestByMetric[row].has(index)),
      width: Math.max(visibleWidth(header), ...cells.map(visibleWidth)),
    };
  });

  const bold = (text: string): string => (options.color ? `${BOLD}${text}${BOLD_OFF}` : text);
  const green = (text: string): string => (options.color ? `${GREEN}${text}${COLOR_OFF}` : text);

  const renderBlock = (block: readonly Column[]): string[] => {
    const lines: string[] = [];
    lines.push(
      [padEndVisible(metricHeader, metricWidth), ...block.map((c) => padStartVisible(c.header, c.width))]
        .map(bold)
        .join(GAP),
    );
    lines.push(
      ["─".repeat(metricWidth), ...block.map((c) => "─".repeat(c.width))].join(GAP),
    );
    metrics.forEach((metric, row) => {
      const cells = block.map((column) => {
        // Pad first, colour after, so the escape codes never count towards the width.
        const padded = padStartVisible(column.cells[row], column.width);
        return column.best[row] ? green(padded) : padded;
      });
      lines.push([padEndVisible(metric, metricWidth), ...cells].join(GAP));
    });
    return lines;
  };

  const blocks = splitColumns(columns, metricWidth, options.width ?? Number.POSITIVE_INFINITY);
  return `${blocks.map((block) => renderBlock(block).join("\n")).join("\n\n")}\n`;
}

/** Greedy split of columns into blocks that fit `width`; a block holds at least one column. */
function splitColumns<C extends { readonly width: number }>(
  columns: readonly C[],
  metricWidth: number,
  width: number,
): C[][] {
  if (columns.length === 0) return [[]];
  const blocks: C[][] = [];
  let block: C[] = [];
  let used = metricWidth;
  for (const column of columns) {
    const needed = GAP.length + column.width;
    if (block.length > 0 && used + needed > width) {
      blocks.push(block);
      block = [];
      used = metricWidth;
    }
    block.push(column);
    used += needed;
  }
  blocks.push(block);
  return blocks;
}
