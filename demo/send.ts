/**
 * Sends webhook deliveries to the platform's ingress over real HTTP, as the providers do, and
 * records each answer. Used by `sdp demo` (generated traffic) and `sdp replay` (captured files).
 */
export interface OutgoingRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Answer {
  /** HTTP status, or 0 when the request never got an answer (connection refused, timeout). */
  readonly status: number;
  /** `status` field of a JSON answer ("accepted", "duplicate"), if any. */
  readonly outcome?: string;
  /** `error` field of a JSON answer, or the network error. */
  readonly error?: string;
}

const REQUEST_TIMEOUT_MS = 15_000;

export const postDelivery = async (ingress: string, request: OutgoingRequest): Promise<Answer> => {
  try {
    const response = await fetch(new URL(request.path, ingress), {
      method: "POST",
      headers: request.headers as Record<string, string>,
      body: request.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: { status?: unknown; error?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not JSON (a proxy's error page): the status code alone tells the story.
    }
    return {
      status: response.status,
      ...(typeof parsed.status === "string" ? { outcome: parsed.status } : {}),
      ...(typeof parsed.error === "string" ? { error: parsed.error } : {}),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { status: 0, error: cause?.code ?? (error as Error).message };
  }
};

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
export const forEachLimited = async <T>(items: ReadonlyArray<T>, limit: number, work: (item: T, index: number) => Promise<void>) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
};

/** The label an answer is counted under: "accepted", "duplicate", "401", "network error" ... */
export const answerLabel = (answer: Answer) => {
  if (answer.status === 0) return "no answer";
  if (answer.status === 200 && answer.outcome) return answer.outcome;
  return String(answer.status);
};
