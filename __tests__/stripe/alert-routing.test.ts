import { Config, ConfigProvider, Effect } from "effect";
import { alertKindTopicEnvVar, envVars } from "../../contracts/env-vars";
import { routeAlertsByKind } from "../../functions/alerts/kind-topics";
import { scrubFreeText } from "../../functions/alerts/free-text";
import type { Alert } from "../../functions/kernel/services";

const alert = (kind: Alert["kind"]): Alert => ({ kind, severity: "warning", subject: "s", message: "m", dedupKey: `${kind}:1` });

describe("alerts routed to the topic of their kind", () => {
  // Stands in for the kernel's SNS Alerts: records which topic variable value it would publish to.
  const topicsUsed: string[] = [];
  const inner = { publish: () => Effect.map(Config.string(envVars.alertsTopicArn), (topic) => (topicsUsed.push(topic), { published: true })).pipe(Effect.orDie) };
  const run = (kind: Alert["kind"]) =>
    Effect.runPromise(
      routeAlertsByKind(inner)
        .publish(alert(kind))
        .pipe(
          Effect.withConfigProvider(
            ConfigProvider.fromMap(new Map([[envVars.alertsTopicArn, "arn:general"], [alertKindTopicEnvVar("dispute-opened"), "arn:disputes"], [alertKindTopicEnvVar("payment-failed"), " "]])),
          ),
        ),
    );

  it("uses the kind's topic when configured, the general topic otherwise", async () => {
    await run("dispute-opened");
    await run("charge-failed");
    await run("payment-failed");
    expect(topicsUsed).toEqual(["arn:disputes", "arn:general", "arn:general"]);
    expect(alertKindTopicEnvVar("subscription-cancelled")).toBe("SDP_ALERTS_TOPIC_ARN_SUBSCRIPTION_CANCELLED");
  });
});

describe("free text in alert bodies", () => {
  it("masks e-mails, phones, card numbers and street addresses, and caps the length", () => {
    const text = scrubFreeText("Card 4242 4242 4242 4242 declined; call +1 (555) 013-4477 or jane.doe@example.com, 742 Evergreen Terrace")!;
    expect(text).not.toMatch(/4242|555|013-4477|jane|Evergreen/);
    expect(text).toContain("declined");
    expect(scrubFreeText("x".repeat(500))!.length).toBeLessThanOrEqual(200);
    expect(scrubFreeText("  ")).toBeUndefined();
    expect(scrubFreeText(null)).toBeUndefined();
  });
});
