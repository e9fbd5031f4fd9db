import { assert } from "../../sim/assert.js";
import type { DistributionSpec } from "../../sim/distribution.js";
import { sample } from "../../sim/distribution.js";
import type { RngStream } from "../../sim/rng.js";
import type { Sim } from "../../sim/sim.js";
import { secondsToUs } from "../../sim/time.js";
import type { Cluster } from "../hardware/cluster.js";
import type { FailureWiring } from "../cluster/part.js";

/**
 * Correlated failures: a rack, or a power domain of several racks, loses power and every
 * node in it goes down at once; after one repair (of the PDU, the breaker, the feed) they
 * come back together. Each domain is an alternating renewal process: powered for a time
 * drawn from `timeToFailureS`, then dark for a time drawn from `repairS`, then powered
 * again. Time to failure counts from the end of the last repair (a dark rack cannot lose
 * power again), so over a long horizon H a domain sees about H / (MTBF + mean repair)
 * events.
 *
 * Each domain draws from its own stream, `failures.rack-power.r03` (racksPerDomain 1) or
 * `failures.power-domain.d01`, and draws the same sequence whatever runs on it or whatever
 * else failed, so every strategy sees the same outages. `failRack` and `failDomain` inject
 * one outage by hand (`--inject rack-power@…`) and draw nothing.
 *
 * Sharing nodes with other injectors: the cluster keeps one up/down bit per node, not the
 * causes. An outage takes down only the nodes that are up when it starts (a node already
 * down for another cause stays down and is not in the outage), and its repair restores only
 * the nodes it took down and that are still down. A node another injector holds comes back
 * when that injector says, even while its rack is still dark.
 *
 * Records, in order: `RackPowerLost` / `PowerDomainLost` (target, racks, the nodes taken
 * down, repairUs), then one `NodeCrashed` per node (cause "rack-power" or "power-domain", so
 * the failure timeline and the state checkers see every node go); at the repair,
 * `NodeRestored` per node, then `RackPowerRestored` / `PowerDomainRestored` with the nodes
 * restored.
 *
 * Leaves out: partial outages (one PDU of two), cooling (thermal*.ts), a repair crew shared
 * between domains, and outages that take down switches rather than nodes.
 *
 * Source: B. Schroeder, G. A. Gibson, "A large-scale study of failures in high-performance
 * computing systems", DSN 2006: facilities (power, cooling) are 1.5 % of LANL failures but
 * take many nodes at once; the rack as the unit of a power outage follows the usual
 * one-PDU-pair-per-rack layout.
 */
export interface CorrelatedFailureOptions {
  /** Racks that share one power feed; 1: each rack fails alone. The last domain may be smaller. */
  readonly racksPerDomain: number;
  /** Time from a domain's repair (or the start) to its next power loss, seconds (mean = MTBF of the domain). */
  readonly timeToFailureS: DistributionSpec;
  /** Time to bring a dark domain back, seconds (typically lognormal: `{ kind: "lognormal", median, sigma }`). */
  readonly repairS: DistributionSpec;
}

/** One power outage and the nodes it holds down. */
interface Outage {
  readonly id: number;
  /** Domain index for a drawn outage; -1 for one injected by hand. */
  readonly domain: number;
  readonly rackLevel: boolean;
  readonly target: string;
  readonly nodes: readonly number[];
}

const NO_OUTAGE = -1;


export class CorrelatedFailureInjector {
  readonly #sim: Sim;
  readonly #cluster: Cluster;
  readonly #options: CorrelatedFailureOptions;
  readonly #streams: RngStream[] = [];
  /** The outage of ours holding each node down, or NO_OUTAGE. */
  readonly #outageOfNode: Int32Array;
  readonly #onFailure = (domain: number): void => this.#failDrawn(domain);
  readonly #onRepaired = (outage: Outage): void => this.#repair(outage);
  #nextOutageId = 0;
  #started = false;
  /** Power losses so far, drawn or by hand (including those that found every node down). */
  outageCount = 0;
  /** Node crashes those power losses caused. */
  nodeCrashCount = 0;

  constructor(sim: Sim, cluster: Cluster, options: CorrelatedFailureOptions) {
    assert(Number.isInteger(options.racksPerDomain));
    assert(options.racksPerDomain >= 1);
    this.#sim = sim;
    this.#cluster = cluster;
    this.#options = options;
    this.#outageOfNode = new Int32Array(cluster.nodeCount).fill(NO_OUTAGE);
  }

  /** Power domains: racks / racksPerDomain, rounded up. */
  get domainCount(): number {
    return Math.ceil(this.#cluster.options.racks / this.#options.racksPerDomain);
  }

  /** "r03" for a rack. */
  rackName(rack: number): string {
    return `r${String(rack).padStart(2, "0")}`;
  }

  /** "r03" when racksPerDomain is 1 (a domain is a rack), else "d01". */
  domainName(domain: number): string {
    return this.#options.racksPerDomain === 1 ? this.rackName(domain) : `d${String(domain).padStart(2, "0")}`;
  }

  /** Schedules every domain's first power loss. Once per injector. */
  start(): void {
    assert(!this.#started, "an injector starts once");
    this.#started = true;
    const purpose = this.#options.racksPerDomain === 1 ? "rack-power" : "power-domain";
    for (let domain = 0; domain < this.domainCount; domain++) {
      this.#streams.push(this.#sim.rng(`failures.${purpose}.${this.domainName(domain)}`));
      this.#scheduleFailure(domain);
    }
  }

  /**
   * Cuts the power of one rack now, for `repairUs` (≥ 1 µs): an ad-hoc injection. Draws
   * nothing, so the drawn outages that follow are the same with or without it.
   */
  failRack(rack: number, repairUs: number): void {
    assert(Number.isInteger(rack) && rack >= 0 && rack < this.#cluster.options.racks, "no such rack");
    this.#fail(-1, true, this.rackName(rack), rack, rack + 1, repairUs);
  }

  /** Cuts the power of one domain (racksPerDomain racks) now, for `repairUs` (≥ 1 µs). */
  failDomain(domain: number, repairUs: number): void {
    assert(Number.isInteger(domain) && domain >= 0 && domain < this.domainCount, "no such power domain");
    const [first, end] = this.#racksOf(domain);
    this.#fail(-1, this.#options.racksPerDomain === 1, this.domainName(domain), first, end, repairUs);
  }

  /** Racks [first, end) of a domain. */
  #racksOf(domain: number): [number, number] {
    const first = domain * this.#options.racksPerDomain;
    return [first, Math.min(first + this.#options.racksPerDomain, this.#cluster.options.racks)];
  }

  #scheduleFailure(domain: number): void {
    const delayUs = secondsToUs(sample(this.#streams[domain], this.#options.timeToFailureS));
    this.#sim.schedule(Math.max(0, delayUs), this.#onFailure, domain);
  }

  #failDrawn(domain: number): void {
    // The repair is drawn before anything else, so the stream's sequence never depends on
    // which nodes happened to be up.
    const repairUs = secondsToUs(sample(this.#streams[domain], this.#options.repairS));
    const [first, end] = this.#racksOf(domain);
    this.#fail(domain, this.#options.racksPerDomain === 1, this.domainName(domain), first, end, Math.max(1, repairUs));
  }

  #fail(domain: number, rackLevel: boolean, target: string, firstRack: number, endRack: number, repairUs: number): void {
    assert(Number.isInteger(repairUs));
    assert(repairUs >= 1, "a repair takes at least 1 µs");
    const cluster = this.#cluster;
    const perRack = cluster.options.nodesPerRack;
    const nodes: number[] = [];
    for (let node = firstRack * perRack; node < endRack * perRack; node++) {
      if (cluster.isUp(node)) nodes.push(node);
    }
    const outage: Outage = { id: this.#nextOutageId++, domain, rackLevel, target, nodes };
    this.outageCount++;
    this.nodeCrashCount += nodes.length;
    this.#sim.record({
      kind: rackLevel ? "RackPowerLost" : "PowerDomainLost",
      target,
      racks: endRack - firstRack,
      nodes,
      repairUs,
      source: domain < 0 ? "ad-hoc" : "drawn",
    });
    const cause = rackLevel ? "rack-power" : "power-domain";
    for (const node of nodes) {
      this.#outageOfNode[node] = outage.id;
      this.#sim.record({ kind: "NodeCrashed", node, target: cluster.nodeName(node), repairUs, cause, domain: target });
    }
    // All at once: a job killed by one node's loss is not placed again on the next.
    cluster.crashNodes(nodes, cause);
    this.#sim.schedule(repairUs, this.#onRepaired, outage);
  }

  #repair(outage: Outage): void {
    const cluster = this.#cluster;
    const restored: number[] = [];
    for (const node of outage.nodes) {
      // Ours to restore only if no later outage of ours holds it and it is still down: a
      // node someone else brought back is skipped. (Had someone else also taken it down
      // again meanwhile, the one bit the cluster keeps could not tell us; injectors that
      // restore only their own nodes never bring that about.)
      if (this.#outageOfNode[node] !== outage.id) continue;
      this.#outageOfNode[node] = NO_OUTAGE;
      if (cluster.isUp(node)) continue;
      this.#sim.record({ kind: "NodeRestored", node });
      restored.push(node);
    }
    this.#sim.record({ kind: outage.rackLevel ? "RackPowerRestored" : "PowerDomainRestored", target: outage.target, nodes: restored });
    cluster.restoreNodes(restored);
    if (outage.domain >= 0) this.#scheduleFailure(outage.domain);
  }

}

/** Rack (or power-domain) outages as a failure model of a cluster run. */
export function rackPowerOutages(options: CorrelatedFailureOptions): FailureWiring {
  return ({ sim, cluster }) => new CorrelatedFailureInjector(sim, cluster, options);
}
