import { describe, expect, test } from "vitest";
import { z } from "zod";
import { durationPattern, durationSeconds, formatDuration, zDuration } from "../../scenarios/units.js";

describe("durationSeconds", () => {
  test.each([
    [0, 0],
    [90, 90],
    [1.5, 1.5],
    ["0s", 0],
    ["90s", 90],
    ["30m", 1_800],
    ["4h", 14_400],
    ["1.5h", 5_400],
    ["7d", 604_800],
    ["2w", 1_209_600],
    ["5y", 157_680_000],
    ["500ms", 0.5],
    ["250us", 0.00025],
    ["250µs", 0.00025],
    ["1h30m", 5_400],
    ["1d12h", 129_600],
    ["1m30s500ms", 90.5],
    [".5h", 1_800],
    ["  4h ", 14_400],
  ] as const)("%j is %d s", (input, seconds) => {
    expect(durationSeconds(input)).toBe(seconds);
  });

  test.each([
    "5 years",
    "-3h",
    "h",
    "",
    "   ",
    "90",
    "4 h",
    "1.h",
    "1e3s",
    "30m1h",
    "1h1h",
    "4H",
    "5mo",
    "1h 30m",
    -3,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])("%j is not a duration", (input) => {
    expect(durationSeconds(input)).toBeUndefined();
  });

  test("durationPattern accepts the shapes durationSeconds reads", () => {
    for (const text of ["90s", "1h30m", "250us", ".5h"]) expect(durationPattern.test(text)).toBe(true);
    for (const text of ["5 years", "h", "", "90"]) expect(durationPattern.test(text)).toBe(false);
  });
});

describe("zDuration", () => {
  const messages = (schema: z.ZodType, input: unknown): string[] =>
    schema.safeParse(input).error?.issues.map((issue) => issue.message) ?? [];

  test("outputs seconds", () => {
    expect(zDuration().parse("1h30m")).toBe(5_400);
    expect(zDuration().parse(42)).toBe(42);
    expect(zDuration().parse("0s")).toBe(0);
    expect(zDuration({ positive: true }).parse("250us")).toBe(0.00025);
  });

  test.each([
    ["5 years", 'expected a duration such as "5y", got "5 years"'],
    ["-3h", 'expected a duration such as "5y", got "-3h"'],
    ["30m1h", 'expected a duration such as "5y", got "30m1h"'],
    ["", 'expected a duration such as "5y", got ""'],
    [-12, 'expected a duration such as "5y", got -12'],
    [true, 'expected a duration such as "5y", got true'],
    [null, 'expected a duration such as "5y", got null'],
    [[1], 'expected a duration such as "5y", got array'],
    [{ h: 1 }, 'expected a duration such as "5y", got object'],
    [undefined, 'expected a duration such as "5y"'],
  ])("%j → %s", (input, message) => {
    expect(messages(zDuration(), input)).toEqual([message]);
  });

  test("positive rejects zero, in any spelling", () => {
    expect(messages(zDuration({ positive: true }), "0s")).toEqual(['expected a positive duration, got "0s"']);
    expect(messages(zDuration({ positive: true }), 0)).toEqual(["expected a positive duration, got 0"]);
    expect(messages(zDuration({ positive: true }), "0h0m")).toEqual(['expected a positive duration, got "0h0m"']);
  });

  test("works inside objects and with defaults", () => {
    const schema = z.strictObject({ notice: zDuration().default(120) });
    expect(schema.parse({})).toEqual({ notice: 120 });
    expect(schema.parse({ notice: "2m" })).toEqual({ notice: 120 });
  });

  test("its input side has a JSON Schema", () => {
    const json = z.toJSONSchema(zDuration(), { io: "input" });
    expect(json.anyOf).toHaveLength(2);
  });
});

describe("formatDuration", () => {
  test.each([
    [0, "0s"],
    [1, "1s"],
    [1.5, "1.5s"],
    [90, "90s"],
    [1_800, "30m"],
    [3_600, "1h"],
    [14_400, "4h"],
    [5_400, "1.5h"],
    [129_600, "1.5d"],
    [604_800, "7d"],
    [2_592_000, "30d"],
    [31_536_000, "1y"],
    [157_680_000, "5y"],
    [0.5, "500ms"],
    [0.00025, "250us"],
    [12_345.678, "3.43h"],
    [-90, "-90s"],
    [5_000, "1.39h"],
    [86_401, "1d"],
    [1e-9, "0.001us"],
  ])("%d s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test.each(["90s", "30m", "4h", "1.5h", "7d", "5y", "500ms", "250us", "1h30m", "2w"])(
    "%s round-trips through durationSeconds",
    (text) => {
      const seconds = durationSeconds(text);
      expect(seconds).toBeDefined();
      expect(durationSeconds(formatDuration(seconds as number))).toBe(seconds);
    },
  );
});
