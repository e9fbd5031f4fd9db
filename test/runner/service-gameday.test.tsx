import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { GamedayApp } from "../../cli/gameday/app.js";
import { GamedayController } from "../../cli/gameday/controller.js";
import { gamedayDebrief, gamedayFinalJson } from "../../reports/postmortem.js";
import { CommandError, type GamedayCommand } from "../../runner/gameday/session.js";
import { openSession, replaySession } from "../../runner/gameday/play.js";
import { runServiceReplication } from "../../runner/run.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario, type PreparedScenario } from "../../scenarios/prepare.js";
import { scenarioSchema, type ServiceScenario } from "../../scenarios/schema.js";
import type { ServiceGamedaySession } from "../../runner/gameday/service-session.js";

const S = 1e6;

async function bundled(name: string): Promise<PreparedScenario> {
  const loaded = await loadScenario(name);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return prepareScenario(loaded.value, join(bundledScenarioDir(), `${name}.yaml`));
}

/** Two replicas at 90% load, clients with timeouts, no faults of its own. */
const busyService = (): PreparedScenario => prepareFrom(busyText());

const open = (prepared: PreparedScenario, seed = 4) => openSession(prepared, seed) as ServiceGamedaySession;

describe("a service game day", () => {
  it("hangs a replica: goodput falls; scaling out under load raises it", () => {
    const prepared = busyService();
    const goodput = (session: ServiceGamedaySession) => session.finish().metrics.service_goodput_ratio!;
    const calm = open(prepared);
    calm.advance(Infinity);
    const hung = open(prepared);
    hung.advance(20 * S);
    expect(hung.apply({ kind: "replica-failure", replica: 1, durationS: 60 })).toBe("replica 1 hangs for 60 s");
    expect(hung.snapshot().replicas[1].failed).toBe(true);
    hung.advance(Infinity);
    expect(goodput(hung)).toBeLessThan(goodput(calm) - 0.1);

    const overloaded = prepareFrom(busyText().replace("arrivalsPerSecond: 144", "arrivalsPerSecond: 200"));
    const as = open(overloaded);
    as.advance(Infinity);
    const scaled = open(overloaded);
    scaled.advance(10 * S);
    expect(scaled.apply({ kind: "scale-out" })).toBe("scaled out: replica 2 serving");
    expect(scaled.snapshot().replicas).toHaveLength(3);
    scaled.advance(Infinity);
    // 200/s against 160/s of capacity: a third replica (240/s) serves what two could not.
    expect(goodput(scaled)).toBeGreaterThan(goodput(as) + 0.1);
  });

  it("makes a replica leak: it swaps, is OOM-killed on time, and a restart gives it fresh memory", () => {
    const prepared = prepareFrom(busyText().replace("horizon: 120s", "horizon: 300s"));
    const kills = (session: ServiceGamedaySession) => session.sim.records.filter((record) => record.kind === "ProcessOomKilled").map((record) => record.timeUs);
    const leaking = open(prepared);
    leaking.advance(10 * S);
    expect(leaking.apply({ kind: "memory-leak", replica: 0 })).toBe("replica 0 leaks memory: OOM in 150 s unless restarted");
    expect(() => leaking.apply({ kind: "memory-leak", replica: 0 })).toThrow("leaks already");
    leaking.advance(Infinity);
    // 1,536 MiB to go at 36,864 MiB/h: 150 s, then every 160 s (10 s restart).
    expect(kills(leaking)).toEqual([160 * S]);
    const restarted = open(prepared);
    restarted.advance(10 * S);
    restarted.apply({ kind: "memory-leak", replica: 0 });
    restarted.advance(100 * S);
    expect(restarted.apply({ kind: "restore-replica", replica: 0 })).toMatch(/memory back to 512 MiB/);
    restarted.advance(Infinity);
    // Restarted at 100 s: back 10 s later with 512 MiB, killed 150 s after that.
    expect(kills(restarted)).toEqual([260 * S]);
    const calm = open(prepared);
    calm.advance(Infinity);
    expect(leaking.finish().metrics.service_latency_p99_ms!).toBeGreaterThan(calm.finish().metrics.service_latency_p99_ms!);
  });

  it("turns the breaker on once, and only where clients time out", async () => {
    const cascade = open(await bundled("replica-cascade"), 1);
    cascade.advance(5 * S);
    expect(cascade.snapshot().breaker).toBe("off");
    expect(cascade.apply({ kind: "breaker-on" })).toMatch(/^circuit breaker on/);
    expect(cascade.snapshot().breaker).toBe("closed");
    expect(() => cascade.apply({ kind: "breaker-on" })).toThrow("on already");
    const noTimeouts = open(prepareFrom(busyText().replace("  client: { timeout: 1s, retries: 1 }\n", "")));
    expect(() => noTimeouts.apply({ kind: "breaker-on" })).toThrow("needs client timeouts");
    const leaking = open(await bundled("memory-leak-service"), 1);
    expect(() => leaking.apply({ kind: "scale-out" })).toThrow("scaling out a leaking service is not modelled");
    expect(() => cascade.apply({ kind: "restore-replica", replica: 9 })).toThrow(CommandError);
    expect(() => cascade.apply({ kind: "drain", node: "r0n0" })).toThrow("acts on a cluster");
    expect(cascade.commands).toHaveLength(1);
  });

  it("replays to the same final bytes", async () => {
    const prepared = await bundled("replica-cascade");
    const live = open(prepared, 1);
    live.advance(10 * S, 50);
    live.apply({ kind: "replica-slowdown", replica: 0, factor: 5, durationS: 20 });
    live.stepToNextEvent();
    live.apply({ kind: "breaker-on" });
    live.advance(40 * S, 1_000);
    live.apply({ kind: "scale-out" });
    live.advance(45 * S);
    live.apply({ kind: "restore-replica", replica: 1 });
    live.advance(Infinity);
    const played = live.finish();
    const replayed = replaySession(prepared, 1, played.strategy, played.commands, played.endUs);
    expect(gamedayFinalJson(replayed)).toBe(gamedayFinalJson(played));
    expect(played.score).toBeNull();
  });

  it("shows each replica's health and queue beside goodput, latency and the breaker", async () => {
    const session = open(await bundled("replica-cascade"), 1);
    const controller = new GamedayController(session, { paused: true, now: () => 0 });
    session.advance(25 * S);
    controller.command({ kind: "replica-failure", replica: 1, durationS: 30 });
    const { lastFrame, unmount } = render(<GamedayApp controller={controller} onQuit={() => {}} />);
    const frame = (lastFrame() ?? "").replace(/\u001b\[[0-9;]*m/g, "");
    expect(frame).toMatch(/^#0 +ok /m);
    expect(frame).toMatch(/^#1 +hung /m);
    expect(frame).toContain("breaker off");
    expect(frame).toMatch(/goodput \d+\.\d% · errors \d+\.\d%/);
    expect(frame).toMatch(/p99 latency \d+ ms/);
    expect(frame).toContain("you: replica 1 hangs for 30 s");
    unmount();
  });
});

describe("a scripted service game day (gameday-service-oncall)", () => {
  /** Plays commands at given seconds, advancing the clock in one go between them. */
  const play = async (actions: readonly [number, GamedayCommand][]) => {
    const session = open(await bundled("gameday-service-oncall"), 3);
    for (const [seconds, command] of actions) {
      session.advance(seconds * S);
      session.apply(command);
    }
    session.advance(Infinity);
    return session.finish();
  };

  it("scores restarting the struck replica, and scaling out through the surge, in time full marks, and doing nothing none", async () => {
    const honest = await play([
      [70, { kind: "restore-replica", replica: 1 }],
      [345, { kind: "restore-replica", replica: 3 }],
      [680, { kind: "scale-out" }],
    ]);
    expect(honest.incidents.map((incident) => [incident.detectedUs, incident.mitigatedUs, incident.points])).toEqual([
      [70 * S, 70 * S, 100],
      [345 * S, 345 * S, 100],
      [680 * S, honest.incidents[2].mitigatedUs, 100],
    ]);
    // The surge is mitigated once the error budget no longer burns faster than allowed over the last 10 s.
    expect(honest.incidents[2].mitigatedUs! - 680 * S).toBeGreaterThan(0);
    expect(honest.incidents[2].mitigatedUs! - 680 * S).toBeLessThan(30 * S);
    expect(honest.score).toBe(100);
    const idle = await play([]);
    expect(idle.score).toBe(0);
    // The slow replica burns the error budget until it ends by itself; restarted, it burns far less.
    expect(honest.metrics.service_error_rate!).toBeLessThan(idle.metrics.service_error_rate! / 3);
    // Late: restarted after 60 s, twice the 30 s detection objective (a third off its half),
    // within the 90 s mitigation objective (its full half).
    const late = await play([[120, { kind: "restore-replica", replica: 1 }]]);
    expect(late.incidents[0].points).toBe(Math.round(50 * (1 - 30 / 90) + 50));
  });

  it("cannot be gamed: untargeted acks, restarting every replica all day, scaling out the script does not ask for", async () => {
    const every20s = (make: (t: number) => GamedayCommand[]) =>
      Array.from({ length: 44 }, (_, i) => make((i + 1) * 20).map((command): [number, GamedayCommand] => [(i + 1) * 20, command])).flat();
    expect((await play(every20s(() => [{ kind: "ack" }]))).score).toBe(0);
    const restartAll = await play(every20s(() => [0, 1, 2, 3].map((replica) => ({ kind: "restore-replica", replica }) as const)));
    // It does catch both replicas' incidents, but every restart of a healthy replica is a false alarm (and drops its requests).
    expect(restartAll.incidents.map((incident) => incident.points)).toEqual([100, 100, 0]);
    expect(restartAll.falseAlarms).toBeGreaterThan(100);
    expect(restartAll.score).toBe(0);
    // Scaling out every 20 s: it answers the surge (the script lets it) and nothing else.
    const scaling = await play(every20s(() => [{ kind: "scale-out" }]));
    expect(scaling.incidents.map((incident) => incident.detectedUs !== null)).toEqual([false, false, true]);
    expect(scaling.score).toBeLessThanOrEqual(34);
    // An ack naming the struck replica detects; naming a healthy one is a false alarm.
    const acks = await play([
      [65, { kind: "ack", target: "replica1" }],
      [66, { kind: "ack", target: "replica0" }],
    ]);
    expect(acks.incidents[0]).toMatchObject({ detectedUs: 65 * S, mitigatedUs: null, points: 50 });
    expect(acks.falseAlarms).toBe(1);
    // The service's name detects the surge, while it burns; before it, it is a false alarm.
    const serviceAcks = await play([
      [30, { kind: "ack", target: "api" }],
      [670, { kind: "ack", target: "api" }],
    ]);
    expect(serviceAcks.incidents[2]).toMatchObject({ detectedUs: 670 * S, points: 50 });
    expect(serviceAcks.falseAlarms).toBe(1);
  });

  it("fires a ticket for each struck replica and for the surge, and pages when the SLO burns; the debrief gives the time to fire", async () => {
    const idle = await play([]);
    expect(idle.alerts.map((alert) => [alert.rule, alert.severity, alert.target, alert.firedUs / S])).toEqual([
      // The health checks (every 2 s, 3 misses) take the hung replica out before its ticket fires.
      ["ReplicaDown", "ticket", "replica1", 64],
      ["ReplicaSlow", "ticket", "replica3", 330],
      ["SloBurnRate", "page", "api", idle.alerts[2].firedUs / S],
      ["TrafficSurge", "ticket", "api", 660],
      ["SloBurnRate", "page", "api", idle.alerts[4].firedUs / S],
    ]);
    // A page once the budget burns over 2× over both windows: seconds after each began, never before.
    expect(idle.alerts[2].firedUs).toBeGreaterThan(330 * S);
    expect(idle.alerts[4].firedUs).toBeGreaterThan(660 * S);
    expect(idle.incidents.map((incident) => incident.alertedUs)).toEqual([64 * S, 330 * S, 660 * S]);
    expect(gamedayDebrief(idle, "on call")).toContain("| A replica hangs (replica-failure on replica1) | day 0 00:01:00 | 4 s | never | never | 0 |");
  });

  it("refuses a script naming replicas, factors or maintenance the service lacks, each problem by its field", () => {
    const text = `${busyText()}gameday:
  incidents:
    - { title: a, at: 10s, fault: replica-failure, replica: 2, duration: 10s }
    - { title: b, at: 10s, fault: replica-slowdown, replica: 0, duration: 10s }
    - { title: c, at: 200s, fault: replica-failure, replica: 0, duration: 10s, factor: 3 }
    - { title: d, at: 20s, fault: load-spike, replica: 1, factor: 2000, duration: 10s }
    - { title: e, at: 25s, fault: load-spike, factor: 2, duration: 200s }
  maintenance:
    - { target: replica7, at: 0s, duration: 10s }
    - { target: api, at: 0s, duration: 10s }
  alerting: { burnRate: 0 }
`;
    const parsed = parseScenarioText(text, "day.yaml", scenarioSchema);
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    for (const expected of [
      "gameday.incidents[0].replica: there are 2 replicas, numbered from 0",
      "gameday.incidents[1].factor: missing required key; a slowdown needs its factor",
      "gameday.incidents[2].factor: a replica-failure has no factor",
      "gameday.incidents[3].replica: a load spike strikes the whole service, not a replica",
      "gameday.incidents[3].factor: expected at most 1,000 for a load spike, got 2000",
      "gameday.incidents[4].at: overlaps incident 3's spike",
      "gameday.incidents[4].duration: ends past the horizon",
      "gameday.incidents[2].at: is past the game day's end",
      'gameday.maintenance[0].target: expected a replica ("replica0" … "replica1") or the service ("api"), got "replica7"',
      "gameday.alerting.burnRate",
    ]) {
      expect(problems.some((problem) => problem.includes(expected))).toBe(true);
    }
    expect(problems.some((problem) => problem.includes("maintenance[1]"))).toBe(false);
  });

  it("plays the script's incidents in a run too, as the untouched day", async () => {
    const prepared = await bundled("gameday-service-oncall");
    const scenario = prepared.scenario as ServiceScenario;
    const run = runServiceReplication(scenario, scenario.strategies[0], 3, false).metrics;
    expect(run).toEqual((await play([])).metrics);
    expect(run.service_error_rate).toBeGreaterThan(0);
  });
});

function busyText(): string {
  return `name: busy
description: Two replicas near saturation.
seed: 4
horizon: 120s
replications: 1
service:
  name: api
  replicas: 2
  concurrency: 4
  serviceTime: 50ms
  queueMax: 200
  balancer: join-shortest-queue
  arrivalsPerSecond: 144
  client: { timeout: 1s, retries: 1 }
strategies:
  - { name: as-is }
slo: { availability: 0.99 }
`;
}

function prepareFrom(text: string): PreparedScenario {
  const parsed = parseScenarioText(text, "busy.yaml", scenarioSchema);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return prepareScenario(parsed.value, "busy.yaml");
}
