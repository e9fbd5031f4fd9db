import { TimeWeighted } from "../../sim/metrics.js";
import type { Sim } from "../../sim/sim.js";
import type { Cluster } from "../hardware/cluster.js";
import { ControlPlaneService } from "../services/control-plane.js";
import type { JobLifecycle, LifecycleHooks } from "./lifecycle.js";
import type { ClusterModelOptions } from "./options.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * The control-plane services a cluster depends on, with their HA: while the scheduler
 * controller is down no job starts (running jobs go on), and the first pass after it
 * returns starts the jobs its outage held back; while the boot service is down no node
 * that comes back joins (it waits, drained, for the service).
 */
export class ControlPlanePart implements ClusterPart, LifecycleHooks {
  readonly services: readonly ControlPlaneService[];
  /** 1 while any service is down. */
  readonly #down: TimeWeighted;
  readonly #cluster: Cluster;
  readonly #controller: ControlPlaneService | undefined;
  readonly #boot: ControlPlaneService | undefined;
  readonly #awaitingBoot: number[] = [];
  /** Jobs whose start a scheduler-controller outage held back. */
  #delayedByOutage = 0;
  #countingDelayed = false;

  constructor(sim: Sim, cluster: Cluster, roles: NonNullable<ClusterModelOptions["controlPlane"]>, lifecycle: JobLifecycle) {
    this.#cluster = cluster;
    this.#down = new TimeWeighted(sim.now, 0);
    const services: ControlPlaneService[] = [];
    let controller: ControlPlaneService | undefined;
    let boot: ControlPlaneService | undefined;
    for (const { role, service } of roles) {
      const instance = new ControlPlaneService(sim, service);
      services.push(instance);
      instance.onChange(() => {
        const anyDown = services.some((s) => !s.isUp);
        if ((anyDown ? 1 : 0) !== this.#down.value) this.#down.set(sim.now, anyDown ? 1 : 0);
      });
      if (role === "scheduler") {
        controller = instance;
        instance.onChange((isUp) => {
          if (!isUp) return;
          // The jobs that start in the first pass after the controller returns are the ones
          // the outage held back: they would have started earlier.
          this.#countingDelayed = true;
          lifecycle.passNow();
          this.#countingDelayed = false;
        });
      } else {
        boot = instance;
        instance.onChange((isUp) => this.#bootServiceChanged(isUp));
      }
    }
    this.services = services;
    this.#controller = controller;
    this.#boot = boot;
  }

  start(): void {
    for (const service of this.services) service.start();
  }

  mayStartJobs(): boolean {
    return this.#controller === undefined || this.#controller.isUp;
  }

  attemptStarted(): void {
    if (this.#countingDelayed) this.#delayedByOutage++;
  }

  /** Nodes that came back boot through the boot service: while it is down they wait. True when it took them. */
  holdRestored(nodes: readonly number[]): boolean {
    if (this.#boot === undefined || this.#boot.isUp) return false;
    for (const node of nodes) {
      this.#cluster.drain(node);
      this.#awaitingBoot.push(node);
    }
    return true;
  }

  /** The boot service is back: nodes that waited for it join. */
  #bootServiceChanged(isUp: boolean): void {
    if (!isUp) return;
    const waiting = this.#awaitingBoot.splice(0);
    for (const node of waiting) if (this.#cluster.isDrained(node)) this.#cluster.undrain(node);
  }

  service(name: string): ControlPlaneService | undefined {
    return this.services.find((candidate) => candidate.name === name);
  }

  /** What the redundant units cost up to `endUs`. */
  cost(endUs: number): number {
    return this.services.reduce((sum, service) => sum + service.cost(endUs), 0);
  }

  addMetrics(metrics: RunMetricsDraft, endUs: number): void {
    metrics.control_plane_availability = 1 - this.#down.areaUs(endUs) / Math.max(1, endUs);
    metrics.downtime_min = this.#down.areaUs(endUs) / 60e6;
    if (this.#controller !== undefined) metrics.jobs_delayed_by_outages = this.#delayedByOutage;
    const standby = this.services.filter((service) => service.hasStandby);
    if (standby.length > 0) metrics.failovers = standby.reduce((sum, service) => sum + service.failoverCount, 0);
    const splittable = this.services.filter((service) => service.canSplitBrain);
    if (splittable.length > 0) metrics.split_brain_s = splittable.reduce((sum, service) => sum + service.splitBrainS(endUs), 0);
  }
}
