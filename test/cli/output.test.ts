import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, GOOD, cliWorkspace, expectBadInput } from "./workspace.js";

/**
 * faultline never destroys what it did not write: an output folder must be absent, empty
 * or its own (marked by `.faultline`); anything else is refused with exit 2 naming --force,
 * before any work. Writes are atomic, one writer at a time, and a full or read-only disk is
 * bad input with nothing left behind.
 */
const { work, faultline, scenarioFile } = cliWorkspace("faultline-output-");
const file = scenarioFile("tiny.yaml", GOOD);

function userFolder(name: string): string {
  const folder = join(work, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "thesis.txt"), "four years of work\n");
  return folder;
}

describe("--out never destroys what faultline did not write", () => {
  it("refuses a user's folder and file, the working folder and a folder holding it; --force replaces a folder", () => {
    const folder = userFolder("mine");
    expectBadInput(faultline("run", file, "--out", "mine"), "--out mine: holds files faultline did not write (thesis.txt)", "--force");
    expect(readFileSync(join(folder, "thesis.txt"), "utf8")).toBe("four years of work\n");

    writeFileSync(join(work, "notes.txt"), "notes\n");
    expectBadInput(faultline("run", file, "--out", "notes.txt"), "--out notes.txt: is a file");
    expect(faultline("run", file, "--out", "notes.txt", "--force").code).toBe(2);
    expect(readFileSync(join(work, "notes.txt"), "utf8")).toBe("notes\n");

    expectBadInput(faultline("run", file, "--out", "."), "--out .: is the working folder or holds it");
    expectBadInput(faultline("run", file, "--out", ".."), "--out ..: is the working folder or holds it");
    // Nothing was staged or left locked by the refusals.
    expect(readdirSync(work).filter((name) => name.startsWith("."))).toEqual([]);

    const forced = faultline("run", file, "--out", "mine", "--force");
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain("note: mine/ is replaced (--force)");
    expect(existsSync(join(folder, "thesis.txt"))).toBe(false);
    expect(existsSync(join(folder, ".faultline"))).toBe(true);
  });

  it("replaces its own folder whole, saying so, and an older result set beside it survives", () => {
    expect(faultline("run", file, "--out", "results/one", "--seed", "1").code).toBe(0);
    expect(faultline("run", file, "--out", "results/two").code).toBe(0);
    const before = readFileSync(join(work, "results", "one", "runs.csv"), "utf8");
    const again = faultline("run", file, "--out", "results/one", "--seed", "2");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("note: results/one/ holds faultline's earlier results; they are replaced");
    expect(readFileSync(join(work, "results", "one", "runs.csv"), "utf8")).not.toBe(before);
    expect(readdirSync(join(work, "results")).sort()).toEqual(["one", "two"]);
    // The folder holding both is not faultline's: neither result set may go.
    expectBadInput(faultline("run", file, "--out", "results"), "--out results: holds files faultline did not write (one, two)");
  });

  it("applies the same rule to sweep, merge, slurm, report, regress and game-day replays", () => {
    userFolder("user-sweep");
    expectBadInput(faultline("sweep", file, "--out", "user-sweep"), "--out user-sweep: holds files faultline did not write");
    expectBadInput(faultline("slurm", file, "--array", "2", "--out", "user-sweep"), "--out user-sweep: holds files faultline did not write");
    expectBadInput(faultline("sweep", file, "--shard", "1/2", "--out", "user-sweep"), "--out user-sweep: holds files faultline did not write");
    expect(faultline("sweep", file, "--shard", "1/2", "--out", "shards").code).toBe(0);
    expect(faultline("sweep", file, "--shard", "2/2", "--out", "shards").code).toBe(0);
    expectBadInput(faultline("merge", "shards", "--out", "user-sweep"), "--out user-sweep: holds files faultline did not write");
    expect(faultline("merge", "shards", "--out", "merged").code).toBe(0);
    expect(existsSync(join(work, "user-sweep", "thesis.txt"))).toBe(true);

    const copied = userFolder("copied");
    expect(faultline("run", file, "--out", "own").code).toBe(0);
    for (const name of ["summary.json", "runs.csv", "traces.json"]) writeFileSync(join(copied, name), readFileSync(join(work, "own", name)));
    expectBadInput(faultline("report", "copied"), "copied: is not a results folder faultline wrote", "--force");
    expect(faultline("report", "copied", "--force").code).toBe(0);
    expect(faultline("report", "own").code).toBe(0);

    const gated = scenarioFile("gated.yaml", `${GOOD}gates:\n  metrics:\n    - { metric: jobs_failed, tolerance: 1 }\n`);
    writeFileSync(join(work, "baseline.json"), "my own notes\n");
    expectBadInput(faultline("regress", gated, "--baseline", "baseline.json", "--update"), "--baseline baseline.json: is a file faultline did not write", "--force");
    expect(readFileSync(join(work, "baseline.json"), "utf8")).toBe("my own notes\n");
    expect(faultline("regress", gated, "--baseline", "own-baseline.json", "--update").code).toBe(0);
    expect(faultline("regress", gated, "--baseline", "own-baseline.json", "--update").code).toBe(0);
    writeFileSync(join(work, "gate.xml"), "<mine/>\n");
    expectBadInput(faultline("regress", gated, "--baseline", "own-baseline.json", "--junit", "gate.xml"), "--junit gate.xml: is a file faultline did not write");

    userFolder("day");
    mkdirSync(join(work, "saved"));
    writeFileSync(join(work, "saved", "session.json"), "{}");
    expectBadInput(faultline("gameday", "--replay", join("saved", "session.json"), "--out", "day"), "--out day: holds files faultline did not write");
  });

  it("lets one of two concurrent writers win; the other exits 2 naming the lock", async () => {
    const slow = scenarioFile("slow.yaml", GOOD.replace("horizon: 5d", "horizon: 200d"));
    const first = spawn(process.execPath, [CLI, "run", slow, "--replications", "20", "--out", "race"], { cwd: work, env: { ...process.env, NO_COLOR: "1" } });
    const firstDone = new Promise<number | null>((resolve) => first.on("exit", resolve));
    // The lock is taken before any work.
    for (let tries = 0; !existsSync(join(work, ".race.lock")) && tries < 200; tries++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(join(work, ".race.lock"))).toBe(true);
    const second = faultline("run", file, "--out", "race");
    expectBadInput(second, "--out race: another faultline (pid", "is writing it");
    expect(await firstDone).toBe(0);
    expect(existsSync(join(work, ".race.lock"))).toBe(false);
    expect(readdirSync(join(work, "race"))).toContain("summary.json");
    // A lock left by a killed process is taken over.
    writeFileSync(join(work, ".stale.lock"), JSON.stringify({ pid: 2 ** 22 + 12_345, host: (await import("node:os")).hostname() }));
    expect(faultline("run", file, "--out", "stale").code).toBe(0);
  }, 60_000);

  it("ends quietly when the reader of its output goes away", () => {
    const piped = spawnSync("bash", ["-c", `"${process.execPath}" "${CLI}" schema | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: "utf8" });
    expect(piped.stdout.trim()).toBe("0");
    expect(piped.stderr).toBe("");
  });
});

/**
 * A full disk needs a small filesystem of its own: a tmpfs mounted here (root only). CI
 * sets FAULTLINE_TMPFS_TEST=required, so there it runs or fails.
 */
const required = process.env.FAULTLINE_TMPFS_TEST === "required";
const mountPoint = join(work, "tiny-disk");
mkdirSync(mountPoint);
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]).status === 0;
if (!mounted && !required) process.stderr.write("output.test.ts: cannot mount a tmpfs here (needs root); the disk-full test is skipped\n");

describe.runIf(mounted || required)("a full disk", () => {
  it("is bad input (exit 2) naming the path, with no leftovers and no lock", () => {
    expect(mounted, "FAULTLINE_TMPFS_TEST=required but mount -t tmpfs failed").toBe(true);
    try {
      const run = faultline("run", file, "--out", join("tiny-disk", "out"));
      expectBadInput(run, "tiny-disk/out: cannot write (ENOSPC: no space left on the device)");
      expect(readdirSync(mountPoint)).toEqual([]);
      const sweep = faultline("sweep", file, "--set", "failures.0.mtbf=5d,10d,20d,40d", "--out", join("tiny-disk", "sweep"));
      expectBadInput(sweep, "cannot write (ENOSPC: no space left on the device)");
      const left = spawnSync("find", [mountPoint, "-name", "*.tmp*"], { encoding: "utf8" }).stdout.trim();
      expect(left).toBe("");
      expect(readdirSync(mountPoint).filter((name) => name.endsWith(".lock"))).toEqual([]);
    } finally {
      spawnSync("umount", [mountPoint]);
    }
  });
});
