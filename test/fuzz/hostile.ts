import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parse, stringify } from "yaml";

/**
 * Hostile and careless input, as a user (or an attacker) might give it: scenarios mutated
 * with values from a catalogue of trouble (huge, tiny, negative, wrong type, long, deep,
 * names that shadow JavaScript's own), and targeted probes. Each goes through `faultline
 * validate` and, if valid, `faultline run`, in a child process with a memory limit and a
 * timeout. Every one must end in exit 0 or 2 without a stack trace: exit 3 is a bug, and a
 * V8 abort, a signal or a timeout is a defect. `npm test` runs a sample; `npm run fuzz`
 * runs thousands and prints the counts README's reliability section quotes.
 */

const here = dirname(fileURLToPath(import.meta.url));
/** The package root, from test/fuzz or dist/test/fuzz. */
const ROOT = here.includes(`${join("dist", "test")}`) ? join(here, "..", "..", "..") : join(here, "..", "..");
export const CLI = join(ROOT, "dist", "cli", "main.js");
const LANL_LOG = join(ROOT, "scenarios", "traces", "LANL-failure-data-1996-2005.csv.gz");
const KTH = join(ROOT, "scenarios", "traces", "KTH-SP2-1996-2.1-cln.swf.gz");

/** Small scenarios with (nearly) every model on, each quick to run. */
export const BASES: Readonly<Record<string, string>> = {
  cluster: `name: fuzz-cluster
description: A small cluster with nearly every model on.
seed: 3
horizon: 2d
replications: 1
cluster:
  racks: 4
  nodesPerRack: 4
  node: { cpus: 64, memoryGiB: 512, gpus: 8, gpuModel: H100, driver: "550.54", cuda: "12.4" }
  fabric: { topology: fat-tree, linkGbps: 400, oversubscription: 2, spines: 4 }
  storage: { osts: 8, ostGBps: 5, stripeCount: 2, metadataOpsPerSec: 50000, burstBuffer: { capacityTB: 10, GBps: 100 } }
  pools:
    - { name: ondemand, racks: 3, pricePerGpuHour: 2.5 }
    - { name: spot, racks: 1, pricePerGpuHour: 0.9, spot: true }
workload:
  generator:
    arrivalsPerHour: 3
    diurnal: { amplitude: 0.5, peakHour: 14 }
    weekendFactor: 0.6
    bursts: { perDay: 2, size: { logUniform: [2, 10] }, spread: 10m }
    nodes: { logUniform: [1, 8] }
    runtime: { lognormal: { median: 3h, sigma: 1 } }
    allReduce: { sizeMB: 100, every: 10s }
    users: 4
    bigUserShare: 0.4
  startup: { processesPerNode: 2, metadataOpsPerProcess: 50 }
  maxRequeues: 2
scheduler:
  policy: easy-backfill
  placement: topology
  priority: { weights: { age: 1, fairShare: 2, qos: 4 }, qos: { normal: 0, high: 100 } }
  preemption: { qos: { high: [normal] }, mode: requeue, grace: 60s }
failures:
  - { kind: node-crash, mtbf: 30d, repair: 4h, distribution: { weibull: { shape: 0.7 } } }
  - { kind: spot-preemption, pool: spot, meanTimeBetween: 1d, notice: 120s, returnAfter: 2h }
  - { kind: rack-power, mtbf: 20d, repair: { lognormal: { median: 2h, sigma: 0.5 } } }
  - { kind: thermal, heatPerBusyNodeC: 70, throttleAtC: 80 }
  - { kind: silent-degradation, badNodeFraction: 0.1, healthPolicy: { quarantineAfter: 10 } }
  - { kind: driver-patch, at: 1d, bad: true, rollout: { strategy: canary } }
  - { kind: failure-log, format: lanl, path: ${JSON.stringify(LANL_LOG)}, system: 20 }
  - { kind: link-down, at: 6h, duration: 2h, leaf: 1, spine: 0 }
  - { kind: metadata-storm, at: 12h, ops: 100000 }
  - { kind: network-partition, at: 1d, duration: 30m, service: ctld }
  - { kind: certificate-expiry, at: 30h, renewAfter: 1h, service: boot }
controlPlane:
  - { name: ctld, role: scheduler, mtbf: 5d, mttr: 6h, ha: { kind: active-passive } }
  - { name: boot, role: boot, mtbf: 5d, mttr: 6h, ha: { kind: quorum, units: 3 } }
strategies:
  - { name: daly, checkpoint: { policy: daly, cost: 5m, onNotice: true, corruptProbability: 0.1, incremental: { fullEvery: 3, dirtyFraction: 0.2 } } }
  - { name: to-storage, checkpoint: { policy: fixed, interval: 1h, sizeGB: 50, timeout: 10m, tier: burst-buffer } }
  - { name: adaptive, checkpoint: { policy: adaptive, cost: 5m }, healthPolicy: null, rollout: { strategy: big-bang } }
slo: { timeToSolutionP90: 24h, jobSuccessRate: 0.95 }
gates:
  metrics:
    - { metric: lost_work_gpu_h, tolerance: 10% }
gameday:
  incidents:
    - { title: hot node, at: 1h, fault: throttle, target: r01n02, duration: 2h }
  maintenance:
    - { target: r00, at: 2h, duration: 1h }
  alerting: { evaluateEvery: 5m, burnRate: 2, longWindow: 1h, shortWindow: 10m }
`,
  service: `name: fuzz-service
description: A small replica pool with a leak, health checks and every mitigation.
seed: 2
horizon: 60s
replications: 1
sampleEvery: 5s
service:
  name: api
  replicas: 3
  serviceTime: 10ms
  concurrency: 2
  arrivalsPerSecond: 150
  balancer: join-shortest-queue
  queueMax: 50
  client: { timeout: 300ms, retries: 2 }
  health: { interval: 1s, timeout: 100ms, unhealthyAfter: 2, healthyAfter: 2 }
  leak: { baseMiB: 512, limitMiB: 2048, leakMiBPerHour: 72000, swapAtFraction: 0.75, slowdownAtLimit: 10, restart: 5s, step: 100ms }
failures:
  - { kind: replica-failure, replica: 0, at: 10s, duration: 10s }
  - { kind: replica-slowdown, replica: 1, at: 20s, duration: 20s, factor: 5 }
strategies:
  - { name: none }
  - name: all
    mitigations:
      backoff: { base: 10ms, max: 1s }
      retryBudget: 0.2
      breaker: { errorRate: 0.5, window: 5s, minRequests: 20, open: 2s }
      slowStart: 5s
      shedQueueLength: 20
      memoryCheck: { restartAtFraction: 0.7, interval: 1s }
slo: { availability: 0.99 }
gameday:
  incidents:
    - { title: slow replica, at: 30s, fault: replica-slowdown, replica: 2, factor: 4, duration: 10s, mitigation: [restore-replica, scale-out] }
  maintenance:
    - { target: replica0, at: 5s, duration: 10s }
  alerting: { evaluateEvery: 2s }
`,
  trace: `name: fuzz-trace
description: A short replay of the real KTH trace with thermal throttling.
seed: 1
replications: 1
cluster:
  racks: 4
  nodesPerRack: 25
  node: { gpus: 0 }
workload:
  trace: { format: swf, path: ${JSON.stringify(KTH)}, procsPerNode: 1, limit: 300 }
scheduler: { policy: conservative-backfill, enforceTimeLimit: false }
failures:
  - { kind: node-crash, mtbf: 100d, repair: 4h }
strategies:
  - { name: fcfs, scheduler: { policy: fifo, enforceTimeLimit: false } }
  - { name: easy, scheduler: { policy: easy-backfill, enforceTimeLimit: true } }
`,
  gpus: `name: fuzz-gpus
description: GPU-granular pools of two models, shares and gangs, with crashes and a thermal model.
seed: 5
horizon: 1d
replications: 1
cluster:
  racks: 4
  nodesPerRack: 4
  node: { gpus: 8, cpus: 64, memoryGiB: 512 }
  allocation: gpus
  gpuModels: { H100: { speed: 2 }, A100: { speed: 1 } }
  pools:
    - { name: a100, racks: 2, pricePerGpuHour: 1.8, node: { gpus: 8, gpuModel: A100, cpus: 64, memoryGiB: 512, driverCuda: "12.2" } }
    - { name: h100, racks: 2, pricePerGpuHour: 3.9, node: { gpus: 4, gpuModel: H100, cpus: 96, memoryGiB: 1024 } }
workload:
  generator:
    arrivalsPerHour: 20
    nodes: { empirical: [1, 1, 2] }
    gpus: { empirical: [0.25, 0.5, 1, 2, 4] }
    cpus: 8
    memoryGiB: 64
    cuda: "12.2"
    runtime: { lognormal: { median: 1h, sigma: 1 } }
  maxRequeues: 2
scheduler: { policy: conservative-backfill, placement: fgd }
failures:
  - { kind: node-crash, mtbf: 10d, repair: 2h }
  - { kind: thermal, heatPerBusyNodeC: 70, throttleAtC: 80 }
strategies:
  - { name: fgd }
  - { name: fastest, scheduler: { policy: easy-backfill, placement: fastest } }
`,
};

/** The catalogue of trouble, by category; README counts outcomes by these names. */
export const HOSTILE: Readonly<Record<string, readonly unknown[]>> = {
  "huge number": [1e308, 1e20, 2 ** 53 + 2, 1e12, 2 ** 31, 1e9 + 1],
  "tiny number": [1e-300, 5e-324, 1e-7, 0.001],
  "zero or negative": [0, -1, -0.5, -1e308],
  "fraction for a count": [0.5, 1.5, 2.0000001],
  "huge duration": ["300y", "1000y", "101y", "99999999999999999999d", "100y"],
  "tiny duration": ["0.1us", "0.0000001s", "1us", "0.5us", "0s"],
  "wrong type": [null, true, [], {}, "", "x", [1, 2, 3], { a: 1 }],
  "long string": ["a".repeat(100_000), "9".repeat(400), `${"1h".repeat(5_000)}`],
  "shadowing name": ["constructor", "__proto__", "toString", "hasOwnProperty", "prototype"],
  "odd text": ["µs", "５h", "\u0000", "1h 30m", "NaN", "Infinity", "-Infinity", "1e999"],
};

export type Mutation =
  | { readonly kind: "set"; readonly path: readonly (string | number)[]; readonly category: string; readonly value: unknown }
  | { readonly kind: "delete"; readonly path: readonly (string | number)[] }
  | { readonly kind: "add-key"; readonly path: readonly (string | number)[]; readonly key: string }
  | { readonly kind: "nest"; readonly path: readonly (string | number)[]; readonly depth: number };

/** Every path in a parsed document, containers and leaves. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = prefix.length === 0 ? [] : [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

function setIn(root: unknown, path: readonly (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  change(node, path[path.length - 1]);
}

/** The base's text with one mutation applied. */
export function mutate(base: string, mutation: Mutation): string {
  const data = parse(base) as unknown;
  setIn(data, mutation.path, (parent, key) => {
    switch (mutation.kind) {
      case "set":
        parent[key] = mutation.value;
        break;
      case "delete":
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case "add-key": {
        const target = parent[key];
        if (target !== null && typeof target === "object" && !Array.isArray(target)) (target as Record<string, unknown>)[mutation.key] = 1;
        else parent[key] = { [mutation.key]: target };
        break;
      }
      case "nest": {
        let wrapped: unknown = parent[key];
        for (let i = 0; i < mutation.depth; i++) wrapped = i % 2 === 0 ? [wrapped] : { a: wrapped };
        parent[key] = wrapped;
        break;
      }
    }
  });
  return stringify(data, { lineWidth: 0 });
}

/** fast-check's choice of a base and a mutation of it. */
export function mutationArbitrary(): fc.Arbitrary<{ base: string; mutation: Mutation }> {
  const names = Object.keys(BASES);
  const categories = Object.keys(HOSTILE);
  return fc.constantFrom(...names).chain((name) => {
    const paths = pathsOf(parse(BASES[name]));
    const path = fc.constantFrom(...paths);
    const set = fc
      .tuple(path, fc.constantFrom(...categories))
      .chain(([p, category]) => fc.constantFrom(...HOSTILE[category]).map((value): Mutation => ({ kind: "set", path: p, category, value })));
    const remove = path.map((p): Mutation => ({ kind: "delete", path: p }));
    const addKey = fc.tuple(path, fc.constantFrom(...(HOSTILE["shadowing name"] as string[]), "extra")).map(([p, key]): Mutation => ({ kind: "add-key", path: p, key }));
    const nest = fc.tuple(path, fc.constantFrom(10, 70, 300)).map(([p, depth]): Mutation => ({ kind: "nest", path: p, depth }));
    const mutation = fc.oneof({ weight: 8, arbitrary: set }, { weight: 1, arbitrary: remove }, { weight: 1, arbitrary: addKey }, { weight: 1, arbitrary: nest });
    return mutation.map((m) => ({ base: name, mutation: m }));
  });
}

/** A mutation's category for the counts. */
export function categoryOf(mutation: Mutation): string {
  return mutation.kind === "set" ? mutation.category : mutation.kind === "nest" ? "deep nesting" : mutation.kind === "delete" ? "missing key" : "unknown key";
}

export interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs the built CLI with a memory limit and a timeout. */
export function faultline(args: readonly string[], options: { cwd: string; timeoutMs: number; heapMiB?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${options.heapMiB ?? 512}`, CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", FAULTLINE_DEBUG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-20_000)));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Why an outcome is a defect, or null when it is exit 0 or 2 with no stack trace. */
export function defect(outcome: Outcome): string | null {
  if (outcome.timedOut) return "timed out (a hang)";
  if (outcome.signal !== null) return `killed by ${outcome.signal}`;
  if (outcome.code !== 0 && outcome.code !== 2) return `exit ${outcome.code}: ${outcome.stderr.trim().split("\n").slice(0, 3).join(" | ")}`;
  if (/\n\s+at .+\(.+:\d+:\d+\)/.test(outcome.stderr)) return "a stack trace on stderr";
  return null;
}

/** Runs `tasks` with at most `parallel` at once, in order of completion. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
  return results;
}

export interface CaseResult {
  readonly name: string;
  readonly category: string;
  /** `validate`'s exit, and `run`'s when it validated. */
  readonly validate: Outcome;
  readonly run: Outcome | null;
}

/** A scenario case: validated, then run when valid. */
export async function checkScenario(
  work: string,
  name: string,
  category: string,
  text: string,
  options: { timeoutMs: number; runArgs?: readonly string[] },
): Promise<CaseResult> {
  const file = join(work, `${name}.yaml`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  const validate = await faultline(["validate", file], { cwd: work, timeoutMs: options.timeoutMs });
  const run =
    validate.code === 0
      ? await faultline(["run", file, "--replications", "1", "--out", join(work, "out", name), ...(options.runArgs ?? [])], {
          cwd: work,
          timeoutMs: options.timeoutMs,
        })
      : null;
  return { name, category, validate, run };
}

/** Counts by category: cases, rejected at validate (2), ran to 0, ran to 2, defects. */
export function tally(results: readonly CaseResult[]): Map<string, { cases: number; rejected: number; ran: number; refusedAtRun: number; defects: number }> {
  const counts = new Map<string, { cases: number; rejected: number; ran: number; refusedAtRun: number; defects: number }>();
  for (const result of results) {
    const row = counts.get(result.category) ?? { cases: 0, rejected: 0, ran: 0, refusedAtRun: 0, defects: 0 };
    row.cases++;
    const bad = defect(result.validate) ?? (result.run === null ? null : defect(result.run));
    if (bad !== null) row.defects++;
    else if (result.validate.code === 2) row.rejected++;
    else if (result.run?.code === 0) row.ran++;
    else row.refusedAtRun++;
    counts.set(result.category, row);
  }
  return counts;
}
