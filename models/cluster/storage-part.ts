import { assert } from "../../sim/assert.js";
import type { Sim } from "../../sim/sim.js";
import { BurstBuffer } from "../storage/burst-buffer.js";
import { BurstBufferCheckpointStore } from "../storage/burst-buffer-store.js";
import { FilesystemCheckpointStore } from "../storage/checkpoint-store.js";
import { MetadataStartup } from "../storage/metadata-startup.js";
import { ParallelFilesystem } from "../storage/parallel-fs.js";
import type { CheckpointPlan } from "../strategies/checkpoint.js";
import { FixedCostStore, type CheckpointStore, type StartupIo } from "../workload/attempt.js";
import type { StorageModelOptions } from "./options.js";
import type { ClusterPart, RunMetricsDraft } from "./part.js";

/**
 * The parallel filesystem in a cluster run (and its burst buffer): where sized
 * checkpoints are written, where every attempt's start-up I/O goes, and what a metadata
 * storm floods.
 */
export class StoragePart implements ClusterPart {
  readonly filesystem: ParallelFilesystem;
  readonly checkpointStore: CheckpointStore;
  /** Start-up I/O of every attempt; null without a start-up model. */
  readonly startup: StartupIo | null;

  constructor(sim: Sim, options: StorageModelOptions, plan: CheckpointPlan) {
    this.filesystem = new ParallelFilesystem(sim, options.filesystem);
    const bufferOptions = options.burstBuffer ?? null;
    const buffer = bufferOptions === null ? null : new BurstBuffer(sim, this.filesystem, bufferOptions);
    this.checkpointStore =
      plan.sizeBytes === 0
        ? new FixedCostStore(sim, plan)
        : buffer !== null && bufferOptions !== null && options.checkpointTier === "burst-buffer"
          ? new BurstBufferCheckpointStore(sim, buffer, this.filesystem, bufferOptions.bandwidthGBps, options.checkpoints)
          : new FilesystemCheckpointStore(this.filesystem, options.checkpoints);
    // The multi-level store tracks the last copy only: a fallback's read could not be timed (the schema refuses it too).
    assert(
      !(this.checkpointStore instanceof BurstBufferCheckpointStore) || (plan.corruptProbability ?? 0) === 0,
      "corrupt checkpoints are not modelled with the burst-buffer tier",
    );
    const startup = options.startup ?? null;
    this.startup = startup === null ? null : new MetadataStartup(sim, this.filesystem, startup);
  }

  /** A small-file storm: `ops` metadata operations at the metadata server at once. */
  metadataStorm(ops: number): void {
    this.filesystem.metadataStorm(ops);
  }

  addMetrics(metrics: RunMetricsDraft, endUs: number): void {
    metrics.storage_throughput_gbps_mean = this.filesystem.runMetrics(endUs).storage_throughput_gbps_mean;
  }
}
