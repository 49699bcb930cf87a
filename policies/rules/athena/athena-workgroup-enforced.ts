/** ATHENA_WORKGROUP_ENFORCED: Athena workgroups enforce encrypted results and a bytes-scanned cutoff. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const athenaWorkgroupEnforced: GuardrailRule = {
  id: "ATHENA_WORKGROUP_ENFORCED",
  title: "Athena workgroups enforce encrypted results and a bytes-scanned cutoff",
  fix: "Set configuration { enforce_workgroup_configuration = true, bytes_scanned_cutoff_per_query, result_configuration.encryption_configuration SSE_KMS }.",
  check: perResource(["aws_athena_workgroup"], (wg) => {
    const config = block(wg.body.configuration);
    const encryption = block(block(config?.result_configuration)?.encryption_configuration);
    if (config?.enforce_workgroup_configuration !== true) return "workgroup configuration is not enforced";
    if (typeof config.bytes_scanned_cutoff_per_query !== "number") return "workgroup has no bytes-scanned cutoff";
    return ["SSE_KMS", "CSE_KMS"].includes(String(encryption?.encryption_option)) ? undefined : "query results are not KMS-encrypted";
  }),
};
