import { describe, expect, it } from "vitest";
import { gamedayDebrief } from "../../reports/postmortem.js";
import { Alerting, BurnRate, burnSignal, type AlertSignal } from "../../runner/gameday/alerts.js";
import { H, nightShift, play } from "./night-shift.js";

const S = 1e6;
const OPTIONS = { evaluateEveryUs: 60 * S, burnRate: 2, longWindowUs: 3_600 * S, shortWindowUs: 300 * S };

const signal = (rule: string, target: string, severity: "page" | "ticket" = "ticket"): AlertSignal => ({ rule, severity, target, detail: "" });

describe("the burn rate", () => {
  it("is the share of bad events in the window over the share the SLO allows", () => {
    // A 99% SLO allows 1 bad event in 100.
    const burn = new BurnRate(0.01, 3_600 * S);
    burn.sample(0, 0, 0);
    expect(burn.over(300 * S)).toBe(0);
    burn.sample(1_800 * S, 2, 100); // half an hour: 2 in 100, twice the allowance
    burn.sample(3_300 * S, 2, 200); // quiet
    burn.sample(3_600 * S, 8, 300); // last 5 minutes: 6 bad in 100
    expect(burn.over(3_600 * S)).toBeCloseTo(8 / 300 / 0.01, 9);
    expect(burn.over(300 * S)).toBeCloseTo(6, 9);
    // Over 30 minutes: from the sample at 30 minutes; over 40, from the one at 0 (the newest at or before its start).
    expect(burn.over(1_800 * S)).toBeCloseTo(6 / 200 / 0.01, 9);
    expect(burn.over(2_400 * S)).toBeCloseTo(8 / 300 / 0.01, 9);
  });

  it("pages only when both windows burn faster than the threshold", () => {
    const burn = new BurnRate(0.01, OPTIONS.longWindowUs);
    burn.sample(0, 0, 0);
    burn.sample(3_300 * S, 0, 1_000);
    burn.sample(3_600 * S, 5, 1_100); // short: 5 in 100 (5×); long: 5 in 1,100 (0.45×)
    expect(burnSignal(burn, OPTIONS, "cluster", "failures are")).toBeNull();
    burn.sample(3_900 * S, 30, 1_200); // short: 25 in 100 (25×); long (from 300 s … 3,900 s): 30 in 1,200 (2.5×)
    expect(burnSignal(burn, OPTIONS, "cluster", "failures are")).toMatchObject({ rule: "SloBurnRate", severity: "page", target: "cluster" });
  });
});

describe("alerting", () => {
  it("fires once per rule and target while it holds, resolves, reopens within the long window, and suppresses maintenance", () => {
    const alerting = new Alerting(OPTIONS);
    const none = () => false;
    expect(alerting.evaluate(60 * S, [signal("NodeDown", "r00n01"), signal("NodeDown", "r00n01")], none).fired).toHaveLength(1);
    expect(alerting.nextEvaluationUs).toBe(120 * S);
    expect(alerting.evaluate(120 * S, [signal("NodeDown", "r00n01"), signal("NodeDown", "r00n02")], none).fired.map((a) => a.target)).toEqual(["r00n02"]);
    const resolved = alerting.evaluate(180 * S, [signal("NodeDown", "r00n02")], none).resolved;
    expect(resolved.map((a) => [a.target, a.resolvedUs])).toEqual([["r00n01", 180 * S]]);
    // Back within the hour: the same alert, reopened, not a second page.
    const again = alerting.evaluate(240 * S, [signal("NodeDown", "r00n01"), signal("NodeDown", "r00n02")], none).fired;
    expect(again.map((a) => [a.target, a.firedUs, a.reopened])).toEqual([["r00n01", 60 * S, 1]]);
    expect(alerting.history).toHaveLength(2);
    alerting.evaluate(300 * S, [], none);
    // Back after more than the long window: a new alert.
    alerting.evaluate(300 * S + OPTIONS.longWindowUs, [], none);
    alerting.evaluate(360 * S + OPTIONS.longWindowUs, [signal("NodeDown", "r00n01")], none);
    expect(alerting.history).toHaveLength(3);
    // In maintenance: dropped, counted once while it lasts, and a firing alert resolves.
    const maintenance = (target: string) => target === "r00n01";
    expect(alerting.evaluate(420 * S + OPTIONS.longWindowUs, [signal("NodeDown", "r00n01")], maintenance).resolved).toHaveLength(1);
    alerting.evaluate(480 * S + OPTIONS.longWindowUs, [signal("NodeDown", "r00n01")], maintenance);
    expect(alerting.suppressed).toBe(1);
    expect(alerting.firing()).toEqual([]);
  });
});

describe("a cluster game day's alerts", () => {
  it("fire from what the simulation measures: a ticket for the hot node, a page for the rack, the SLO burning under the bad driver", async () => {
    const day = play(await nightShift(), []);
    const first = (rule: string) => day.alerts.find((alert) => alert.rule === rule);
    expect(first("GpuThrottled")).toMatchObject({ severity: "ticket", target: "r01n05", firedUs: 1 * H });
    expect(first("RackDown")).toMatchObject({ severity: "page", target: "r03", firedUs: 7 * H, resolvedUs: 10 * H });
    // The bad driver raises no alert of its own: its node shows as the jobs killed there.
    const driver = first("JobsFailingOnNode")!;
    expect(driver.target).toBe("r02n11");
    expect(driver.firedUs).toBeGreaterThan(3 * H);
    expect(first("SloBurnRate")?.severity).toBe("page");
    // One page for the whole rack, never one per node.
    expect(day.alerts.filter((alert) => alert.rule === "NodeDown" && alert.target.startsWith("r03"))).toEqual([]);
    // Time to fire, per incident, in the result and the debrief.
    expect(day.incidents.map((incident) => incident.alertedUs)).toEqual([1 * H, driver.firedUs, 7 * H]);
    const debrief = gamedayDebrief(day, "night");
    expect(debrief).toContain("| incident | began | alert fired after | detected after | mitigated after | points |");
    expect(debrief).toMatch(/\| day 0 07:00:00 \| page \| RackDown \| r03 \| 16 of 16 nodes down \| day 0 10:00:00 \|/);
    expect(debrief).toContain("An alert fired: does its runbook point at the fix?");
  });

  it("are suppressed on nodes the operator took out of service and in planned maintenance windows", async () => {
    // The hot node drained before it heats: no ticket; the first alert while it lasts is the bad driver's SLO page.
    const drained = play(await nightShift(), [[0.5, { kind: "drain", node: "r01n05" }]]);
    expect(drained.alerts.some((alert) => alert.rule === "GpuThrottled")).toBe(false);
    expect(drained.alertsSuppressed).toBeGreaterThan(0);
    expect(drained.incidents[0].alertedUs).toBe(drained.alerts.find((alert) => alert.rule === "SloBurnRate")!.firedUs);
    // A rack in a planned window loses power: no page until the window ends, then it pages.
    const planned = play(
      await nightShift((scenario) => ({ ...scenario, gameday: { ...scenario.gameday!, maintenance: [{ target: "r03", at: 6.5 * 3_600, duration: 2 * 3_600 }] } })),
      [],
    );
    expect(planned.alerts.find((alert) => alert.rule === "RackDown")?.firedUs).toBe(8.5 * H);
    expect(planned.alertsSuppressed).toBe(1);
  });

  it("count a repair of a node with nothing wrong as a false alarm", async () => {
    const day = play(await nightShift(), [[0.5, { kind: "repair", node: "r00n00" }], [0.6, { kind: "repair-rack", rack: "r00" }]]);
    expect(day.falseAlarms).toBe(2);
  });
});
