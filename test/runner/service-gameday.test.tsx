import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { GamedayApp } from "../../cli/gameday/app.js";
import { GamedayController } from "../../cli/gameday/controller.js";
import { gamedayFinalJson } from "../../reports/postmortem.js";
import { CommandError } from "../../runner/gameday/session.js";
import { openSession, replaySession } from "../../runner/gameday/play.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario, type PreparedScenario } from "../../scenarios/prepare.js";
import { scenarioSchema } from "../../scenarios/schema.js";
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
