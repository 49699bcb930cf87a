/**
 * A killed `sdp local` leaves idempotency claims "in progress". The data dir's lock proves their
 * holders are gone, so the next start releases them: the provider's retry of a delivery that was
 * never answered is processed at once, not told "duplicate" and not kept waiting for the claim
 * to lapse. Completed records stay: a real duplicate is still a duplicate.
 */
import * as fs from "node:fs";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { ingressIdempotencyKey } from "../../functions/kernel/ingress";
import { startLocalPlatform } from "../../local/platform";
import { orderPayload, postShopifyWebhook } from "./support";
import { awsClients, tempDataDir } from "../support";

jest.setTimeout(60_000);

test("claims left in progress by a killed run are released at start; completed ones stay", async () => {
  const dataDir = tempDataDir("claims");
  try {
    const first = await startLocalPlatform({ dataDir, port: 0, env: {} });
    const firstAws = awsClients(first.ready);
    const farFuture = String(Math.floor(Date.now() / 1000) + 3600);
    const put = (key: string, status: string) =>
      firstAws.dynamodb.send(new PutItemCommand({ TableName: first.ready.tables.idempotency!, Item: { key: { S: key }, status: { S: status }, expires_at: { N: farFuture } } }));
    // What a kill mid-delivery leaves: the claim, nothing stored, no answer.
    await put(ingressIdempotencyKey("shopify", "wh-killed"), "in-progress");
    await put(ingressIdempotencyKey("shopify", "wh-done"), "completed");
    firstAws.destroy();
    await first.stop();

    const second = await startLocalPlatform({ dataDir, port: 0, env: {} });
    const aws = awsClients(second.ready);
    try {
      const body = orderPayload({ id: "5100000000001", updatedAt: "2026-01-31T10:00:00Z" });
      const retried = await postShopifyWebhook(second.ready.ingress, { topic: "orders/create", webhookId: "wh-killed", body, secret: LOCAL_DEFAULT_WEBHOOK_SECRET });
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual({ status: "accepted" });
      const done = await postShopifyWebhook(second.ready.ingress, { topic: "orders/create", webhookId: "wh-done", body, secret: LOCAL_DEFAULT_WEBHOOK_SECRET });
      expect(done.body).toEqual({ status: "duplicate" });
      expect((await aws.listKeys("raw/shopify/orders/")).filter((key) => key.endsWith("/wh-killed.json"))).toHaveLength(1);
    } finally {
      aws.destroy();
      await second.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
