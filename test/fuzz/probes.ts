import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { BASES, CLI } from "./hostile.js";

/**
 * Targeted probes: inputs that once crashed, hung or exhausted faultline, each with the
 * exit it must end in and a line its message must hold.
 */
export interface Probe {
  readonly name: string;
  readonly category: string;
  /** The command's arguments, given the probe's folder (files it made are there). */
  readonly args: (work: string) => string[];
  /** Makes the files the probe needs, in its folder. */
  readonly setup?: (work: string) => void | Promise<void>;
  readonly exit: 0 | 2;
  /** What stderr must say. */
  readonly says?: RegExp;
}

const cluster = BASES.cluster;
const gpus = BASES.gpus;
const service = BASES.service;

/** A scenario probe: `text` validated, or run; `says` null means it must succeed. */
function scenario(name: string, category: string, text: string, says: RegExp | null, command: "validate" | "run" = "validate"): Probe {
  return {
    name,
    category,
    setup: (work) => writeFileSync(join(work, `${name}.yaml`), text),
    args: (work) =>
      command === "run" ? ["run", join(work, `${name}.yaml`), "--replications", "1", "--out", join(work, "out", name)] : ["validate", join(work, `${name}.yaml`)],
    exit: says === null ? 0 : 2,
    ...(says === null ? {} : { says }),
  };
}

/** A replay of an SWF text written by the probe. */
function swfScenario(name: string): string {
  return `name: ${name}\ndescription: probe\ncluster: { racks: 1, nodesPerRack: 8, node: { gpus: 0 } }\nworkload: { trace: { format: swf, path: ${name}.swf } }\nstrategies: [ { name: a } ]\n`;
}

const swfLine = (id: number, submit: string, run: number, procs: number) => `${id} ${submit} 0 ${run} ${procs} -1 -1 ${procs} ${run * 2} -1 1 1 1 1 1 1 -1 -1`;

const SACCT_HEADER = "JobID|User|Account|QOS|Partition|State|Submit|Start|End|Elapsed|Timelimit|NNodes|NCPUS|AllocTRES|ExitCode";

export const PROBES: readonly Probe[] = [
  scenario(
    "gpu-shares-of-every-size",
    "huge count",
    gpus.replace("gpus: { empirical: [0.25, 0.5, 1, 2, 4] }", "gpus: { uniform: [0.001, 0.999] }").replace("racks: 4\n  nodesPerRack: 4", "racks: 100\n  nodesPerRack: 100").replace("racks: 2, pricePerGpuHour: 1.8", "racks: 50, pricePerGpuHour: 1.8").replace("racks: 2, pricePerGpuHour: 3.9", "racks: 50, pricePerGpuHour: 3.9").replace("horizon: 1d", "horizon: 2h").replace("arrivalsPerHour: 20", "arrivalsPerHour: 500"),
    null,
    "run",
  ),
  scenario("gpu-unbounded-requests", "out of range", gpus.replace("gpus: { empirical: [0.25, 0.5, 1, 2, 4] }", "gpus: { exponential: { mean: 1e9 } }"), null, "run"),
  scenario("gpu-request-too-large", "out of range", gpus.replace("gpus: { empirical: [0.25, 0.5, 1, 2, 4] }", "gpus: 1e9"), /no node has more than 8; such a job could never run/),
  scenario(
    "gpu-fill-for-ever",
    "huge duration",
    "name: fill\ndescription: probe\nhorizon: 100y\ncluster: { racks: 1, nodesPerRack: 2, node: { gpus: 8 }, allocation: gpus }\nworkload: { trace: { format: alibaba, path: pods.csv, fill: 10 } }\nstrategies: [ { name: a } ]\n",
    /horizon: filling the cluster submits a job a second: a horizon of at most/,
  ),

  scenario("interval-0.1us", "tiny duration", cluster.replace("interval: 1h, sizeGB", "interval: 0.1us, sizeGB"), /interval: expected at least 1us, the clock's resolution/),
  scenario("repair-300y", "huge duration", cluster.replace("mtbf: 30d, repair: 4h", "mtbf: 30d, repair: 300y"), /repair: expected at most 100y/),
  scenario("horizon-1e308", "huge duration", cluster.replace("horizon: 2d", "horizon: 1e308"), /horizon: expected at most 100y/),
  scenario("service-horizon-1e308", "huge duration", service.replace("horizon: 60s", "horizon: 1e308"), /horizon: expected at most 100y/),
  scenario("mtbf-1e308", "huge duration", cluster.replace("mtbf: 30d, repair: 4h", "mtbf: 1e308, repair: 4h"), /mtbf: expected at most 100y/),
  {
    name: "inject-1000y",
    category: "huge duration",
    setup: (work) => writeFileSync(join(work, "inject.yaml"), cluster.replace("horizon: 2d", "")),
    args: (work) => ["run", join(work, "inject.yaml"), "--inject", "node-crash@1000y", "--out", join(work, "out", "inject")],
    exit: 2,
    says: /expected at most 100y|a generated workload needs a horizon/,
  },
  {
    name: "inject-past-horizon",
    category: "huge duration",
    setup: (work) => writeFileSync(join(work, "inject2.yaml"), cluster),
    args: (work) => ["run", join(work, "inject2.yaml"), "--inject", "node-crash@1000y:r00n00+1000y", "--out", join(work, "out", "inject2")],
    exit: 2,
    says: /expected at most 100y/,
  },
  scenario("lognormal-sigma-1000", "huge number", cluster.replace("median: 3h, sigma: 1", "median: 3h, sigma: 1000"), /sigma: expected at most 10/),
  scenario("weibull-shape-0.001", "tiny number", cluster.replace("weibull: { shape: 0.7 }", "weibull: { shape: 0.001 }"), /shape: expected a shape of at least 0.1/),
  scenario("throttle-above-max", "out of order", cluster.replace("throttleAtC: 80", "throttleAtC: 99"), /throttleAtC must be below maxC/),
  scenario("health-timeout-over-interval", "out of order", service.replace("interval: 1s, timeout: 100ms", "interval: 1s, timeout: 2s"), /timeout must not exceed the interval/),
  scenario("sample-every-1ms", "tiny duration", service.replace("horizon: 60s", "horizon: 400s").replace("sampleEvery: 5s", "sampleEvery: 1ms"), /sampleEvery: 400,000 windows/),
  scenario("bursts-1e12", "huge number", cluster.replace("perDay: 2,", "perDay: 1e12,"), /perDay: expected at most 1e9|jobs would arrive/),
  scenario("arrivals-1e6", "huge number", cluster.replace("arrivalsPerHour: 3", "arrivalsPerHour: 1000000"), /jobs would arrive over the horizon; at most 1e6/),
  scenario("nodes-1e7", "huge number", cluster.replace("nodesPerRack: 4", "nodesPerRack: 10000000"), /at most 1e6|at most 200,000/),
  scenario("nodes-250k", "huge number", cluster.replace("racks: 4\n  nodesPerRack: 4", "racks: 250\n  nodesPerRack: 1000"), /at most 200,000 \(each node costs/),
  scenario("thermal-step-1us", "tiny duration", cluster.replace("throttleAtC: 80", "throttleAtC: 80, step: 1us"), /steps over the horizon/),
  scenario("qos-constructor", "shadowing name", cluster.replace("qos: { high: [normal] }", "qos: { constructor: [normal], high: [normal] }"), null, "run"),
  scenario("service-named-constructor", "shadowing name", cluster.replace("name: ctld", "name: constructor").replace("service: ctld", "service: constructor"), null, "run"),
  {
    name: "seed-max-safe",
    category: "huge number",
    setup: (work) => writeFileSync(join(work, "seed.yaml"), cluster),
    args: (work) => ["run", join(work, "seed.yaml"), "--seed", "9007199254740991", "--replications", "2", "--out", join(work, "out", "seed")],
    exit: 2,
    says: /--seed expects an integer from 0 to 1e15/,
  },
  scenario("seed-in-file", "huge number", cluster.replace("seed: 3", "seed: 9007199254740991"), /seed: expected at most 1e15/),
  scenario("nested-2000", "deep nesting", `${cluster}x: ${"[".repeat(2_000)}${"]".repeat(2_000)}\n`, /nested more than 64 levels deep/),
  scenario("nested-blocks", "deep nesting", `name: x\na:\n${Array.from({ length: 2_000 }, (_, i) => `${"  ".repeat(i + 1)}a:\n`).join("")}`, /nested more than 64 levels deep/),
  scenario("long-value", "long string", cluster.replace("policy: easy-backfill", `policy: ${"f".repeat(1_000_000)}`), /scheduler.policy: expected one of/),
  scenario("long-key", "long string", cluster.replace("policy: easy-backfill", `${"k".repeat(1_000_000)}: 1, policy: easy-backfill`), /unknown key|must be at most 1024 chars/),
  {
    name: "swf-submit-1e20",
    category: "huge number",
    setup: (work) => {
      writeFileSync(join(work, "t1.swf"), [swfLine(1, "0", 60, 2), swfLine(2, "100000000000000000000", 60, 2)].join("\n"));
      writeFileSync(join(work, "t1.yaml"), swfScenario("t1"));
    },
    args: (work) => ["run", join(work, "t1.yaml"), "--out", join(work, "out", "t1")],
    exit: 2,
    says: /span|submit time/,
  },
  {
    name: "sacct-centuries",
    category: "huge duration",
    setup: (work) => {
      writeFileSync(
        join(work, "t2.sacct"),
        [
          SACCT_HEADER,
          "1|alice|phys|normal|cpu|COMPLETED|1800-01-01T00:00:00|1800-01-01T00:01:00|1800-01-01T01:00:00|00:59:00|02:00:00|1|4|cpu=4|0:0",
          "2|bob|phys|normal|cpu|COMPLETED|2200-01-01T00:00:00|2200-01-01T00:01:00|2200-01-01T01:00:00|00:59:00|02:00:00|1|4|cpu=4|0:0",
        ].join("\n"),
      );
      writeFileSync(join(work, "t2.yaml"), swfScenario("t2").replace("format: swf, path: t2.swf", "format: sacct, path: t2.sacct, procsPerNode: 4"));
    },
    args: (work) => ["run", join(work, "t2.yaml"), "--out", join(work, "out", "t2")],
    exit: 2,
    says: /span|at most 100y/,
  },
  {
    name: "sacct-qos-constructor",
    category: "shadowing name",
    setup: (work) => {
      writeFileSync(
        join(work, "t3.sacct"),
        [
          SACCT_HEADER,
          "1|alice|phys|normal|cpu|COMPLETED|2024-01-01T00:00:00|2024-01-01T00:01:00|2024-01-01T05:00:00|04:59:00|06:00:00|8|32|cpu=32|0:0",
          "2|bob|phys|constructor|cpu|COMPLETED|2024-01-01T00:10:00|2024-01-01T00:11:00|2024-01-01T01:00:00|00:49:00|02:00:00|8|32|cpu=32|0:0",
        ].join("\n"),
      );
      const text = swfScenario("t3")
        .replace("format: swf, path: t3.swf", "format: sacct, path: t3.sacct, procsPerNode: 4")
        .replace("strategies:", "scheduler: { policy: fifo, preemption: { qos: { constructor: [normal] } } }\nstrategies:");
      writeFileSync(join(work, "t3.yaml"), text);
    },
    args: (work) => ["run", join(work, "t3.yaml"), "--out", join(work, "out", "t3")],
    exit: 0,
  },
  {
    name: "trace-dev-zero",
    category: "not a file",
    setup: (work) => writeFileSync(join(work, "zero.yaml"), swfScenario("zero").replace("path: zero.swf", "path: /dev/zero")),
    args: (work) => ["run", join(work, "zero.yaml"), "--out", join(work, "out", "zero")],
    exit: 2,
    says: /\/dev\/zero: is not a regular file/,
  },
  {
    name: "trace-fifo",
    category: "not a file",
    setup: (work) => {
      spawnSync("mkfifo", [join(work, "fifo.swf")]);
      writeFileSync(join(work, "fifo.yaml"), swfScenario("fifo"));
    },
    args: (work) => ["run", join(work, "fifo.yaml"), "--out", join(work, "out", "fifo")],
    exit: 2,
    says: /fifo.swf: is a pipe|cannot read file/,
  },
  {
    name: "scenario-fifo",
    category: "not a file",
    setup: (work) => void spawnSync("mkfifo", [join(work, "scenario-fifo.yaml")]),
    args: (work) => ["validate", join(work, "scenario-fifo.yaml")],
    exit: 2,
    says: /is a pipe|cannot read file/,
  },
  {
    name: "gzip-bomb",
    category: "huge file",
    setup: async (work) => {
      writeFileSync(join(work, "bomb.yaml"), swfScenario("bomb").replace("path: bomb.swf", "path: bomb.swf.gz"));
      const gzip = createGzip({ level: 1 });
      const out = createWriteStream(join(work, "bomb.swf.gz"));
      const done = new Promise<void>((resolve) => out.on("close", () => resolve()));
      gzip.pipe(out);
      const zeros = Buffer.alloc(2 ** 20, 0x20);
      for (let i = 0; i < 300; i++) if (!gzip.write(zeros)) await new Promise<void>((resolve) => gzip.once("drain", () => resolve()));
      gzip.end();
      await done;
    },
    args: (work) => ["run", join(work, "bomb.yaml"), "--out", join(work, "out", "bomb")],
    exit: 2,
    says: /decompresses to more than the 256 MiB a trace may hold/,
  },
  {
    name: "trace-thermal-no-horizon",
    category: "tiny duration",
    setup: (work) => {
      writeFileSync(join(work, "t4.swf"), [swfLine(1, "0", 60, 2), swfLine(2, "31536000", 60, 2)].join("\n"));
      writeFileSync(join(work, "t4.yaml"), swfScenario("t4").replace("strategies:", "failures: [ { kind: thermal, step: 1ms } ]\nstrategies:"));
    },
    args: (work) => ["run", join(work, "t4.yaml"), "--out", join(work, "out", "t4")],
    exit: 2,
    says: /steps over the horizon/,
  },
  {
    name: "sweep-set-huge",
    category: "huge duration",
    setup: (work) => writeFileSync(join(work, "sweep.yaml"), cluster),
    args: (work) => ["sweep", join(work, "sweep.yaml"), "--set", "horizon=1e308,2d", "--set", "failures.0.mtbf=0.1us", "--out", join(work, "out")],
    exit: 2,
    says: /horizon: expected at most 100y/,
  },
  {
    name: "merge-forged-part",
    category: "forged file",
    setup: (work) => {
      writeFileSync(join(work, "s.yaml"), service.replace("replications: 1", "replications: 2"));
      spawnSync(process.execPath, [CLI, "sweep", join(work, "s.yaml"), "--shard", "1/2", "--out", join(work, "sw")], { cwd: work });
      spawnSync(process.execPath, [CLI, "sweep", join(work, "s.yaml"), "--shard", "2/2", "--out", join(work, "sw")], { cwd: work });
      writeFileSync(join(work, "sw", "parts", "p0-s0-r1.json"), "null");
    },
    args: (work) => ["merge", join(work, "sw")],
    exit: 2,
    says: /p0-s0-r1.json: not a sweep part/,
  },
  {
    name: "report-forged-summary",
    category: "forged file",
    setup: (work) => {
      mkdirSync(join(work, "res"), { recursive: true });
      writeFileSync(join(work, "res", ".faultline"), "");
      writeFileSync(join(work, "res", "summary.json"), '{"scenario": "x", "strategies": [{"name": "a", "metrics": {"constructor": null}}]}');
      writeFileSync(join(work, "res", "traces.json"), "[]");
      writeFileSync(join(work, "res", "runs.csv"), "strategy,replication,seed,constructor\na,0,1,1\n");
    },
    args: (work) => ["report", join(work, "res")],
    exit: 2,
  },
];

/** Makes a probe's folder and files. */
export async function setUpProbe(root: string, probe: Probe): Promise<string> {
  const work = join(root, probe.name);
  mkdirSync(work, { recursive: true });
  await probe.setup?.(work);
  return work;
}
