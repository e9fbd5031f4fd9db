import { z } from "zod";
import { secondsToUs } from "../../sim/time.js";
import { zDuration } from "../units.js";
import { serviceFaultVerb, needsService, type FailureKind } from "./kind.js";

const certificateExpirySchema = z.strictObject({
  kind: z.literal("certificate-expiry"),
  at: zDuration(),
  renewAfter: zDuration({ positive: true }).describe("time until someone renews it"),
  service: z.string(),
});

/** A control-plane service's certificate expires until someone renews it. */
export const certificateExpiry: FailureKind<typeof certificateExpirySchema> = {
  kind: "certificate-expiry",
  schema: certificateExpirySchema,
  check: (expiry, scenario) => needsService(expiry.service, scenario),
  timedFault: (expiry) => ({
    kind: "certificate-expiry",
    atUs: secondsToUs(expiry.at),
    durationUs: secondsToUs(expiry.renewAfter),
    service: expiry.service,
  }),
  verbs: [
    serviceFaultVerb("c", "control plane: certificate expires (1 h)", "certificate-expiry", 3_600),
  ],
};
