/**
 * Text helpers shared by the report writers: escaping for XML/HTML and Markdown, the
 * visible width of a terminal string, and padding by that width.
 *
 * The width rules are a small subset of Unicode's East Asian Width (UAX #11): enough for
 * CJK names and emoji in strategy names to line up in a monospace terminal. They leave out
 * ambiguous-width characters (treated as narrow) and grapheme clustering beyond combining
 * marks, zero-width joiners and variation selectors.
 */

// Control characters (C0 except tab/newline/carriage return, DEL, C1) are not allowed in
// XML 1.0 and would be executed by a terminal; they become U+FFFD everywhere we write text.
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const ANSI_SGR = /\u001b\[[0-9;]*m/g;

/** Escapes text for XML and HTML element content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(CONTROL_CHARS, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Escapes text for Markdown inline content (CommonMark backslash escapes), including `|`
 * so the text is safe inside a pipe-table cell. Newlines become spaces: one cell, one line.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(CONTROL_CHARS, "\uFFFD")
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[\\`*[\]<>|#&~!]/g, (ch) => `\\${ch}`)
    // An underscore between two letters or digits cannot open or close emphasis
    // (CommonMark's flanking rules), so `lost_work_gpu_h` stays readable in the source.
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, "\\_");
}

/** Replaces control characters (including ESC) so a name cannot drive the terminal. */
export function sanitizeTerminal(text: string): string {
  // Tabs and newlines would also break a table row; they become one space.
  return text.replace(/[\t\r\n]+/g, " ").replace(CONTROL_CHARS, "\uFFFD");
}

/** Removes ANSI SGR sequences (colour, bold) such as the table writer emits. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_SGR, "");
}

/** Columns a string occupies in a monospace terminal, ignoring ANSI SGR sequences. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) {
    width += codePointWidth(ch.codePointAt(0) ?? 0);
  }
  return width;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f]$/u;

function codePointWidth(code: number): number {
  if (code === 0) return 0;
  if (ZERO_WIDTH.test(String.fromCodePoint(code))) return 0;
  if (isWide(code)) return 2;
  return 1;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Pads on the right to `width` visible columns (no-op when already that wide). */
export function padEndVisible(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - visibleWidth(text)));
}

/** Pads on the left to `width` visible columns (no-op when already that wide). */
export function padStartVisible(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - visibleWidth(text))) + text;
}

/** Blank-line-separated paragraphs, each on one line. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p !== "");
}

/** Rows of cells as lines, each column padded to its widest cell, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => visibleWidth(row[column]))));
  return rows.map((row) => row.map((cell, column) => padEndVisible(cell, widths[column])).join("  ").trimEnd());
}
