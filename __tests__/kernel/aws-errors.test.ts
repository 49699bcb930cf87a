/** How AWS SDK failures map onto the kernel's typed errors (functions/kernel/aws-errors.ts). */
import { classifyAwsError } from "../../functions/kernel/aws-errors";

const kindOf = (error: unknown) => classifyAwsError("s3", "PutObject", error).kind;
const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

test.each([
  ["ThrottlingException", 400],
  ["ProvisionedThroughputExceededException", 400],
  ["SlowDown", 503],
  ["TooManyRequestsException", 429],
  ["LimitExceededException", 400],
  ["SomethingNew", 429],
])("%s (HTTP %s) is throttled", (name, status) => {
  expect(kindOf(sdkError(name, status))).toBe("throttled");
});

test("the throttling retry trait is throttled; a Retry-After header is kept", () => {
  expect(kindOf(sdkError("Whatever", 400, { $retryable: { throttling: true } }))).toBe("throttled");
  const classified = classifyAwsError("sns", "Publish", sdkError("Throttling", 400, { $response: { headers: { "retry-after": "2" } } }));
  expect(classified.kind === "throttled" && classified.error.retryAfterMs).toBe(2000);
});

test.each([
  ["InternalError", 500, {}],
  ["ServiceUnavailable", 503, {}],
  ["NotImplementedHere", 507, {}],
  ["Whatever", 400, { $retryable: {} }],
  ["TimeoutError", undefined, {}],
  ["RequestTimeout", 400, {}],
  ["AbortError", undefined, {}],
  ["Error", undefined, { code: "ECONNRESET" }],
  ["Error", undefined, { code: "ECONNABORTED" }],
  ["Error", undefined, { code: "UND_ERR_SOCKET" }],
  ["Error", undefined, { cause: { code: "EAI_AGAIN" } }],
])("%s (HTTP %s, %j) is transient", (name, status, extra) => {
  expect(kindOf(sdkError(name, status, extra))).toBe("transient");
});

test("a network failure without SDK metadata is transient; access denied and unknown failures are defects", () => {
  expect(kindOf(new Error("fetch failed"))).toBe("transient");
  expect(kindOf(new Error("socket hang up"))).toBe("transient");
  expect(kindOf(sdkError("AccessDenied", 403))).toBe("defect");
  expect(kindOf(sdkError("ResourceNotFoundException", 400))).toBe("defect");
  expect(kindOf(undefined)).toBe("defect");
  expect(kindOf("a string")).toBe("defect");
});
