/**
 * Loading a scenario file (YAML or JSON) against a zod schema, with one line per problem:
 *
 *     spot.yaml:14:9 failures[1].mtbf: expected a duration such as "5y", got "5 years"
 *
 * Bad input is never thrown: callers get every problem, shortest path first, then by
 * position, and exit 2. JSON files go through the same YAML parser (JSON is YAML 1.2), so
 * their problems have positions too, and duplicate keys are errors in both.
 *
 * What it leaves out: a problem inside a `<<` merge or behind an alias points at the map
 * holding the merge or at the anchored node, not at the alias.
 */
import { DOCUMENT_BYTES_MAX, readInputBytes } from "../models/workload/traces/text.js";
import { TraceError } from "../models/workload/traces/trace-error.js";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { z } from "zod";

/** A parsed and validated scenario, or every problem with it as `file:line:col path: message`. */
export type ScenarioParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings?: readonly string[] }
  | { readonly ok: false; readonly problems: string[] };

/** Finds what is valid but likely a mistake in a parsed file: `raw` is its data as written. */
export type Lint<T> = (raw: unknown, value: T) => readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];

type Path = ReadonlyArray<PropertyKey>;

/** A problem before it is rendered: sorted by path length, then offset in the text. */
interface Problem {
  readonly path: Path;
  readonly offset: number;
  readonly message: string;
}

/**
 * Parses `text` (YAML or JSON) and validates it against `schema`. `file` names the source
 * in problems. YAML syntax errors and duplicate keys are reported alone: validating a
 * document that did not parse would only add noise.
 */
export function parseScenarioText<T>(text: string, file: string, schema: z.ZodType<T>, lint?: Lint<T>): ScenarioParseResult<T> {
  const lineCounter = new LineCounter();
  const tooDeep = nestingTooDeepAt(text);
  if (tooDeep >= 0) {
    lineCounter.addNewLine(0);
    for (let i = text.indexOf("\n"); i >= 0 && i < tooDeep; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
    return {
      ok: false,
      problems: renderProblems(
        [{ path: [], offset: tooDeep, message: `nested more than ${NESTING_MAX} levels deep (brackets or indentation); a scenario needs a handful` }],
        file,
        lineCounter,
      ),
    };
  }
  // prettyErrors would append a code frame to each message; we want one line per problem.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const render = (problems: Problem[]): ScenarioParseResult<T> => ({
    ok: false,
    problems: renderProblems(problems, file, lineCounter),
  });

  if (doc.errors.length > 0) {
    return render(
      doc.errors.map((error) => ({ path: [], offset: error.pos[0], message: yamlErrorMessage(error, doc) })),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolved aliases and alias bombs surface only here, as plain Errors.
    return render([{ path: [], offset: unresolvedAliasOffset(doc), message: lowerFirst(errorMessage(error)) }]);
  }

  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) {
    if (lint === undefined) return { ok: true, value: result.data };
    const found = lint(data, result.data);
    const warnings = renderProblems(
      found.map((warning) => ({ path: warning.path, offset: offsetOf(doc, warning.path), message: warning.message })),
      file,
      lineCounter,
    );
    return { ok: true, value: result.data, warnings };
  }

  const context: IssueContext = { schema, data, doc };
  return render(result.error.issues.flatMap((issue) => issueProblems(issue, [], context)));
}

/** Levels of nesting a document may have: far past what any scenario needs, far below what would exhaust the parser's stack. */
const NESTING_MAX = 64;

/**
 * The offset where `text` nests deeper than NESTING_MAX levels (flow brackets, or block
 * indentation at a column past 4 × NESTING_MAX), or -1. A scan ahead of the parser, whose
 * recursion a hostile file could otherwise exhaust. Quotes and comments are skipped.
 */
function nestingTooDeepAt(text: string): number {
  let depth = 0;
  let quote = "";
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      lineStart = true;
      indent = 0;
      if (quote === "'" || quote === '"') continue;
      continue;
    }
    if (lineStart) {
      if (c === " " || c === "-") {
        if (++indent > 4 * NESTING_MAX) return i;
        continue;
      }
      lineStart = false;
    }
    if (quote !== "") {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === "#" && (i === 0 || text[i - 1] === " " || text[i - 1] === "\t")) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "[" || c === "{") {
      if (++depth > NESTING_MAX) return i;
    } else if (c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

/**
 * Reads and parses a scenario file. An unreadable file is a problem
 * (`x.yaml: cannot read file (ENOENT)`), never a throw.
 */
export async function readScenarioFile<T>(path: string, schema: z.ZodType<T>, lint?: Lint<T>): Promise<ScenarioParseResult<T>> {
  const read = await readScenarioText(path);
  return read.ok ? parseScenarioText(read.value, path, schema, lint) : read;
}

/** A scenario file's text, or the problem of an unreadable one (missing, not a regular file, too large). */
export async function readScenarioText(path: string): Promise<ScenarioParseResult<string>> {
  try {
    return { ok: true, value: readInputBytes(path, DOCUMENT_BYTES_MAX).toString("utf8") };
  } catch (error) {
    if (error instanceof TraceError) return { ok: false, problems: [...error.problems] };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Rendering

function renderProblems(problems: Problem[], file: string, lineCounter: LineCounter): string[] {
  const sorted = [...problems].sort(byPathLengthThenOffsetThenMessage);
  const lines = sorted.map((problem) => {
    const { line, col } = lineCounter.linePos(problem.offset);
    const where = `${file}:${line}:${col}`;
    return problem.path.length === 0
      ? `${where} ${problem.message}`
      : `${where} ${z.core.toDotPath([...problem.path])}: ${problem.message}`;
  });
  // A union's branches can repeat one problem; say it once.
  return [...new Set(lines)];
}

function byPathLengthThenOffsetThenMessage(a: Problem, b: Problem): number {
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  if (a.offset !== b.offset) return a.offset - b.offset;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// YAML problems

function yamlErrorMessage(error: { code: string; message: string; pos: [number, number] }, doc: Document): string {
  if (error.code === "DUPLICATE_KEY") {
    const key = keyTextAt(doc, error.pos[0]);
    return key === undefined ? "duplicate key" : `duplicate key ${JSON.stringify(key)}`;
  }
  return lowerFirst(error.message);
}

/** The text of the scalar map key starting at `offset`; yaml's DUPLICATE_KEY range covers only its first character. */
function keyTextAt(doc: Document, offset: number): string | undefined {
  let text: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      text = String(pair.key.value);
      return visit.BREAK;
    },
  });
  return text;
}

function unresolvedAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return undefined;
      offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

// ---------------------------------------------------------------------------------------
// zod problems

interface IssueContext {
  readonly schema: z.core.$ZodType;
  readonly data: unknown;
  readonly doc: Document;
}

/** `prefix` is the path of the union whose branch produced `issue` (branch paths are relative). */
function issueProblems(issue: z.core.$ZodIssue, prefix: Path, context: IssueContext): Problem[] {
  const path = [...prefix, ...issue.path];
  const at = (message: string, problemPath: Path = path): Problem => ({
    path: problemPath,
    offset: offsetOf(context.doc, problemPath),
    message,
  });

  if (issue.code === "unrecognized_keys") {
    const present = valueAt(context.data, path);
    const allowed = (allowedKeys(context.schema, path, context.data) ?? []).filter(
      (key) => !(isPlainObject(present) && Object.hasOwn(present, key)),
    );
    return issue.keys.map((key) => ({
      path: [...path, key],
      offset: keyOffset(context.doc, path, key) ?? offsetOf(context.doc, path),
      message: `unknown key${didYouMean(key, allowed)}`,
    }));
  }

  const value = valueAt(context.data, path);
  const missing = isMissing(context.data, path);
  if (!hasDefaultMessage(issue)) return [at(missing ? `missing required key; ${issue.message}` : issue.message)];

  switch (issue.code) {
    case "invalid_type": {
      if (missing) return [at(`missing required key; expected ${issue.expected}`)];
      if (path.length === 0 && value === null && context.doc.contents === null) {
        return [at(`the file is empty; expected ${issue.expected}`)];
      }
      const hint =
        issue.expected === "string" && (typeof value === "number" || typeof value === "boolean")
          ? " (quote it to make it a string)"
          : "";
      return [at(`expected ${issue.expected}, got ${describeTyped(value)}${hint}`)];
    }
    case "invalid_value":
      return [at(expectedValuesMessage(issue.values, value, missing))];
    case "too_small":
    case "too_big":
      return [at(`${issue.message}, got ${describeSize(value)}`)];
    case "invalid_format":
      return [at(`${issue.message}, got ${describeTyped(value)}`)];
    case "invalid_union":
      return unionProblems(issue, path, context);
    default:
      return [at(issue.message)];
  }
}

function unionProblems(issue: z.core.$ZodIssueInvalidUnion, path: Path, context: IssueContext): Problem[] {
  const at = (message: string, problemPath: Path = path): Problem => ({
    path: problemPath,
    offset: offsetOf(context.doc, problemPath),
    message,
  });

  // A discriminated union whose discriminator matched no option. zod puts the
  // discriminator at the end of the path; older versions did not, so add it if absent.
  if (issue.discriminator !== undefined && "options" in issue && issue.options !== undefined) {
    const discriminatorPath = path[path.length - 1] === issue.discriminator ? path : [...path, issue.discriminator];
    const value = valueAt(context.data, discriminatorPath);
    const missing = isMissing(context.data, discriminatorPath);
    return [at(expectedValuesMessage(issue.options, value, missing), discriminatorPath)];
  }
  if (issue.inclusive === false || issue.errors.length === 0) return [at(issue.message)];

  const value = valueAt(context.data, path);
  const branches = issue.errors;
  // A branch that knows none of the object's keys is the wrong form, as much as one of the wrong type.
  const keyCount = isPlainObject(value) ? Object.keys(value).length : -1;
  const isRootMismatch = (branchIssue: z.core.$ZodIssue): boolean =>
    branchIssue.path.length === 0 &&
    (branchIssue.code === "invalid_type" ||
      branchIssue.code === "invalid_value" ||
      (branchIssue.code === "unrecognized_keys" && branchIssue.keys.length === keyCount) ||
      (branchIssue.code === "invalid_union" && branchIssue.errors.length > 0 && branchIssue.errors.every((inner) => inner.every(isRootMismatch))));

  // No branch accepted even the kind of value (number | string | "auto"): name the kinds.
  if (branches.every((branch) => branch.every(isRootMismatch))) {
    const types = new Set<string>();
    const values: unknown[] = [];
    for (const branchIssue of branches.flat()) {
      if (branchIssue.code === "invalid_type") types.add(branchIssue.expected);
      if (branchIssue.code === "invalid_value") values.push(...branchIssue.values);
    }
    const expected = joinOr([...values.map(formatLiteral), ...types]);
    if (isMissing(context.data, path)) return [at(`missing required key; expected ${expected}`)];
    const suggestion =
      typeof value === "string" ? didYouMean(value, values.filter((v): v is string => typeof v === "string")) : "";
    return [at(`expected ${expected}, got ${describeTyped(value)}${suggestion}`)];
  }

  // Some branches accepted the kind of value and failed deeper: the one with the fewest
  // problems is the likeliest intent. When several tie, report what they agree on.
  const deeper = branches.filter((branch) => !branch.some(isRootMismatch));
  const candidates = deeper.length > 0 ? deeper : branches;
  const fewest = Math.min(...candidates.map((branch) => branch.length));
  const tied = candidates.filter((branch) => branch.length === fewest);
  const chosen = tied.length === 1 ? tied[0] : commonIssues(tied);
  if (chosen.length === 0) return [at("does not match any of the allowed forms")];
  return chosen.flatMap((branchIssue) => issueProblems(branchIssue, path, context));
}

/** Issues every branch reports; unknown keys count when every branch rejects the key. */
function commonIssues(branches: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): z.core.$ZodIssue[] {
  const [first, ...rest] = branches;
  const samePath = (a: z.core.$ZodIssue, b: z.core.$ZodIssue): boolean =>
    a.path.length === b.path.length && a.path.every((segment, i) => segment === b.path[i]);
  const common: z.core.$ZodIssue[] = [];
  for (const issue of first) {
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.filter((key) =>
        rest.every((branch) =>
          branch.some((other) => other.code === "unrecognized_keys" && samePath(issue, other) && other.keys.includes(key)),
        ),
      );
      if (keys.length > 0) common.push({ ...issue, keys });
    } else if (
      rest.every((branch) =>
        branch.some((other) => other.code === issue.code && samePath(issue, other) && other.message === issue.message),
      )
    ) {
      common.push(issue);
    }
  }
  return common;
}

/** True when zod wrote the message, so rewording it loses nothing a schema author said. */
function hasDefaultMessage(issue: z.core.$ZodIssue): boolean {
  const config = z.config();
  // The maps take raw issues; a finalized issue with its input carries everything they read.
  const raw = issue as unknown as z.core.$ZodRawIssue;
  const fromMap = (map: z.core.$ZodErrorMap | undefined): string | undefined => {
    const out = map?.(raw);
    if (out === undefined || out === null) return undefined;
    return typeof out === "string" ? out : out.message;
  };
  const message = fromMap(config.customError) ?? fromMap(config.localeError) ?? "Invalid input";
  return message === issue.message;
}

function expectedValuesMessage(values: ReadonlyArray<unknown>, value: unknown, missing: boolean): string {
  const expected = values.length === 1 ? formatLiteral(values[0]) : `one of ${values.map(formatLiteral).join(", ")}`;
  if (missing) return `missing required key; expected ${expected}`;
  const strings = values.filter((v): v is string => typeof v === "string");
  const suggestion = typeof value === "string" ? didYouMean(value, strings) : "";
  return `expected ${expected}, got ${describeGot(value)}${suggestion}`;
}

// ---------------------------------------------------------------------------------------
// Describing values

function formatLiteral(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** `"fifoo"`, `12`, `true`, `null`, `array`, `object`. */
function describeGot(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(truncate(value));
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return String(value);
}

/** `string "abc"`, `number 12`, `boolean true`, `null`, `array`, `object`. */
function describeTyped(value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return `${typeof value} ${describeGot(value)}`;
  }
  return describeGot(value);
}

/** For too_small/too_big: the number itself, or the length of a string or array. */
function describeSize(value: unknown): string {
  if (typeof value === "string" || Array.isArray(value)) return String(value.length);
  return describeGot(value);
}

function joinOr(items: ReadonlyArray<string>): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/**
 * `; did you mean "x"?` when a candidate is within edit distance max(2, ⌊length/3⌋) of
 * `word` (case-insensitive), else "". Ties go to the earlier candidate: schema order.
 */
export function didYouMean(word: string, candidates: ReadonlyArray<string>): string {
  const budget = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    // The distance is at least the difference in length: skip hopeless pairs before the
    // quadratic alignment (a megabyte of value against a key name).
    const lengthGap = Math.abs(word.length - candidate.length);
    if (lengthGap > budget || lengthGap >= Math.min(word.length, candidate.length)) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    // A distance as long as the word means nothing in common: "ab" is not a typo of "xy".
    if (distance > budget || distance >= Math.min(word.length, candidate.length)) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? "" : `; did you mean ${JSON.stringify(best)}?`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1];
}

// ---------------------------------------------------------------------------------------
// Data and positions

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === "number") value = value[segment];
    else if (isPlainObject(value) && typeof segment === "string" && Object.hasOwn(value, segment)) value = value[segment];
    else return undefined;
  }
  return value;
}

/** True when the last key of `path` is absent from an object that exists. */
function isMissing(data: unknown, path: Path): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  const key = path[path.length - 1];
  return isPlainObject(parent) && typeof key === "string" && !Object.hasOwn(parent, key);
}

function deref(doc: Document, node: unknown): unknown {
  // An alias chain is bounded by the document; the guard only stops a malformed cycle.
  for (let hops = 0; isAlias(node) && hops < 100; hops++) node = node.resolve(doc);
  return node;
}

function keyMatches(key: unknown, segment: PropertyKey): boolean {
  return isScalar(key) ? String(key.value) === String(segment) : key === segment;
}

/**
 * The deepest node along `path`: the node itself when it exists, else its nearest
 * ancestor (for a missing key, the map that should hold it).
 */
function nodeAt(doc: Document, path: Path): YamlNode | undefined {
  let node = deref(doc, doc.contents);
  let found = node;
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) next = node.items.find((pair) => keyMatches(pair.key, segment))?.value;
    else if (isSeq(node) && typeof segment === "number") next = node.items[segment];
    next = deref(doc, next);
    if (next === undefined || next === null) break;
    node = next;
    found = node;
  }
  return found as YamlNode | undefined;
}

function offsetOf(doc: Document, path: Path): number {
  return nodeAt(doc, path)?.range?.[0] ?? 0;
}

function keyOffset(doc: Document, path: Path, key: string): number | undefined {
  const node = nodeAt(doc, path);
  if (!isMap(node)) return undefined;
  const pair = node.items.find((item) => keyMatches(item.key, key));
  const keyNode = pair?.key;
  return isScalar(keyNode) || isMap(keyNode) || isSeq(keyNode) ? keyNode.range?.[0] : undefined;
}

// ---------------------------------------------------------------------------------------
// Schema walk: the keys an object at a path may have, for "did you mean".

/** Stops a lazy schema that returns itself; real schemas nest far less. */
const unwrapDepthMax = 64;

/** The object, array, record… schemas `schema` stands for at this value, wrappers removed. */
function expand(schema: z.core.$ZodType, value: unknown, depth = 0): z.core.$ZodType[] {
  if (depth > unwrapDepthMax) return [];
  const next = (inner: z.core.$ZodType): z.core.$ZodType[] => expand(inner, value, depth + 1);
  if (
    schema instanceof z.core.$ZodOptional ||
    schema instanceof z.core.$ZodNullable ||
    schema instanceof z.core.$ZodDefault ||
    schema instanceof z.core.$ZodPrefault ||
    schema instanceof z.core.$ZodNonOptional ||
    schema instanceof z.core.$ZodReadonly ||
    schema instanceof z.core.$ZodCatch
  ) {
    return next(schema._zod.def.innerType);
  }
  if (schema instanceof z.core.$ZodPipe) {
    // The data is the pipe's input; z.preprocess() puts a transform there, so look past it.
    const { in: input, out } = schema._zod.def;
    return next(input instanceof z.core.$ZodTransform ? out : input);
  }
  if (schema instanceof z.core.$ZodLazy) return next(schema._zod.def.getter());
  if (schema instanceof z.core.$ZodIntersection) return [...next(schema._zod.def.left), ...next(schema._zod.def.right)];
  if (schema instanceof z.core.$ZodDiscriminatedUnion) {
    const options = schema._zod.def.options.flatMap(next);
    const discriminator = schema._zod.def.discriminator;
    if (!isPlainObject(value) || !Object.hasOwn(value, discriminator)) return options;
    const matching = options.filter((option) => {
      if (!(option instanceof z.core.$ZodObject)) return false;
      const field = option._zod.def.shape[discriminator];
      return field !== undefined && z.safeParse(field, value[discriminator]).success;
    });
    return matching.length > 0 ? matching : options;
  }
  if (schema instanceof z.core.$ZodUnion) return schema._zod.def.options.flatMap(next);
  return [schema];
}

function childSchemas(schema: z.core.$ZodType, segment: PropertyKey): z.core.$ZodType[] {
  if (schema instanceof z.core.$ZodObject && typeof segment === "string") {
    const field = Object.hasOwn(schema._zod.def.shape, segment) ? schema._zod.def.shape[segment] : schema._zod.def.catchall;
    return field === undefined ? [] : [field];
  }
  if (typeof segment === "number") {
    if (schema instanceof z.core.$ZodArray) return [schema._zod.def.element];
    if (schema instanceof z.core.$ZodTuple) {
      const item = schema._zod.def.items[segment] ?? schema._zod.def.rest;
      return item === undefined || item === null ? [] : [item];
    }
  }
  if (schema instanceof z.core.$ZodRecord) return [schema._zod.def.valueType];
  return [];
}

/** Keys allowed at `path`, merged over union options; undefined when unknown. */
function allowedKeys(root: z.core.$ZodType, path: Path, data: unknown): string[] | undefined {
  let schemas: z.core.$ZodType[] = [root];
  for (let i = 0; i < path.length; i++) {
    const value = valueAt(data, path.slice(0, i));
    schemas = schemas.flatMap((schema) => expand(schema, value)).flatMap((schema) => childSchemas(schema, path[i]));
  }
  const value = valueAt(data, path);
  const objects = schemas
    .flatMap((schema) => expand(schema, value))
    .filter((schema): schema is z.core.$ZodObject => schema instanceof z.core.$ZodObject);
  if (objects.length === 0) return undefined;
  return [...new Set(objects.flatMap((object) => Object.keys(object._zod.def.shape)))];
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
