/**
 * Assertions for invariants. A failed assert is a bug in faultline, never bad input:
 * it is not caught inside sim/ or models/, and the CLI turns it into exit code 3 with the
 * seed and a `reproduce:` command.
 */
export class AssertionFailure extends Error {
  override readonly name = "AssertionFailure";
}

/** Throws AssertionFailure when `condition` is false. Keep each assert to one claim. */
export function assert(condition: boolean, message?: string): asserts condition {
  if (!condition) throw new AssertionFailure(message ?? "assertion failed");
}
