import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { didYouMean, parseScenarioText, readScenarioFile } from "../../scenarios/parse.js";
import { zDuration } from "../../scenarios/units.js";

// A small scenario schema with the shapes the real one uses: strict objects, nesting,
// arrays of discriminated unions, plain unions, durations, enums and defaults.
const Distribution = z.union([
  z.strictObject({ weibull: z.strictObject({ shape: z.number().positive() }) }),
  z.strictObject({ lognormal: z.strictObject({ median: zDuration({ positive: true }), sigma: z.number() }) }),
]);

const Failure = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("node-crash"),
    mtbf: zDuration({ positive: true }),
    distribution: Distribution.optional(),
  }),
  z.strictObject({
    kind: z.literal("spot-preemption"),
    pool: z.string(),
    meanTimeBetween: zDuration({ positive: true }),
    notice: zDuration().default(120),
  }),
]);

const Schema = z.strictObject({
  name: z.string().min(1),
  seed: z.number().int().nonnegative().default(1),
  horizon: zDuration({ positive: true }),
  cluster: z.strictObject({
    racks: z.number().int().min(1),
    nodesPerRack: z.number().int().min(1),
    node: z.strictObject({ gpus: z.number().int().min(0), driver: z.string().optional() }),
  }),
  scheduler: z.strictObject({
    policy: z.enum(["fifo", "easy-backfill", "conservative-backfill"]),
    topologyAware: z.boolean().default(false),
  }),
  failures: z.array(Failure).default([]),
  limit: z.union([z.number(), z.literal("auto")]).optional(),
  owner: z.string().min(1, { error: "name a team that answers pages" }).optional(),
});

const valid = `name: spot
horizon: 30d
cluster:
  racks: 16
  nodesPerRack: 32
  node: { gpus: 8, driver: "550.54" }
scheduler: { policy: easy-backfill }
failures:
  - { kind: node-crash, mtbf: 5y, distribution: { weibull: { shape: 0.7 } } }
  - { kind: spot-preemption, pool: spot, meanTimeBetween: 8h }
`;

/** `valid` with one line replaced: line numbers stay put, so expected positions read easily. */
function withLine(lineNumber: number, line: string): string {
  const lines = valid.split("\n");
  lines[lineNumber - 1] = line;
  return lines.join("\n");
}

function problems(text: string, file = "spot.yaml"): string[] {
  const result = parseScenarioText(text, file, Schema);
  if (result.ok) throw new Error("expected problems, got a valid scenario");
  return result.problems;
}

describe("parseScenarioText", () => {
  test("a valid file gives typed values with units converted and defaults filled", () => {
    const result = parseScenarioText(valid, "spot.yaml", Schema);
    expect(result).toEqual({
      ok: true,
      value: {
        name: "spot",
        seed: 1,
        horizon: 2_592_000,
        cluster: { racks: 16, nodesPerRack: 32, node: { gpus: 8, driver: "550.54" } },
        scheduler: { policy: "easy-backfill", topologyAware: false },
        failures: [
          { kind: "node-crash", mtbf: 157_680_000, distribution: { weibull: { shape: 0.7 } } },
          { kind: "spot-preemption", pool: "spot", meanTimeBetween: 28_800, notice: 120 },
        ],
      },
    });
  });

  test("a bad duration points at the value", () => {
    expect(problems(withLine(9, "  - { kind: node-crash, mtbf: 5 years }"))).toEqual([
      'spot.yaml:9:31 failures[0].mtbf: expected a duration such as "5y", got "5 years"',
    ]);
  });

  test("a zero duration where a positive one is needed", () => {
    expect(problems(withLine(2, "horizon: 0s"))).toEqual([
      'spot.yaml:2:10 horizon: expected a positive duration, got "0s"',
    ]);
  });

  test("an unknown key points at the key and suggests the allowed one; a missing key points at its map", () => {
    expect(problems(withLine(5, "  nodesPerRak: 32"))).toEqual([
      "spot.yaml:4:3 cluster.nodesPerRack: missing required key; expected number",
      'spot.yaml:5:3 cluster.nodesPerRak: unknown key; did you mean "nodesPerRack"?',
    ]);
  });

  test("an unknown key with nothing close says only that", () => {
    expect(problems(withLine(7, "scheduler: { policy: fifo, colour: blue }"))).toEqual([
      "spot.yaml:7:28 scheduler.colour: unknown key",
    ]);
  });

  test("a wrong type names the type and the value, with a hint for strings", () => {
    expect(problems(withLine(6, "  node: { gpus: eight, driver: 550.54 }"))).toEqual([
      'spot.yaml:6:17 cluster.node.gpus: expected number, got string "eight"',
      "spot.yaml:6:32 cluster.node.driver: expected string, got number 550.54 (quote it to make it a string)",
    ]);
  });

  test("an enum value suggests the nearest allowed value", () => {
    expect(problems(withLine(7, "scheduler: { policy: easy-backfil }"))).toEqual([
      'spot.yaml:7:22 scheduler.policy: expected one of "fifo", "easy-backfill", "conservative-backfill", got "easy-backfil"; did you mean "easy-backfill"?',
    ]);
  });

  test("a discriminator names the allowed values and points at the value", () => {
    expect(problems(withLine(10, "  - { kind: spot-preemtion, pool: spot, meanTimeBetween: 8h }"))).toEqual([
      'spot.yaml:10:13 failures[1].kind: expected one of "node-crash", "spot-preemption", got "spot-preemtion"; did you mean "spot-preemption"?',
    ]);
  });

  test("a missing discriminator points at the map that lacks it", () => {
    expect(problems(withLine(10, "  - { pool: spot, meanTimeBetween: 8h }"))).toEqual([
      'spot.yaml:10:5 failures[1].kind: missing required key; expected one of "node-crash", "spot-preemption"',
    ]);
  });

  test("unknown keys inside the chosen option of a discriminated union", () => {
    expect(problems(withLine(10, "  - { kind: spot-preemption, pool: spot, meanTimeBetween: 8h, mtbf: 5y }"))).toEqual([
      "spot.yaml:10:63 failures[1].mtbf: unknown key",
    ]);
    expect(problems(withLine(10, "  - { kind: spot-preemption, pool: spot, meanTimeBetwen: 8h }"))).toEqual([
      'spot.yaml:10:5 failures[1].meanTimeBetween: missing required key; expected a duration such as "5y"',
      'spot.yaml:10:42 failures[1].meanTimeBetwen: unknown key; did you mean "meanTimeBetween"?',
    ]);
  });

  test("a plain union of objects: a misspelt form is an unknown key with a suggestion", () => {
    expect(problems(withLine(9, "  - { kind: node-crash, mtbf: 5y, distribution: { weibul: { shape: 0.7 } } }"))).toEqual([
      'spot.yaml:9:51 failures[0].distribution.weibul: unknown key; did you mean "weibull"?',
    ]);
  });

  test("a plain union of objects: the branch that fits reports its own problems", () => {
    expect(problems(withLine(9, "  - { kind: node-crash, mtbf: 5y, distribution: { weibull: { shape: -1 } } }"))).toEqual([
      "spot.yaml:9:69 failures[0].distribution.weibull.shape: Too small: expected number to be >0, got -1",
    ]);
  });

  test("a union of scalars names every accepted kind", () => {
    expect(problems(`${valid}limit: true\n`)).toEqual(['spot.yaml:11:8 limit: expected "auto" or number, got boolean true']);
    expect(problems(`${valid}limit: aut\n`)).toEqual([
      'spot.yaml:11:8 limit: expected "auto" or number, got string "aut"; did you mean "auto"?',
    ]);
  });

  test("too_small keeps zod's words and adds the value", () => {
    expect(problems(withLine(4, "  racks: 0"))).toEqual([
      "spot.yaml:4:10 cluster.racks: Too small: expected number to be >=1, got 0",
    ]);
    expect(problems(withLine(1, 'name: ""'))).toEqual([
      "spot.yaml:1:7 name: Too small: expected string to have >=1 characters, got 0",
    ]);
  });

  test("a schema author's own message is kept", () => {
    expect(problems(`${valid}owner: ""\n`)).toEqual(['spot.yaml:11:8 owner: name a team that answers pages']);
  });

  test("a missing top-level key points at the document's map", () => {
    expect(problems(valid.replace("horizon: 30d\n", ""))).toEqual([
      'spot.yaml:1:1 horizon: missing required key; expected a duration such as "5y"',
    ]);
  });

  test("every problem is reported, shortest path first, then by position", () => {
    const text = `name: spot
horizon: 30 days
cluster:
  racks: 0
  nodesPerRak: 32
  node: { gpus: 8, driver: "550.54" }
scheduler: { policy: fifoo }
failures:
  - { kind: node-crash, mtbf: 5y }
  - { kind: node-crash, mtbf: 5 years, distribution: { weibul: { shape: 1 } } }
  - { kind: spot-preemtion, pool: spot }
  - kind: spot-preemption
    meanTimeBetween: 0s
limit: true
`;
    expect(problems(text)).toEqual([
      'spot.yaml:2:10 horizon: expected a duration such as "5y", got "30 days"',
      'spot.yaml:14:8 limit: expected "auto" or number, got boolean true',
      "spot.yaml:4:3 cluster.nodesPerRack: missing required key; expected number",
      "spot.yaml:4:10 cluster.racks: Too small: expected number to be >=1, got 0",
      'spot.yaml:5:3 cluster.nodesPerRak: unknown key; did you mean "nodesPerRack"?',
      'spot.yaml:7:22 scheduler.policy: expected one of "fifo", "easy-backfill", "conservative-backfill", got "fifoo"; did you mean "fifo"?',
      'spot.yaml:10:31 failures[1].mtbf: expected a duration such as "5y", got "5 years"',
      'spot.yaml:11:13 failures[2].kind: expected one of "node-crash", "spot-preemption", got "spot-preemtion"; did you mean "spot-preemption"?',
      "spot.yaml:12:5 failures[3].pool: missing required key; expected string",
      'spot.yaml:13:22 failures[3].meanTimeBetween: expected a positive duration, got "0s"',
      'spot.yaml:10:56 failures[1].distribution.weibul: unknown key; did you mean "weibull"?',
    ]);
  });

  test("YAML syntax errors give file:line:col and stop there", () => {
    expect(problems("name: spot\nfailures: [1, 2\nhorizon: 3d\n")).toEqual([
      "spot.yaml:3:1 flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(problems("name: 'spot\n")).toEqual(["spot.yaml:2:1 missing closing 'quote"]);
    expect(problems("name: spot\n---\nname: other\n")).toEqual([
      "spot.yaml:2:1 source contains multiple documents; please use YAML.parseAllDocuments()",
    ]);
  });

  test("a duplicate key is an error, named and placed", () => {
    expect(problems(withLine(5, "  racks: 32"))).toEqual(['spot.yaml:5:3 duplicate key "racks"']);
  });

  test("an alias to no anchor is a problem at the alias", () => {
    expect(problems(`${valid}owner: *team\n`)).toEqual([
      "spot.yaml:11:8 unresolved alias (the anchor must be set before the alias): team",
    ]);
  });

  test("anchors and merge keys work", () => {
    const text = valid.replace(
      "failures:\n",
      "failures:\n  - &crash { kind: node-crash, mtbf: 5y }\n  - { <<: *crash, mtbf: 1y }\n",
    );
    const result = parseScenarioText(text, "spot.yaml", Schema);
    expect(result.ok && result.value.failures.slice(0, 2)).toEqual([
      { kind: "node-crash", mtbf: 157_680_000 },
      { kind: "node-crash", mtbf: 31_536_000 },
    ]);
  });

  test("an empty file or a file of the wrong shape", () => {
    expect(problems("")).toEqual(["spot.yaml:1:1 the file is empty; expected object"]);
    expect(problems("# nothing yet\n")).toEqual(["spot.yaml:1:1 the file is empty; expected object"]);
    expect(problems("- a\n- b\n")).toEqual(["spot.yaml:1:1 expected object, got array"]);
  });
});

describe("readScenarioFile", () => {
  const folder = mkdtempSync(join(tmpdir(), "faultline-parse-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test("reads YAML", async () => {
    const path = join(folder, "spot.yaml");
    writeFileSync(path, valid);
    const result = await readScenarioFile(path, Schema);
    expect(result.ok).toBe(true);
  });

  test("an unreadable file is a problem, not a throw", async () => {
    const path = join(folder, "missing.yaml");
    expect(await readScenarioFile(path, Schema)).toEqual({
      ok: false,
      problems: [`${path}: cannot read file (ENOENT)`],
    });
    expect(await readScenarioFile(folder, Schema)).toEqual({
      ok: false,
      problems: [`${folder}: is a folder; faultline reads regular files (or gzip of them) only`],
    });
  });

  test("JSON files get positions too, tabs and all", async () => {
    const path = join(folder, "spot.json");
    writeFileSync(
      path,
      [
        "{",
        '\t"name": "spot",',
        '\t"horizon": "5 years",',
        '\t"cluster": { "racks": 1, "nodesPerRack": 2, "node": { "gpus": "eight" } },',
        '\t"scheduler": { "policy": "fifo", "topologyaware": true }',
        "}",
        "",
      ].join("\n"),
    );
    expect(await readScenarioFile(path, Schema)).toEqual({
      ok: false,
      problems: [
        `${path}:3:13 horizon: expected a duration such as "5y", got "5 years"`,
        `${path}:5:35 scheduler.topologyaware: unknown key; did you mean "topologyAware"?`,
        `${path}:4:64 cluster.node.gpus: expected number, got string "eight"`,
      ],
    });
  });

  test("a duplicate key in JSON is an error too", async () => {
    const path = join(folder, "dup.json");
    writeFileSync(path, '{\n  "name": "a",\n  "name": "b"\n}\n');
    expect(await readScenarioFile(path, Schema)).toEqual({
      ok: false,
      problems: [`${path}:3:3 duplicate key "name"`],
    });
  });
});

describe("didYouMean", () => {
  test.each([
    ["nodesPerRak", ["racks", "nodesPerRack", "node"], '; did you mean "nodesPerRack"?'],
    ["topologyaware", ["policy", "topologyAware"], '; did you mean "topologyAware"?'],
    ["plicy", ["policy", "topologyAware"], '; did you mean "policy"?'],
    ["fifoo", ["fifo", "easy-backfill"], '; did you mean "fifo"?'],
    ["pool", ["kind", "mtbf"], ""],
    ["ab", ["xy"], ""],
    ["colour", ["policy", "topologyAware"], ""],
  ])("%s among %j", (word, candidates, hint) => {
    expect(didYouMean(word, candidates)).toBe(hint);
  });
});
