/** A Dev Dashboard app's webhooks are signed with its client secret: the HTTPS door accepts them with only the Admin secret set. */
import { makeTestPlatform } from "../../functions/kernel/memory";
import { program as ingressProgram } from "../../functions/shopify/ingress";
import { run, shopifyRequest } from "./support";

const CLIENT_SECRET = "dev-dashboard-client-secret-123";
const body = JSON.stringify({ id: 820982911946154508, updated_at: "2026-11-02T10:00:00Z" });

test("only {clientId, clientSecret} set: signed with the client secret is accepted, anything else is 401", async () => {
  const platform = makeTestPlatform({ secrets: { shopifyAdmin: JSON.stringify({ clientId: "id-1", clientSecret: CLIENT_SECRET }) } });
  expect((await run(platform.layer, ingressProgram(shopifyRequest("orders/create", body, { secret: CLIENT_SECRET })))).statusCode).toBe(200);
  expect((await run(platform.layer, ingressProgram(shopifyRequest("orders/create", body, { secret: "some-other-secret" })))).statusCode).toBe(401);
});

test("a set webhook secret wins over the client secret", async () => {
  const platform = makeTestPlatform({ secrets: { shopifyWebhook: "legacy-webhook-secret", shopifyAdmin: JSON.stringify({ clientId: "id-1", clientSecret: CLIENT_SECRET }) } });
  expect((await run(platform.layer, ingressProgram(shopifyRequest("orders/create", body, { secret: "legacy-webhook-secret" })))).statusCode).toBe(200);
  expect((await run(platform.layer, ingressProgram(shopifyRequest("orders/create", body, { secret: CLIENT_SECRET })))).statusCode).toBe(401);
});

test("a legacy access token and no webhook secret: every delivery is refused (nothing to verify with)", async () => {
  const platform = makeTestPlatform({ secrets: { shopifyAdmin: JSON.stringify({ accessToken: "shpat_abc" }) } });
  expect((await run(platform.layer, ingressProgram(shopifyRequest("orders/create", body, { secret: "shpat_abc" })))).statusCode).toBe(401);
});
