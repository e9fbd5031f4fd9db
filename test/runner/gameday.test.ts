import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GamedayController } from "../../cli/gameday/controller.js";
import { gamedayDebrief, gamedayFinalJson } from "../../reports/postmortem.js";
import { CommandError, GamedaySession, type GamedayCommand } from "../../runner/gameday/session.js";
import { replaySession } from "../../runner/gameday/play.js";
import { runReplication } from "../../runner/run.js";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { parseScenarioText } from "../../scenarios/parse.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { isServiceScenario, scenarioSchema } from "../../scenarios/schema.js";
import { H, nightShift, play } from "./night-shift.js";

const GOOD_OPERATOR: readonly [number, GamedayCommand][] = [
  [1.1, { kind: "repair", node: "r01n05" }],
  [3.2, { kind: "rollback-driver" }],
  [7.1, { kind: "ack", target: "r03" }],
  [7.2, { kind: "repair-rack", rack: "r03" }],
];

describe("a game-day session", () => {
  it("scores an operator who contains the incidents far above one who does nothing, and the cluster agrees", async () => {
    const prepared = await nightShift();
    const idle = play(prepared, []);
    const good = play(prepared, GOOD_OPERATOR);
    expect(idle.score).toBe(0);
    expect(idle.incidents.map((incident) => incident.detectedUs)).toEqual([null, null, null]);
    // Every incident detected and mitigated within its objectives.
    expect(good.incidents.map((incident) => incident.points)).toEqual([100, 100, 100]);
    expect(good.score).toBe(100);
    expect(good.incidents[0].detectedUs).toBeCloseTo(1.1 * H, 0);
    // The bad driver kills every job that starts on its node until it is rolled back.
    expect(idle.metrics.jobs_failed).toBeGreaterThan(10);
    expect(good.metrics.jobs_failed).toBeLessThan(idle.metrics.jobs_failed! / 5);
    expect(good.metrics.slo_error_budget_used).toBeLessThan(idle.metrics.slo_error_budget_used!);
    expect(good.endUs).toBe(12 * H);
  });

  it("cannot be gamed: ack spam, unrelated actions and a partial repair score low, an honest play high", async () => {
    const prepared = await nightShift();
    const every10min = (command: GamedayCommand) => Array.from({ length: 72 }, (_, i): [number, GamedayCommand] => [(i + 1) / 6, command]);
    // Acknowledging without naming anything, every 10 minutes all night: no detection.
    const ackSpam = play(prepared, every10min({ kind: "ack" }));
    expect(ackSpam.score).toBe(0);
    // Busy but beside the point: a drain elsewhere and a rollback right after each incident.
    const busy = play(prepared, [
      [1.05, { kind: "drain", node: "r00n00" }],
      [3.05, { kind: "drain", node: "r00n01" }],
      [7.05, { kind: "drain", node: "r00n02" }],
      [7.06, { kind: "rollback-driver" }],
      [7.07, { kind: "ack", target: "r02n11" }],
    ]);
    expect(busy.incidents.map((incident) => incident.points)).toEqual([0, 0, 0]);
    // One node of sixteen repaired: the rack outage is detected, not mitigated.
    const partial = play(prepared, [[7.1, { kind: "repair", node: "r03n00" }]]);
    const rackAlert = new GamedaySession(prepared, 11);
    rackAlert.advance(7 * H);
    // One page for the rack, not sixteen node alerts.
    expect(rackAlert.visibleRecords().filter((record) => record.timeUs === 7 * H && record.kind.startsWith("Alert"))).toEqual([
      { kind: "AlertFired", timeUs: 7 * H, rule: "RackDown", severity: "page", target: "r03", detail: "16 of 16 nodes down" },
    ]);
    expect(partial.incidents[2]).toMatchObject({ detectedUs: 7.1 * H, mitigatedUs: null, points: 50 });
    // Every node of the rack repaired one by one mitigates it, at the last one.
    const byHand = play(prepared, Array.from({ length: 16 }, (_, slot): [number, GamedayCommand] => [7.1 + slot / 100, { kind: "repair", node: `r3n${slot}` }]));
    expect(byHand.incidents[2]).toMatchObject({ detectedUs: 7.1 * H, points: 100 });
    expect(byHand.incidents[2].mitigatedUs).toBeCloseTo(7.25 * H, 0);
    // Named acks detect, and only what they name.
    const acks = play(prepared, [[1.1, { kind: "ack", target: "r01n05" }], [3.2, { kind: "ack", target: "r02n11" }], [7.1, { kind: "ack", target: "r03n07" }]]);
    expect(acks.incidents.map((incident) => [incident.detectedUs !== null, incident.mitigatedUs, incident.points])).toEqual([
      [true, null, 50],
      [true, null, 50],
      [true, null, 50],
    ]);
    expect(play(prepared, GOOD_OPERATOR).score).toBe(100);
    // Naming every node every 10 minutes would detect everything: the false alarms cost more.
    const names = Array.from({ length: 64 }, (_, node) => `r${Math.floor(node / 16)}n${node % 16}`);
    const guessing = play(
      prepared,
      Array.from({ length: 72 }, (_, i) => names.map((target): [number, GamedayCommand] => [(i + 1) / 6, { kind: "ack", target }])).flat(),
    );
    expect(guessing.incidents.map((incident) => incident.points)).toEqual([50, 50, 50]);
    expect(guessing.falseAlarms).toBeGreaterThan(1_000);
    expect(guessing.score).toBe(0);
    // One wrong guess by an honest operator costs 5 points, and the debrief says so.
    const oneWrong = play(prepared, [[0.5, { kind: "ack", target: "r00n09" }], ...GOOD_OPERATOR]);
    expect(oneWrong).toMatchObject({ falseAlarms: 1, score: 95 });
    expect(gamedayDebrief(oneWrong, "d")).toContain("False alarms: 1 ack named a node or rack with nothing wrong on it (5 points off the score each).");
  });

  it("counts a hot node drained as mitigated only once no job runs on it", async () => {
    const prepared = await nightShift();
    const session = new GamedaySession(prepared, 11);
    // Drain it when a job runs on it.
    session.advance(H);
    while (session.model.cluster.jobOn(1 * 16 + 5) < 0) session.stepToNextEvent();
    const drainedUs = session.nowUs;
    const hot = session.model.cluster.jobOn(1 * 16 + 5);
    session.apply({ kind: "drain", node: "r01n05" });
    session.advance(Infinity);
    const result = session.finish();
    const incident = result.incidents[0];
    expect(incident.detectedUs).toBe(drainedUs);
    // The job on it at the drain ran on, slowed, until it ended: the impact lasted until then.
    const ended = session.sim.records.find((record) => ["JobCompleted", "JobKilled"].includes(record.kind) && record.job === hot && (record.timeUs as number) > drainedUs);
    expect(ended?.timeUs).toBeGreaterThan(drainedUs);
    expect(incident.mitigatedUs).toBe(ended?.timeUs);
  });

  it("plays the script's incidents in a run too: a run over the day's length gives the untouched day's metrics", async () => {
    const text = readFileSync(join(bundledScenarioDir(), "gameday-night-shift.yaml"), "utf8").replace("horizon: 1d", "horizon: 12h");
    const parsed = parseScenarioText(text, "day.yaml", scenarioSchema);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const prepared = prepareScenario(parsed.value, "day.yaml");
    if (isServiceScenario(parsed.value)) throw new Error("a cluster scenario");
    const run = runReplication(prepared, parsed.value.strategies[0], 11, false).metrics;
    const untouched = play(prepared, []).metrics;
    expect(run).toEqual(untouched);
    // The bad driver's kills are there (a run without the script had none).
    expect(run.jobs_failed).toBeGreaterThan(10);
  });

  it("scores late answers lower, and nothing for what the day ended before", async () => {
    const prepared = await nightShift();
    const session = new GamedaySession(prepared, 11);
    // 40 min to drain the hot node: detection 20 min over its 20 min objective, mitigation in time.
    session.advance(1.6667 * H);
    session.apply({ kind: "drain", node: "r1n5" });
    session.advance(2 * H);
    const result = session.finish();
    expect(result.incidents).toHaveLength(1);
    expect(result.incidents[0].points).toBe(Math.round(50 * (1 - (40 - 20) / 60) + 50));
  });

  it("shows spot pools' nodes apart on the map, and reclaimed ones down", async () => {
    const loaded = await loadScenario("spot-checkpoint-cadence");
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const prepared = prepareScenario(loaded.value, join(bundledScenarioDir(), "spot-checkpoint-cadence.yaml"));
    const session = new GamedaySession(prepared, loaded.value.seed, "spot-on-notice");
    session.advance(6 * H);
    const { nodes, nodesPerRack } = session.snapshot();
    const onDemand = nodes.slice(0, 2 * nodesPerRack);
    const spot = nodes.slice(2 * nodesPerRack);
    expect(onDemand.every((state) => state === "busy" || state === "idle")).toBe(true);
    expect(spot.every((state) => state === "spot" || state === "spot-busy" || state === "down")).toBe(true);
    expect(spot).toContain("spot-busy");
    expect(spot).toContain("down"); // reclaimed
    // All on demand: no spot nodes at all.
    expect(new GamedaySession(prepared, 1, "all-on-demand").snapshot().nodes).not.toContain("spot");
  });

  it("injects a spot wave, a link down and a metadata storm where the scenario has what they break", async () => {
    const spotScenario = await loadScenario("spot-checkpoint-cadence");
    const llm = await loadScenario("llm-training-64gpu");
    if (!spotScenario.ok || !llm.ok) throw new Error("bundled scenarios load");
    const spotPrepared = prepareScenario(spotScenario.value, join(bundledScenarioDir(), "spot-checkpoint-cadence.yaml"));
    const down = (session: GamedaySession) => session.snapshot().nodes.filter((state) => state === "down").length;
    const wave = new GamedaySession(spotPrepared, 5, "spot-on-notice");
    wave.advance(H);
    const before = down(wave);
    const said = wave.apply({ kind: "spot-wave" });
    const noticed = Number(/^spot wave: (\d+) nodes on reclaim notice$/.exec(said)![1]);
    expect(noticed).toBe(6 * 8 - before); // every spot node that was up
    // Each goes when its 2-minute notice ends.
    wave.advance(H + 119e6);
    expect(down(wave)).toBe(before);
    wave.advance(H + 121e6);
    expect(down(wave)).toBe(before + noticed);

    const fabric = new GamedaySession(prepareScenario(llm.value, join(bundledScenarioDir(), "llm-training-64gpu.yaml")), 1);
    fabric.advance(H);
    expect(fabric.apply({ kind: "link-down", target: "r01", durationS: 600 })).toBe("link down: r01's leaf to spine 0");
    expect(fabric.apply({ kind: "metadata-storm" })).toMatch(/^metadata storm: 200,000 operations/);
    fabric.advance(H + 1);
    expect(fabric.sim.records.some((record) => record.kind === "LinkFailed" && record.timeUs === H)).toBe(true);

    const plain = new GamedaySession(await nightShift(), 11);
    expect(() => plain.apply({ kind: "link-down", target: "r01", durationS: 60 })).toThrow("models no fabric");
    expect(() => plain.apply({ kind: "metadata-storm" })).toThrow("models no filesystem");
    expect(() => plain.apply({ kind: "spot-wave" })).toThrow("has no spot nodes");
  });

  it("switches the scheduler: at time 0 exactly as if configured so, mid-run with every invariant kept", async () => {
    const text = readFileSync(join(bundledScenarioDir(), "gameday-night-shift.yaml"), "utf8").replace(/arrivalsPerHour: 6/, "arrivalsPerHour: 14");
    const withPolicy = (policy: string) => {
      const parsed = parseScenarioText(text.replace("policy: easy-backfill", `policy: ${policy}`), "s.yaml", scenarioSchema);
      if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
      return prepareScenario(parsed.value, "s.yaml");
    };
    for (const policy of ["fifo", "conservative-backfill"] as const) {
      const switched = new GamedaySession(withPolicy("easy-backfill"), 3);
      expect(switched.apply({ kind: "scheduler", policy })).toBe(`scheduler now ${policy}`);
      switched.advance(Infinity);
      const configured = new GamedaySession(withPolicy(policy), 3);
      configured.advance(Infinity);
      expect(switched.finish().metrics).toEqual(configured.finish().metrics);
    }
    // Mid-run, back and forth, with a loaded queue: finish() checks jobs are conserved,
    // node-hours add up and no node is held twice.
    const session = new GamedaySession(withPolicy("easy-backfill"), 3);
    for (const [hours, policy] of [[2, "fifo"], [4, "conservative-backfill"], [6, "easy-backfill"], [8, "conservative-backfill"]] as const) {
      session.advance(hours * H);
      session.apply({ kind: "scheduler", policy });
    }
    session.advance(Infinity);
    const metrics = session.finish().metrics;
    expect(metrics.jobs_completed).toBeGreaterThan(50);
  });

  it("acts on the control plane: crash, fail over early, switch over, repair, cut and heal, expire and renew", async () => {
    const loaded = await loadScenario("control-plane-ha");
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const prepared = prepareScenario(loaded.value, join(bundledScenarioDir(), "control-plane-ha.yaml"));
    const slurmctld = (session: GamedaySession) => session.snapshot().controlPlane.find((service) => service.name === "slurmctld")!;
    const units = (session: GamedaySession) => slurmctld(session).units.map((unit) => (!unit.up ? "x" : unit.active ? "A" : "p")).join("");
    const session = new GamedaySession(prepared, 1, "active-passive");
    session.advance(H);
    expect(units(session)).toBe("Ap");
    // Left alone, the passive takes over after 3 missed 5 s heartbeats and a 15 s takeover.
    const alone = new GamedaySession(prepared, 1, "active-passive");
    alone.advance(H);
    alone.apply({ kind: "service-fault", fault: "unit-crash", service: "slurmctld", durationS: 0 });
    alone.advance(H + 29e6);
    expect(slurmctld(alone).up).toBe(false);
    alone.advance(H + 30e6);
    expect(slurmctld(alone).up).toBe(true);
    // The operator who sees it fails over at once: up again in the same instant.
    expect(session.apply({ kind: "service-fault", fault: "unit-crash", service: "slurmctld", durationS: 0 })).toBe("slurmctld: unit 0 crashed");
    expect(slurmctld(session).up).toBe(false);
    expect(session.apply({ kind: "service", action: "fail-over", service: "slurmctld" })).toBe("slurmctld: failed over to unit 1");
    expect(units(session)).toBe("xA");
    expect(slurmctld(session).up).toBe(true);
    expect(() => session.apply({ kind: "service", action: "fail-over", service: "slurmctld" })).toThrow("has no unit to fail over to");
    expect(session.apply({ kind: "service", action: "repair", service: "slurmctld" })).toBe("slurmctld: 1 unit repaired by hand");
    expect(units(session)).toBe("pA");
    // A planned switchover: roles swap with no outage.
    const outages = () => session.sim.records.filter((record) => record.kind === "ServiceOutageStarted" && record.source === "slurmctld").length;
    const before = outages();
    session.apply({ kind: "service", action: "fail-over", service: "slurmctld" });
    expect(units(session)).toBe("Ap");
    expect(outages()).toBe(before);
    // Cut apart, the passive takes over too: split brain, until the link is back.
    session.apply({ kind: "service-fault", fault: "partition", service: "slurmctld", durationS: 3_600 });
    session.advance(session.nowUs + 5 * 60e6);
    expect(slurmctld(session)).toMatchObject({ splitBrain: true, partitioned: true });
    session.apply({ kind: "service", action: "heal", service: "slurmctld" });
    expect(slurmctld(session)).toMatchObject({ splitBrain: false, partitioned: false, up: true });
    // No HA masks an expired certificate; renewing it does.
    session.apply({ kind: "service-fault", fault: "certificate-expiry", service: "slurmctld", durationS: 3_600 });
    session.settle();
    expect(slurmctld(session).up).toBe(false);
    session.apply({ kind: "service", action: "renew-certificate", service: "slurmctld" });
    expect(slurmctld(session).up).toBe(true);
    expect(() => session.apply({ kind: "service", action: "heal", service: "nope" })).toThrow('no service "nope" (there are: slurmctld, boot)');
    const plain = new GamedaySession(await nightShift(), 11);
    expect(() => plain.apply({ kind: "service", action: "repair", service: "x" })).toThrow(
      "the scenario has no control-plane services",
    );
    session.advance(Infinity);
    expect(session.finish().metrics.control_plane_availability).toBeLessThan(1);
  });

  it("refuses a command on a node the cluster does not have, changing nothing", async () => {
    const session = new GamedaySession(await nightShift(), 11);
    session.advance(H);
    expect(() => session.apply({ kind: "drain", node: "r09n00" })).toThrow(CommandError);
    expect(() => session.apply({ kind: "inject", fault: "rack-power", target: "r01n01", durationS: 60 })).toThrow("is not a rack");
    expect(() => session.apply({ kind: "repair-rack", rack: "r01n01" })).toThrow('"r01n01" is not a rack of the cluster');
    expect(() => session.apply({ kind: "repair-rack", rack: "r04" })).toThrow("is not a rack");
    expect(() => session.apply({ kind: "ack", target: "r9n1" })).toThrow('"r9n1" is not a node or a rack of the cluster');
    expect(session.commands).toEqual([]);
  });

  it("rolls a bad driver out in waves until it is rolled back", async () => {
    const session = new GamedaySession(await nightShift(), 11);
    const mismatched = () => session.snapshot().nodes.filter((state) => state === "mismatch").length;
    const recorded = () => session.sim.records.filter((record) => record.kind === "DriverRolledOut").length;
    session.advance(0.5 * H);
    expect(session.apply({ kind: "driver-rollout" })).toBe("bad driver rolling out: 4 waves of 16 nodes, 30 min apart");
    session.advance(1.6 * H); // waves at 0.5 h, 1 h and 1.5 h
    expect(recorded()).toBe(3);
    expect(mismatched()).toBeGreaterThan(0); // busy and drained nodes show as that instead
    session.apply({ kind: "rollback-driver" });
    expect(mismatched()).toBe(0);
    session.advance(2.9 * H); // (before the script's own bad driver, at 3 h)
    expect(recorded()).toBe(3); // the fourth wave was called off
    expect(mismatched()).toBe(0);
  });

  it("checkpoints every computing job on command, at the strategy's cost", async () => {
    const prepared = await nightShift();
    const quiet = play(prepared, []);
    const session = new GamedaySession(prepared, 11);
    session.advance(2.5 * H);
    const running = session.model.runningJobs().length;
    const said = session.apply({ kind: "checkpoint-now" });
    expect(said).toMatch(/^checkpoint started by \d+ running jobs?$/);
    expect(Number(said.split(" ")[3])).toBeGreaterThan(0);
    expect(Number(said.split(" ")[3])).toBeLessThanOrEqual(running);
    session.advance(Infinity);
    expect(session.finish().metrics.checkpoint_overhead_gpu_h).toBeGreaterThan(quiet.metrics.checkpoint_overhead_gpu_h!);
  });

  it("replays to the same final bytes however the live clock was advanced", async () => {
    const prepared = await nightShift();
    const reference = play(prepared, GOOD_OPERATOR);
    // Live play: small uneven slices, a few events at a time, steps, then commands.
    const live = new GamedaySession(prepared, 11);
    let slice = 0;
    for (const [hours, command] of GOOD_OPERATOR) {
      while (live.nowUs < hours * H) {
        live.advance(Math.min(hours * H, live.nowUs + ((slice++ % 7) + 1) * 60e6), 3);
        if (slice % 11 === 0) live.stepToNextEvent();
      }
      live.apply(command);
    }
    live.advance(Infinity);
    const played = live.finish();
    const replayed = replaySession(prepared, 11, "on-call", played.commands, played.endUs);
    expect(gamedayFinalJson(replayed)).toBe(gamedayFinalJson(played));
    expect(gamedayDebrief(replayed, "d")).toBe(gamedayDebrief(played, "d"));
    // Commands landed mid-slice, at other times than the reference's: a different day, same rules.
    expect(played.commands).toHaveLength(4);
    expect(gamedayFinalJson(reference)).toContain('"score": 100');
  });
});

describe("game days under random play (fast-check)", () => {
  const node = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 15 })).map(([rack, slot]) => `r${rack}n${slot}`);
  const command: fc.Arbitrary<GamedayCommand> = fc.oneof(
    node.map((name) => ({ kind: "drain", node: name }) as const),
    node.map((name) => ({ kind: "undrain", node: name }) as const),
    node.map((name) => ({ kind: "quarantine", node: name }) as const),
    node.map((name) => ({ kind: "repair", node: name }) as const),
    fc.constant({ kind: "rollback-driver" } as const),
    fc.constant({ kind: "checkpoint-now" } as const),
    fc.integer({ min: 0, max: 3 }).map((rack) => ({ kind: "repair-rack", rack: `r${rack}` }) as const),
    node.map((name) => ({ kind: "ack", target: name }) as const),
    fc.constantFrom("fifo", "easy-backfill", "conservative-backfill").map((policy) => ({ kind: "scheduler", policy }) as const),
    fc
      .tuple(fc.constantFrom("node-crash", "throttle", "driver-mismatch", "drain") as fc.Arbitrary<"node-crash" | "throttle" | "driver-mismatch" | "drain">, node, fc.integer({ min: 60, max: 4 * 3_600 }))
      .map(([fault, target, durationS]) => ({ kind: "inject", fault, target, durationS }) as const),
    fc.integer({ min: 0, max: 3 }).map((rack) => ({ kind: "inject", fault: "rack-power", target: `r${rack}`, durationS: 3_600 }) as const),
  );
  // Commands at random moments, the clock driven in random slices (event budgets, steps) between them.
  const play = fc.array(
    fc.record({ afterUs: fc.integer({ min: 0, max: 3 * 3_600e6 }), slices: fc.integer({ min: 1, max: 4 }), budget: fc.integer({ min: 1, max: 500 }), command }),
    { maxLength: 12 },
  );

  it("keeps every invariant (jobs conserved, node-hours adding up, no node held twice) and replays to the same bytes", async () => {
    const prepared = await nightShift();
    let applied = 0;
    fc.assert(
      fc.property(play, (moves) => {
        const session = new GamedaySession(prepared, 11);
        for (const move of moves) {
          const target = session.nowUs + move.afterUs;
          for (let i = 0; i < move.slices && session.nowUs < target; i++) {
            session.advance(session.nowUs + (target - session.nowUs) / (move.slices - i), move.budget);
            if (i % 2 === 1) session.stepToNextEvent();
          }
          if (session.ended) break;
          session.apply(move.command);
        }
        session.advance(Infinity);
        // finish() checks conservation, node-hours and the cluster's allocation invariants.
        const played = session.finish();
        applied += played.commands.length;
        const replayed = replaySession(prepared, 11, "on-call", played.commands, played.endUs);
        expect(gamedayFinalJson(replayed)).toBe(gamedayFinalJson(played));
      }),
      { numRuns: 25 },
    );
    expect(applied).toBeGreaterThan(50); // the property saw commands, not just empty days
  });
});

describe("the game-day controller", () => {
  it("advances speed × tick per tick, never more than its event budget, and not while paused", async () => {
    const session = new GamedaySession(await nightShift(), 11);
    let wallMs = 0;
    const controller = new GamedayController(session, { tickMs: 50, speed: 100, eventsPerTick: 50, publishMs: 100, now: () => wallMs });
    const views: number[] = [];
    controller.subscribe((view) => views.push(view.snapshot.nowUs));
    for (let i = 0; i < 10; i++) {
      wallMs += 50;
      controller.tick();
    }
    // ×100 for 10 ticks of 50 ms: 50 simulated seconds (few events: within the budget).
    expect(session.nowUs).toBe(10 * 100 * 50_000);
    // The view hears of it at most every 100 ms of wall time, not every tick.
    expect(views.length).toBe(5);

    controller.changeSpeed(1);
    controller.changeSpeed(1);
    controller.changeSpeed(1);
    expect(controller.view().speed).toBe(100_000);
    let most = 0;
    for (let i = 0; i < 200 && !session.ended; i++) {
      controller.tick();
      most = Math.max(most, controller.lastTickEvents);
    }
    expect(most).toBe(50); // the budget bound some ticks: the clock lagged rather than the keys
    const before = session.nowUs;
    controller.togglePause();
    controller.tick();
    expect(session.nowUs).toBe(before);
  });

  it("logs what operators see, with node names, and the operator's own commands", async () => {
    const session = new GamedaySession(await nightShift(), 11);
    const controller = new GamedayController(session, { speed: 100_000, now: () => 0 });
    while (session.nowUs < 3.5 * H) controller.tick();
    controller.command({ kind: "rollback-driver" });
    const log = controller.view().log;
    // The hot node's alert fires as it begins (not that it was injected); the bad driver raises none at once.
    expect(log.filter((line) => line.atUs === H).map((line) => line.text)).toEqual(["TICKET GpuThrottled r01n05: GPU clock at 50%"]);
    expect(log.filter((line) => line.atUs === 3 * H)).toEqual([]);
    expect(log.some((line) => line.text.startsWith("FaultInjected"))).toBe(false);
    // A job killed on start again and again until it fails shows once, as failed.
    const failed = log.filter((line) => /^JobFailed job=\d+ cause=driver-mismatch$/.test(line.text));
    expect(failed.length).toBeGreaterThan(2);
    for (const line of failed) expect(log.filter((other) => other.job === line.job)).toEqual([line]);
    const killed = session.sim.records.filter((record) => record.kind === "JobKilled" && record.cause === "driver-mismatch");
    expect(killed.length).toBeGreaterThan(failed.length);
    expect(log.some((line) => /^Job(Submitted|Started|Completed)/.test(line.text))).toBe(false);
    expect(log.at(-1)).toMatchObject({ operator: true, text: "you: driver rolled back on 1 node" });
  });
});
