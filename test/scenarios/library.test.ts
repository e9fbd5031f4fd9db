import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundledScenarioDir, loadScenario } from "../../scenarios/library.js";
import { prepareScenario } from "../../scenarios/prepare.js";
import { runScenario } from "../../runner/run.js";

/**
 * The bundled scenarios, each run with few replications, and the qualitative outcome its
 * question expects asserted (the full runs are `faultline run <name>`).
 */
async function run(name: string, replications: number) {
  const loaded = await loadScenario(name);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const prepared = prepareScenario(loaded.value, join(bundledScenarioDir(), `${name}.yaml`));
  const results = runScenario(prepared, { seed: loaded.value.seed, replications, faultlineVersion: "test" });
  const mean = (strategy: string, metric: string): number => {
    const summary = results.summary.strategies.find((s) => s.name === strategy)!;
    return (summary.metrics as Record<string, { mean: number } | null>)[metric]?.mean ?? NaN;
  };
  return { results, mean };
}

describe("bundled scenarios answer their questions", () => {
  it("quickstart: hourly checkpoints lose far less work than none", async () => {
    const { mean } = await run("quickstart", 3);
    expect(mean("fixed-1h", "lost_work_gpu_h")).toBeLessThan(0.5 * mean("no-checkpoint", "lost_work_gpu_h"));
    expect(mean("fixed-1h", "checkpoint_overhead_gpu_h")).toBeGreaterThan(0);
  });

  it("replica-cascade: the hang outlives itself without mitigation; backoff, breaker and budget settle it", async () => {
    const { mean } = await run("replica-cascade", 2);
    const none = mean("no-mitigation", "service_goodput_ratio");
    const mitigated = mean("backoff-breaker-budget", "service_goodput_ratio");
    expect(none).toBeLessThan(0.75); // the cascade runs on long after the 20 s hang
    expect(mitigated).toBeGreaterThan(0.85);
    expect(mean("no-mitigation", "service_ejections")).toBeGreaterThan(10 * mean("backoff-breaker-budget", "service_ejections"));
    // Backoff alone only delays the retries: still a cascade.
    expect(mean("backoff-only", "service_goodput_ratio")).toBeLessThan(0.75);
  });

  it("memory-leak-service: restarting early fails fewer requests than waiting for the OOM killer", async () => {
    const { mean } = await run("memory-leak-service", 2);
    expect(mean("liveness-only", "service_oom_kills")).toBeGreaterThan(0);
    expect(mean("early-restart", "service_oom_kills")).toBe(0);
    expect(mean("early-restart", "service_error_rate")).toBeLessThan(mean("liveness-only", "service_error_rate"));
  });

  it("driver-mismatch-rollout: a canary then waves fails fewer jobs than big-bang", async () => {
    const { mean } = await run("driver-mismatch-rollout", 8);
    expect(mean("big-bang", "jobs_failed")).toBeGreaterThan(0);
    expect(mean("canary-then-waves", "jobs_failed")).toBeLessThan(mean("big-bang", "jobs_failed"));
    expect(mean("canary-then-waves", "jobs_submitted")).toBe(mean("big-bang", "jobs_submitted"));
  });

  it("control-plane-ha: redundancy buys availability and costs money", async () => {
    const { mean } = await run("control-plane-ha", 4);
    const availability = (name: string) => mean(name, "control_plane_availability");
    expect(availability("fast-restart")).toBeGreaterThan(availability("cold-restart"));
    expect(availability("quorum-3")).toBeGreaterThan(availability("fast-restart"));
    expect(availability("active-passive")).toBeGreaterThan(availability("quorum-3"));
    expect(mean("cold-restart", "jobs_delayed_by_outages")).toBeGreaterThan(mean("active-passive", "jobs_delayed_by_outages"));
    // Two services × units × $0.5 an hour × 720 h.
    expect(mean("cold-restart", "cost_total")).toBeCloseTo(720, 6);
    expect(mean("active-passive", "cost_total")).toBeCloseTo(1440, 6);
    expect(mean("quorum-3", "cost_total")).toBeCloseTo(2160, 6);
  });

  it("llm-training-64gpu: topology-aware placement eases the all-reduce; a burst buffer cuts checkpoint overhead", async () => {
    const { mean } = await run("llm-training-64gpu", 2);
    // Rings inside a rack: less waiting on congested uplinks, so the same work holds GPUs for less time.
    expect(mean("topology-filesystem", "fabric_p99_latency_us")).toBeLessThan(mean("first-fit-filesystem", "fabric_p99_latency_us"));
    expect(mean("topology-filesystem", "gpu_utilization")).toBeLessThan(mean("first-fit-filesystem", "gpu_utilization"));
    expect(mean("topology-burst-buffer", "checkpoint_overhead_gpu_h")).toBeLessThan(
      0.2 * mean("topology-filesystem", "checkpoint_overhead_gpu_h"),
    );
  });

  it("spot-checkpoint-cadence: spot with frequent or on-notice checkpoints costs 40% less per job at the same throughput", async () => {
    const { mean } = await run("spot-checkpoint-cadence", 2);
    const onDemand = mean("all-on-demand", "cost_per_completed_job");
    for (const name of ["spot-every-30m", "spot-on-notice"]) {
      expect(mean(name, "cost_per_completed_job"), name).toBeLessThan(0.6 * onDemand);
      expect(mean(name, "jobs_completed"), name).toBeGreaterThan(0.97 * mean("all-on-demand", "jobs_completed"));
    }
    // Without checkpoints, reclaims lose the work: throughput falls, and so does the saving.
    expect(mean("spot-no-checkpoint", "jobs_completed")).toBeLessThan(0.8 * mean("all-on-demand", "jobs_completed"));
    expect(mean("spot-no-checkpoint", "lost_work_gpu_h")).toBeGreaterThan(10 * mean("spot-on-notice", "lost_work_gpu_h"));
  });

  it("thermal-noisy-neighbor: spreading jobs over racks throttles far fewer GPUs than packing them", async () => {
    const { mean } = await run("thermal-noisy-neighbor", 2);
    // Same jobs, same load: only where they sit differs.
    expect(mean("spread", "jobs_completed")).toBeGreaterThan(0.99 * mean("first-fit", "jobs_completed"));
    expect(mean("spread", "throttled_node_h")).toBeLessThan(0.5 * mean("first-fit", "throttled_node_h"));
    expect(mean("spread", "degraded_gpu_h")).toBeLessThan(mean("first-fit", "degraded_gpu_h"));
    // Topology-aware also packs (best-fit racks): it throttles nearly as much as first-fit.
    expect(mean("topology", "throttled_node_h")).toBeGreaterThan(2 * mean("spread", "throttled_node_h"));
  });

  it("parameter-sweep-burst: start-ups queue at the metadata server; bundling cuts their cost and slows solutions", async () => {
    const { mean } = await run("parameter-sweep-burst", 2);
    // Alone a task starts in 3.2 s (8 processes × 400 ops at 1,000 ops/s); in the sweep's
    // crowd it waits many times that.
    const startupSPerTask = (mean("job-array", "startup_overhead_gpu_h") * 3_600) / 4 / mean("job-array", "jobs_completed");
    expect(startupSPerTask).toBeGreaterThan(5 * 3.2);
    expect(mean("bundles-of-10", "startup_overhead_gpu_h")).toBeLessThan(mean("job-array", "startup_overhead_gpu_h") / 20);
    expect(mean("bundles-of-10", "time_to_solution_p50_h")).toBeGreaterThan(2 * mean("job-array", "time_to_solution_p50_h"));
  });

  it("silent-degradation-quarantine: quarantining degrading nodes pays for the capacity it removes", async () => {
    const { mean } = await run("silent-degradation-quarantine", 2);
    // Without a policy, degrading nodes straggle every job placed on them, then crash.
    expect(mean("no-quarantine", "slowdown_degraded_gpu_h")).toBeGreaterThan(20 * mean("quarantine-at-20", "slowdown_degraded_gpu_h"));
    expect(mean("no-quarantine", "jobs_failed")).toBeGreaterThan(0);
    expect(mean("quarantine-at-20", "goodput")).toBeGreaterThan(mean("no-quarantine", "goodput") + 0.1);
    expect(mean("quarantine-at-20", "jobs_completed")).toBeGreaterThan(1.3 * mean("no-quarantine", "jobs_completed"));
    // An eager threshold removes more of the slowness but hardly changes the outcome.
    expect(mean("quarantine-at-5", "slowdown_degraded_gpu_h")).toBeLessThanOrEqual(mean("quarantine-at-20", "slowdown_degraded_gpu_h"));
    expect(Math.abs(mean("quarantine-at-5", "goodput") - mean("quarantine-at-20", "goodput"))).toBeLessThan(0.02);
  });

  it("checkpoint-wrong-mtbf: a 4× wrong MTBF wastes more on Daly's interval; adaptive learns the MTBF back", async () => {
    const { mean } = await run("checkpoint-wrong-mtbf", 2);
    const waste = (strategy: string) => mean(strategy, "lost_work_gpu_h") + mean(strategy, "checkpoint_overhead_gpu_h");
    // Too high an MTBF: intervals too long, more lost work; too low: more checkpoints.
    expect(mean("daly-mtbf-4x-high", "lost_work_gpu_h")).toBeGreaterThan(mean("daly-true-mtbf", "lost_work_gpu_h"));
    expect(mean("daly-mtbf-4x-low", "checkpoint_overhead_gpu_h")).toBeGreaterThan(1.5 * mean("daly-true-mtbf", "checkpoint_overhead_gpu_h"));
    // A 4× error puts the interval 2× off; to first order the waste grows by (2 + 1/2)/2 = 1.25.
    for (const wrong of ["daly-mtbf-4x-high", "daly-mtbf-4x-low"]) {
      expect(waste(wrong) / waste("daly-true-mtbf")).toBeGreaterThan(1.05);
      expect(waste(wrong) / waste("daly-true-mtbf")).toBeLessThan(1.5);
    }
    // Starting from the 4× too high figure, the adaptive policy ends within 5% of the truth.
    expect(Math.abs(waste("adaptive-from-4x-high") / waste("daly-true-mtbf") - 1)).toBeLessThan(0.05);
  });

  it("alibaba-gpu-sharing: fragmentation-aware placement fills the Alibaba cluster furthest, as the FGD paper found", async () => {
    const { mean } = await run("alibaba-gpu-sharing", 2);
    // The paper (ATC '23, 130% arrived): FGD 95.4% of GPUs allocated, best-fit 93.1%.
    expect(mean("fgd", "gpu_allocation_end")).toBeGreaterThan(mean("best-fit", "gpu_allocation_end"));
    expect(mean("fgd", "gpu_fragmentation")).toBeLessThan(mean("best-fit", "gpu_fragmentation"));
    for (const strategy of ["first-fit", "best-fit", "fgd"]) {
      // Filled to 1.3× its GPUs, the cluster is full but for what fragmentation leaves.
      expect(mean(strategy, "gpu_allocation_end")).toBeGreaterThan(0.92);
      expect(mean(strategy, "gpu_allocation_end")).toBeLessThan(0.97);
      expect(mean(strategy, "jobs_unschedulable")).toBe(0);
    }
  });

  it("mixed-gpu-pools: placing on the fastest GPUs first cuts time to solution against model-blind first-fit", async () => {
    const { mean } = await run("mixed-gpu-pools", 2);
    expect(mean("fastest", "time_to_solution_p90_h")).toBeLessThan(0.8 * mean("first-fit", "time_to_solution_p90_h"));
    // First-fit fills the A100 racks first: twice the model slowdown.
    expect(mean("first-fit", "slowdown_gpu_model_gpu_h")).toBeGreaterThan(1.5 * mean("fastest", "slowdown_gpu_model_gpu_h"));
    expect(mean("fastest", "jobs_completed")).toBeGreaterThanOrEqual(mean("first-fit", "jobs_completed"));
  });

  it("trace-replay-kth: backfilling cuts the real KTH trace's waits against FCFS", async () => {
    const { mean } = await run("trace-replay-kth", 1);
    expect(mean("easy", "queue_wait_p90_h")).toBeLessThan(0.2 * mean("fcfs", "queue_wait_p90_h"));
    expect(mean("conservative", "bounded_slowdown_mean")).toBeLessThan(0.1 * mean("fcfs", "bounded_slowdown_mean"));
  });

  it("lanl-failure-replay: on the real log's burn-in months, hourly checkpoints lose least; Daly from the long-run MTBF loses more, adaptive learns", async () => {
    const { mean } = await run("lanl-failure-replay", 2);
    const lost = (strategy: string) => mean(strategy, "lost_work_gpu_h");
    // Without checkpoints long jobs restart from scratch again and again: far more lost than run.
    expect(lost("no-checkpoint")).toBeGreaterThan(10 * lost("fixed-1h"));
    expect(mean("no-checkpoint", "jobs_completed")).toBeLessThan(mean("fixed-1h", "jobs_completed"));
    // The log's first months fail ~4× the long-run rate: Daly's interval from 35 d is too long.
    expect(lost("daly-assumed-35d")).toBeGreaterThan(1.5 * lost("fixed-1h"));
    expect(mean("daly-assumed-35d", "checkpoint_overhead_gpu_h")).toBeLessThan(mean("fixed-1h", "checkpoint_overhead_gpu_h"));
    // Learning the MTBF from the crashes it sees, adaptive shortens the interval and loses less.
    expect(lost("adaptive")).toBeLessThan(0.8 * lost("daly-assumed-35d"));
  });

  it("rack-power-placement: packing jobs into the fewest racks loses least work to rack outages; spreading them most", async () => {
    const { mean } = await run("rack-power-placement", 2);
    const lost = (strategy: string) => mean(strategy, "lost_work_gpu_h");
    expect(lost("topology")).toBeLessThan(0.7 * lost("first-fit"));
    expect(lost("spread")).toBeGreaterThan(1.5 * lost("first-fit"));
    expect(lost("spread")).toBeGreaterThan(3 * lost("topology"));
    // Same jobs, same outages: placement changes what each outage hits, not how much runs.
    expect(mean("topology", "jobs_completed")).toBeGreaterThanOrEqual(mean("spread", "jobs_completed") - 1);
  });

  it("weibull-checkpoint: under infant-mortality crashes Young and Daly beat hourly checkpoints; incremental ones waste least", async () => {
    const { mean } = await run("weibull-checkpoint", 2);
    const waste = (strategy: string) => mean(strategy, "lost_work_gpu_h") + mean(strategy, "checkpoint_overhead_gpu_h");
    // Hourly loses least work but writes so often it wastes most.
    expect(mean("fixed-1h", "lost_work_gpu_h")).toBeLessThan(mean("daly", "lost_work_gpu_h"));
    expect(waste("fixed-1h")).toBeGreaterThan(1.15 * waste("daly"));
    // Young and Daly differ in second-order terms only.
    expect(Math.abs(waste("young") / waste("daly") - 1)).toBeLessThan(0.1);
    // Increments writing a fifth of the state halve the overhead at Daly's interval.
    expect(mean("daly-incremental", "checkpoint_overhead_gpu_h")).toBeLessThan(0.7 * mean("daly", "checkpoint_overhead_gpu_h"));
    expect(waste("daly-incremental")).toBeLessThan(waste("daly"));
  });

  it("corrupt-checkpoint: 1 in 10 corrupt checkpoints costs fallbacks, yet Daly's interval still wastes least", async () => {
    const { mean } = await run("corrupt-checkpoint", 2);
    const waste = (strategy: string) => mean(strategy, "lost_work_gpu_h") + mean(strategy, "checkpoint_overhead_gpu_h");
    expect(mean("daly-clean", "checkpoint_fallbacks")).toBeNaN(); // null: corruption not modelled
    for (const strategy of ["daly-corrupt", "hourly-corrupt", "every-4h-corrupt"]) expect(mean(strategy, "checkpoint_fallbacks")).toBeGreaterThan(0);
    // Same crashes, same intervals: the fallbacks are the extra lost work, a step back of
    // p/(1 − p) ≈ 0.11 intervals per failure on average: some, not most, of it.
    const extraLost = mean("daly-corrupt", "lost_work_gpu_h") - mean("daly-clean", "lost_work_gpu_h");
    expect(extraLost).toBeGreaterThan(0);
    expect(extraLost).toBeLessThan(0.4 * mean("daly-clean", "lost_work_gpu_h"));
    // Corruption moves the optimum by √((1 − p)/(1 + p)) ≈ 0.9 only: hourly writes twice as
    // often and wastes more, and so does 4-hourly the other way.
    expect(waste("hourly-corrupt")).toBeGreaterThan(1.1 * waste("daly-corrupt"));
    expect(waste("every-4h-corrupt")).toBeGreaterThan(1.1 * waste("daly-corrupt"));
  });

  it("certificate-expiry-ha: redundancy removes unit-failure downtime but not the 4 h of an expired certificate", async () => {
    const { mean } = await run("certificate-expiry-ha", 2);
    const down = (strategy: string) => mean(strategy, "downtime_min");
    for (const strategy of ["single-unit", "active-passive", "quorum-3", "quorum-5"]) {
      expect(down(strategy)).toBeGreaterThanOrEqual(240); // the expiry stops every unit at once
    }
    expect(down("single-unit")).toBeGreaterThan(3 * down("active-passive"));
    expect(down("quorum-5")).toBeLessThan(245); // all that is left is the expiry
    expect(mean("quorum-5", "jobs_delayed_by_outages")).toBeGreaterThan(0);
    expect(mean("quorum-5", "cost_total")).toBeGreaterThan(2 * mean("active-passive", "cost_total"));
  });

  it("metadata-storm: checkpoints to the filesystem time out behind the storms; a burst buffer shields them", async () => {
    const { mean } = await run("metadata-storm", 2);
    expect(mean("to-filesystem", "checkpoint_success_rate")).toBeLessThan(0.995);
    expect(mean("to-burst-buffer", "checkpoint_success_rate")).toBe(1);
    expect(mean("to-filesystem", "checkpoint_overhead_gpu_h")).toBeGreaterThan(5 * mean("to-burst-buffer", "checkpoint_overhead_gpu_h"));
    expect(mean("to-filesystem", "slowdown_storage_gpu_h")).toBeGreaterThan(2 * mean("to-burst-buffer", "slowdown_storage_gpu_h"));
  });

  it("slow-replica-shedding: shedding at a queue of 20 cuts p99 latency and errors; at 5 it sheds healthy replicas' bursts too", async () => {
    const { mean } = await run("slow-replica-shedding", 2);
    const p99 = (strategy: string) => mean(strategy, "service_latency_p99_ms");
    const errors = (strategy: string) => mean(strategy, "service_error_rate");
    // Without shedding, requests wait in the slow replica's queue until their clients time out.
    expect(p99("no-shedding")).toBeGreaterThan(500);
    expect(p99("shed-at-20")).toBeLessThan(0.7 * p99("no-shedding"));
    expect(errors("shed-at-20")).toBeLessThan(0.5 * errors("no-shedding"));
    // Too short a queue: lowest latency, but requests are refused more often than they retry.
    expect(p99("shed-at-5")).toBeLessThan(p99("shed-at-20"));
    expect(errors("shed-at-5")).toBeGreaterThan(errors("no-shedding"));
  });

  it("two-tier-cascade: retries turn a 5× back-tier slowdown into an outage of both tiers; a retry budget keeps most requests succeeding", async () => {
    const { mean } = await run("two-tier-cascade", 2);
    const goodput = (strategy: string) => mean(strategy, "service_goodput_ratio");
    // Unlimited retries: both tiers saturated for the 10 minutes (of 15), almost nothing succeeds.
    expect(goodput("unlimited-retries")).toBeLessThan(0.45);
    expect(mean("unlimited-retries", "service_utilization")).toBeGreaterThan(0.6);
    expect(mean("unlimited-retries", "backend_utilization")).toBeGreaterThan(0.6);
    expect(mean("unlimited-retries", "retry_amplification")).toBeGreaterThan(1.8);
    // A budget of 0.1 retries per request at both hops keeps the back tier below saturation.
    expect(goodput("retry-budget")).toBeGreaterThan(0.8);
    expect(mean("retry-budget", "retry_amplification")).toBeLessThan(1.2);
    expect(mean("retry-budget", "service_utilization")).toBeLessThan(0.5 * mean("unlimited-retries", "service_utilization"));
    // A breaker alone stops the overload too (the back tier idles) but by failing most requests fast.
    expect(mean("breaker", "backend_utilization")).toBeLessThan(0.3);
    expect(goodput("breaker")).toBeLessThan(goodput("retry-budget") - 0.3);
  });

  it("fair-share-big-user: fair share makes the big user wait about three times as long as the rest, where FIFO waits alike; a shorter half-life softens it only a little", async () => {
    const { mean } = await run("fair-share-big-user", 4);
    const big = (strategy: string) => mean(strategy, "queue_wait_mean_big_user_h");
    const others = (strategy: string) => mean(strategy, "queue_wait_mean_other_users_h");
    const ratio = (strategy: string) => big(strategy) / others(strategy);
    // FIFO: who submits a job does not change its wait.
    expect(ratio("fifo")).toBeGreaterThan(0.75);
    expect(ratio("fifo")).toBeLessThan(1.33);
    // Fair share at Slurm's 7-day half-life: the big user waits longer than under FIFO, the rest shorter…
    expect(ratio("fair-share-7d")).toBeGreaterThan(2);
    expect(big("fair-share-7d")).toBeGreaterThan(big("fifo"));
    expect(others("fair-share-7d")).toBeLessThan(others("fifo"));
    // …moving waits between users rather than adding any: the mean wait over all jobs stays within 10%.
    expect(Math.abs(mean("fair-share-7d", "queue_wait_mean_h") / mean("fifo", "queue_wait_mean_h") - 1)).toBeLessThan(0.1);
    // A shorter half-life forgets usage sooner, but the big user is over its share at any time scale.
    expect(ratio("fair-share-6h")).toBeLessThan(ratio("fair-share-7d"));
    expect(ratio("fair-share-1h")).toBeLessThan(0.8 * ratio("fair-share-7d"));
    expect(ratio("fair-share-1h")).toBeGreaterThan(1.5);
  });

  it("traffic-spike: no mitigation keeps the SLO through a 5× spike; shedding serves up to capacity and fails fast, a breaker serves less than nothing", async () => {
    const { mean } = await run("traffic-spike", 2);
    const spike = (strategy: string) => mean(strategy, "service_spike_goodput_ratio");
    // Capacity bound: 4 replicas × 100/s against 1,000/s, so at most 40% of the spike's
    // requests succeed, plus the few still queued when it ends (≤ 4 × 101 of 20,000: 2%).
    for (const strategy of ["no-mitigation", "shed-at-10", "breaker"]) {
      expect(spike(strategy)).toBeLessThan(0.42);
      expect(mean(strategy, "slo_error_budget_used")).toBeGreaterThan(100); // the 99.9% SLO is gone
    }
    // Shedding comes within 5% of the bound; without it, queued requests outwait their clients.
    expect(spike("shed-at-10")).toBeGreaterThan(0.38);
    expect(spike("shed-at-10")).toBeGreaterThan(1.5 * spike("no-mitigation"));
    expect(mean("shed-at-10", "service_latency_p99_ms")).toBeLessThan(0.2 * mean("no-mitigation", "service_latency_p99_ms"));
    // The breaker fails requests the replicas could have served.
    expect(spike("breaker")).toBeLessThan(spike("no-mitigation"));
  });

  it("leaf-uplinks-cut: an islanded rack fails jobs whose rings leave it; spreading loses most, packing least", async () => {
    const { mean } = await run("leaf-uplinks-cut", 2);
    const failed = (strategy: string) => mean(strategy, "jobs_failed");
    for (const strategy of ["first-fit", "spread", "topology"]) expect(failed(strategy)).toBeGreaterThan(0);
    expect(failed("spread")).toBeGreaterThan(2 * failed("topology"));
    expect(failed("spread")).toBeGreaterThan(1.5 * failed("first-fit"));
    expect(mean("topology", "goodput")).toBeGreaterThan(mean("spread", "goodput") + 0.1);
  });

  it("allreduce-ring-vs-tree: a tree all-reduce cuts latency-bound jobs' fabric slowdown on both fabrics; the fat-tree slows them less than the dragonfly", async () => {
    const { mean } = await run("allreduce-ring-vs-tree", 2);
    const slowdown = (strategy: string) => mean(strategy, "slowdown_fabric_gpu_h");
    for (const fabric of ["fat-tree", "dragonfly"]) {
      expect(slowdown(`${fabric}-ring`)).toBeGreaterThan(0);
      // 8 ranks, 64 KB: 6 steps of α + n/B against 14 of α (closed forms); contention narrows it.
      expect(slowdown(`${fabric}-tree`)).toBeLessThan(0.75 * slowdown(`${fabric}-ring`));
    }
    // Jobs straddling groups share the dragonfly's few global cables; a cross-group hop also
    // passes more switches (up, local, global, local, down).
    expect(slowdown("fat-tree-tree")).toBeLessThan(slowdown("dragonfly-tree"));
    expect(mean("dragonfly-ring", "fabric_p99_latency_us")).toBeGreaterThan(mean("fat-tree-ring", "fabric_p99_latency_us"));
  });

  it("partition-split-brain: an active-passive pair runs split-brained for each partition; a quorum never does and re-elects in milliseconds", async () => {
    const { mean } = await run("partition-split-brain", 1);
    // Two 1-hour partitions, less the 15 s of missed heartbeats and the 15 s takeover each.
    expect(mean("active-passive", "split_brain_s")).toBeGreaterThan(118 * 60);
    expect(mean("active-passive", "split_brain_s")).toBeLessThan(120 * 60);
    expect(mean("active-passive", "downtime_min")).toBe(0); // a split brain counts as up
    for (const strategy of ["quorum-3", "quorum-5"]) {
      expect(mean(strategy, "split_brain_s")).toBeNaN(); // a quorum cannot split: not exercised
      expect(mean(strategy, "downtime_min")).toBeGreaterThan(0); // one election per partition
      expect(mean(strategy, "downtime_min")).toBeLessThan(0.1);
    }
  });

  it("daily-load-cycle: the afternoon peak makes jobs wait half as long again as an even day; backfilling cuts waits either way but does not absorb the peak", async () => {
    const cycle = await run("daily-load-cycle", 4);
    // The same jobs at the same mean rate, spread evenly over the day.
    const loaded = await loadScenario("daily-load-cycle");
    if (!loaded.ok || !("cluster" in loaded.value)) throw new Error("a cluster scenario");
    const flatScenario = { ...loaded.value, workload: { ...loaded.value.workload, generator: { ...loaded.value.workload.generator!, diurnal: undefined } } };
    const flat = runScenario(prepareScenario(flatScenario, join(bundledScenarioDir(), "daily-load-cycle.yaml")), {
      seed: loaded.value.seed,
      replications: 4,
      faultlineVersion: "test",
    });
    const flatMean = (strategy: string) =>
      (flat.summary.strategies.find((s) => s.name === strategy)!.metrics as Record<string, { mean: number } | null>).queue_wait_mean_h!.mean;
    const wait = (strategy: string) => cycle.mean(strategy, "queue_wait_mean_h");
    for (const strategy of ["fifo", "easy-backfill"]) expect(wait(strategy)).toBeGreaterThan(1.25 * flatMean(strategy));
    expect(wait("easy-backfill")).toBeLessThan(0.85 * wait("fifo"));
    expect(flatMean("easy-backfill")).toBeLessThan(0.85 * flatMean("fifo"));
  });

  it("qos-preemption: a QOS priority cuts urgent jobs' waits; preemption cuts them further at a small cost in re-run work", async () => {
    const { mean } = await run("qos-preemption", 2);
    const urgent = (strategy: string) => mean(strategy, "queue_wait_p90_priority_h");
    expect(urgent("qos-priority")).toBeLessThan(0.5 * urgent("no-priority"));
    expect(urgent("qos-preemption")).toBeLessThan(0.5 * urgent("qos-priority"));
    // Preempted jobs re-run the work since their last checkpoint: more GPU-hours held.
    expect(mean("qos-preemption", "busy_gpu_h")).toBeGreaterThan(mean("qos-priority", "busy_gpu_h"));
    // A preempted job handed back to the queue still counts as one that started.
    expect(mean("qos-preemption", "scheduler_success_rate")).toBeLessThanOrEqual(1);
  });
});
