/**
 * The reads the data-quality run makes for its webhook-recovery measure (contracts/webhook-recovery.ts),
 * simulated on its synthesized role policy (iam-simulate): the raw listings of each source's
 * webhook entities and the reconciliation's recovered-event markers; writing or deleting either is
 * denied. The policy's cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { rawPrefix } from "../../contracts/lake-layout";
import { recoveredEventKey, recoveredEventsPrefix, webhookEntities } from "../../contracts/webhook-recovery";
import { BUCKET, key, type Call } from "./role-simulation";
import { itDecides, simulatedRole } from "./role-simulation-suite";

describe("data-quality: the webhook-recovery reads, simulated", () => {
  const decide = simulatedRole({ stack: "acme-staging-analytics", roleMatch: "data-quality", principalName: "acme-staging-data-quality" });

  const day = "2026-11-30";
  const marker = `${BUCKET}/${recoveredEventKey("stripe", day, "2026-11-29", "charge", "evt_1")}`;

  itDecides(decide, {
    allowed: [
      // "Received by webhook": one listing per source, webhook entity and day.
      ...(["shopify", "recharge", "stripe"] as const).flatMap((source) =>
        webhookEntities[source].map((entity): Call => ["s3:ListBucket", BUCKET, { "s3:prefix": `${rawPrefix(source, entity)}dt=${day}/` }]),
      ),
      // "Recovered": the markers of the day's recoveries, and of the day's events recovered later.
      ["s3:ListBucket", BUCKET, { "s3:prefix": recoveredEventsPrefix("stripe", day) }],
      ["s3:ListBucket", BUCKET, { "s3:prefix": recoveredEventsPrefix("recharge", "2026-12-01", day) }],
      ["s3:GetObject", marker],
      ["kms:Decrypt", key("lake")],
    ],
    denied: [
      ["s3:PutObject", marker],
      ["s3:DeleteObject", marker],
      ["s3:PutObject", `${BUCKET}/raw/stripe/charge/dt=${day}/evt_1.json`],
    ],
  });
});
