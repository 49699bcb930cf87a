import { ConfigProvider, Effect } from "effect";
import { alertKindTopicEnvVar, envVars } from "../../contracts/env-vars";
import { alertTopicOf } from "../../functions/kernel/live";
import { scrubFreeText } from "../../functions/alerts/free-text";
import type { Alert } from "../../functions/kernel/services";

describe("alerts routed to the topic of their kind", () => {
  // The kernel's SNS Alerts publishes to the topic alertTopicOf resolves for the alert's kind.
  const topicOf = (kind: Alert["kind"]) =>
    Effect.runPromise(
      alertTopicOf(kind).pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              [envVars.alertsTopicArn, "arn:general"],
              [alertKindTopicEnvVar("dispute-opened"), "arn:disputes"],
              [alertKindTopicEnvVar("payment-failed"), " "],
            ]),
          ),
        ),
      ),
    );

  it("uses the kind's topic when configured, the general topic otherwise", async () => {
    const topicsUsed = [await topicOf("dispute-opened"), await topicOf("charge-failed"), await topicOf("payment-failed")];
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
