/** APIGW_ROUTE_AUTH: API routes require authorization, except signature-verified webhooks on the allow-list. */
import { signatureVerifiedRoutes } from "../../public-routes";
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const apigwRouteAuth: GuardrailRule = {
  id: "APIGW_ROUTE_AUTH",
  title: "API routes require authorization, except signature-verified webhooks on the allow-list",
  fix: "Add an authorizer, or, for a webhook that verifies a signature, add its route key with the reason to policies/public-routes.ts.",
  check: perResource(["aws_apigatewayv2_route"], (route) => {
    const auth = String(route.body.authorization_type ?? "NONE");
    if (auth !== "NONE") return undefined;
    const key = String(route.body.route_key);
    return signatureVerifiedRoutes[key] ? undefined : `route "${key}" has no authorization and is not a signature-verified webhook`;
  }),
};
