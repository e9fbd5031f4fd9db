import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  NO_CHECKPOINT,
  attemptDurationUs,
  checkpointsNeeded,
  interruptAttempt,
  type CheckpointPlan,
} from "../../models/strategies/checkpoint.js";

const H = 3_600_000_000;
const MIN = 60_000_000;
const hourly: CheckpointPlan = { policy: "fixed", intervalUs: H, costUs: 6 * MIN, restartUs: 12 * MIN };

describe("checkpoint timeline", () => {
  it("writes a checkpoint after every full interval but the last", () => {
    expect(checkpointsNeeded(hourly, 3 * H)).toBe(2); // τ C τ C τ
    expect(checkpointsNeeded(hourly, 3 * H + 1)).toBe(3);
    expect(checkpointsNeeded(hourly, H / 2)).toBe(0);
    expect(checkpointsNeeded(NO_CHECKPOINT, 100 * H)).toBe(0);
  });

  it("adds checkpoints and a restart to the work", () => {
    expect(attemptDurationUs(hourly, 3 * H, false)).toBe(3 * H + 12 * MIN);
    expect(attemptDurationUs(hourly, 3 * H, true)).toBe(3 * H + 24 * MIN);
    expect(attemptDurationUs(NO_CHECKPOINT, 3 * H, true)).toBe(3 * H);
  });

  it("an interruption during compute loses the compute since the last checkpoint", () => {
    // Fresh start: τ(0–60) C(60–66) τ(66–126) C(126–132); interrupted at 100 min.
    expect(interruptAttempt(hourly, 5 * H, false, 100 * MIN)).toEqual({
      committedUs: H,
      lostComputeUs: 34 * MIN,
      overheadUs: 6 * MIN,
      checkpointsCompleted: 1,
      checkpointCut: false,
    });
  });

  it("an interruption while writing a checkpoint loses that interval and cuts the checkpoint", () => {
    // Resumed: restart(0–12) τ(12–72) C(72–78); interrupted at 75 min, 3 min into C.
    expect(interruptAttempt(hourly, 5 * H, true, 75 * MIN)).toEqual({
      committedUs: 0,
      lostComputeUs: H,
      overheadUs: 12 * MIN + 3 * MIN,
      checkpointsCompleted: 0,
      checkpointCut: true,
    });
  });

  it("an interruption during the restart loses no compute", () => {
    expect(interruptAttempt(hourly, 5 * H, true, 5 * MIN)).toEqual({
      committedUs: 0,
      lostComputeUs: 0,
      overheadUs: 5 * MIN,
      checkpointsCompleted: 0,
      checkpointCut: false,
    });
  });

  it("without checkpoints everything computed is lost", () => {
    expect(interruptAttempt(NO_CHECKPOINT, 5 * H, false, 2 * H).lostComputeUs).toBe(2 * H);
  });

  it("splits any elapsed time exactly into committed, lost and overhead (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (intervalMin, costMin, restartMin, remainingMin, resumed, fraction) => {
          const plan: CheckpointPlan = {
            policy: "fixed",
            intervalUs: intervalMin * MIN,
            costUs: costMin * MIN,
            restartUs: restartMin * MIN,
          };
          const remainingUs = remainingMin * MIN;
          const durationUs = attemptDurationUs(plan, remainingUs, resumed);
          const elapsedUs = Math.floor(fraction * durationUs);
          const outcome = interruptAttempt(plan, remainingUs, resumed, elapsedUs);
          expect(outcome.committedUs + outcome.lostComputeUs + outcome.overheadUs).toBe(elapsedUs);
          expect(outcome.committedUs).toBeLessThan(remainingUs);
          expect(outcome.committedUs % plan.intervalUs).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
