/** LAMBDA_NO_SECRETS_IN_ENV: Lambda environment variables carry secret ARNs, never secret values. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const SECRET_VALUE = /^(sk_live_|sk_test_|rk_live_|whsec_|shpat_|shpss_|shpca_|AKIA[0-9A-Z]{16})/;

const isArnReference = (value: string) => value.startsWith("arn:") || /^\$\{[^}]+\}$/.test(value);

export const lambdaNoSecretsInEnv: GuardrailRule = {
  id: "LAMBDA_NO_SECRETS_IN_ENV",
  title: "Lambda environment variables carry secret ARNs, never secret values",
  fix: "Store the value in Secrets Manager and pass its ARN (grantSecretRead does this); the function reads it at run time.",
  check: perResource(["aws_lambda_function"], (fn) => {
    const variables = (block(fn.body.environment)?.variables ?? {}) as Record<string, unknown>;
    const bad = Object.entries(variables).filter(([name, value]) => {
      const text = String(value);
      if (SECRET_VALUE.test(text)) return true;
      return SECRET_NAME.test(name) && !(name.endsWith("_ARN") && isArnReference(text));
    });
    return bad.length > 0 ? `environment variables look like secrets: ${bad.map(([name]) => name).join(", ")}` : undefined;
  }),
};
