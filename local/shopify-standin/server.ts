/**
 * A stand-in for Shopify's Admin GraphQL API, just big enough for bulk exports: the
 * bulkOperationRunQuery mutation, bulkOperation(id:) and currentBulkOperation, with cost
 * extensions on every answer, result files generated from the seeded dataset, and switchable
 * failure modes (throttling, 429, 5xx, FAILED with partial data, expired URLs, short counts).
 * Used by tests, `sdp backfill --env local` and the demo. Binds 127.0.0.1 on port 0 by default.
 *
 * Authentication, as a Dev Dashboard app meets it: `POST /admin/oauth/access_token` (the client
 * credentials grant, form-encoded grant_type=client_credentials, client_id, client_secret) issues
 * tokens that expire after `tokenTtlSeconds` (short by default, so a backfill outlives several);
 * an expired or unknown token answers 401. A wrong client secret answers 401 `invalid_client`.
 * The legacy permanent token (`token`) is accepted too unless `legacyToken: false`.
 * `webhookSubscriptions` answers the GraphQL query of the same name from `subscriptions`.
 *
 * `refund(id:)` answers with the refund's `refundLineItems` and `orderAdjustments` connections
 * (`first`, `after`, `pageInfo`; `@include(if:)` through the `withLineItems` / `withAdjustments`
 * variables), for every refund of the refunds exports served so far (or `indexRefunds`). It is
 * the one query that meets a real cost bucket: the requested cost (Shopify's rule: an object 1,
 * a connection 2 + first x its node's cost) must be available, else THROTTLED with the bucket's
 * state; the actual cost (nodes returned) is charged; above 1,000 it answers MAX_COST_EXCEEDED.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as zlib from "node:zlib";
import { bulkLines, countLines, refundDetailsOf, type DatasetOptions, type RefundDetails } from "./dataset";
import { parseBulkQuery, validateBulkQuery } from "../../functions/backfill/queries";
import type { BulkObject } from "../../functions/backfill/convert/entities";

export type StandinOutcome = "completed" | "failed-partial" | "timeout-partial" | "failed" | "canceled" | "expired";

export interface StandinMode {
  /** The next N GraphQL requests answer THROTTLED (HTTP 200, Shopify's shape). */
  readonly throttleRequests?: number;
  /** The next N GraphQL requests answer HTTP 429. */
  readonly http429Requests?: number;
  /** The next N GraphQL requests answer HTTP 503. */
  readonly serverErrors?: number;
  /** How new operations end. */
  readonly outcome?: StandinOutcome;
  /** Result URLs answer 403 (as an expired signed URL does). */
  readonly expireUrls?: boolean;
  /** Reported objectCount exceeds the lines served by this much (a silent short export). */
  readonly extraObjectCount?: number;
  readonly gzip?: boolean;
  /** bulkOperationRunQuery answers with this user error. */
  readonly userError?: { readonly field: ReadonlyArray<string> | null; readonly message: string; readonly code: string } | null;
  /** Polls an operation answers RUNNING before it finishes. */
  readonly pollsToFinish?: number;
  /** The next N `refund(id:)` queries answer `refund: null` (a crash of the caller's choosing is the test's own). */
  readonly missingRefunds?: number;
}

export interface StandinOperation {
  readonly id: string;
  readonly object: BulkObject;
  readonly since: string;
  readonly until: string;
  readonly outcome: StandinOutcome;
  readonly createdAt: string;
  status: string;
  polls: number;
  readonly extraObjectCount: number;
  readonly gzip: boolean;
}

/** A webhook subscription as the GraphQL Admin API lists it (the fields `sdp shopify webhooks` reads). */
export interface StandinSubscription {
  readonly topic: string;
  readonly uri: string;
  readonly apiVersion?: string;
}

export interface StandinOptions {
  /** The legacy permanent token. */
  readonly token?: string;
  /** Accept the legacy token at all (default true). */
  readonly legacyToken?: boolean;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Lifetime of issued tokens (default 120 seconds; Shopify's is 24 hours). */
  readonly tokenTtlSeconds?: number;
  /** The shop's current webhook subscriptions (answers `webhookSubscriptions`). */
  readonly subscriptions?: ReadonlyArray<StandinSubscription>;
  readonly shop?: string;
  readonly apiVersion?: string;
  readonly seed?: number;
  readonly perDay?: number;
  readonly port?: number;
  /** The cost bucket (default 20,000 points, 1,000 restored per second: a Plus shop's; a Standard shop has 2,000 and 100). */
  readonly bucket?: { readonly maximumAvailable: number; readonly restoreRate: number };
  /** Every fifth refund repeats its line items this many times (pagination past one page). */
  readonly manyRefundLineItems?: number;
}

export interface ShopifyStandin {
  /** The GraphQL endpoint (SHOPIFY_GRAPHQL_ENDPOINT). */
  readonly url: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The client credentials grant endpoint. */
  readonly tokenUrl: string;
  /** Tokens issued, and API requests refused because their token had expired. */
  readonly tokenStats: () => { readonly issued: number; readonly expiredRejections: number; readonly invalidClient: number };
  /** API versions of the GraphQL requests served, with counts. */
  readonly apiVersionsServed: () => Readonly<Record<string, number>>;
  readonly setSubscriptions: (subscriptions: ReadonlyArray<StandinSubscription>) => void;
  readonly shop: string;
  readonly apiVersion: string;
  readonly setMode: (mode: StandinMode) => void;
  readonly operations: ReadonlyMap<string, StandinOperation>;
  /** Most operations ever CREATED/RUNNING at the same time (the lease limit shows here). */
  readonly maxRunning: () => number;
  /** Operation names seen, in order ("RunBulkQuery", "BulkOperation", "THROTTLED", ...). */
  readonly requests: ReadonlyArray<string>;
  readonly datasetOptions: (operation: StandinOperation) => DatasetOptions;
  /** Makes the refunds of a range known to `refund(id:)` without a bulk export of it. */
  readonly indexRefunds: (range: { readonly since: string; readonly until: string }) => ReadonlyArray<RefundDetails>;
  /** `refund(id:)` queries served (answered with data), THROTTLED answers to them, and pages per refund id. */
  readonly refundQueries: () => { readonly served: number; readonly throttled: number; readonly byRefund: Readonly<Record<string, number>> };
  readonly stop: () => Promise<void>;
}

export const STANDIN_TOKEN = "shpat_local_standin_token";
/** The stand-in app's client credentials (documented local defaults, like the webhook secret). */
export const STANDIN_CLIENT_ID = "local-standin-client-id";
export const STANDIN_CLIENT_SECRET = "local-standin-client-secret";

/** A Shopify Plus shop's bucket (1,000 points a second); tests pass a Standard one (2,000 / 100) or smaller. */
const DEFAULT_BUCKET = { maximumAvailable: 20_000, restoreRate: 1_000 };
const MAX_QUERY_COST = 1000;
/** Cost of one node as the refund query selects it (objects cost 1): RefundLineItem + lineItem + location + priceSet(2) + subtotalSet(2) + totalTaxSet(2). */
const NODE_COST = { refundLineItems: 9, orderAdjustments: 5 } as const;
const QUERY_COST = 10;

export const startShopifyStandin = async (options: StandinOptions = {}): Promise<ShopifyStandin> => {
  const token = options.token ?? STANDIN_TOKEN;
  const clientId = options.clientId ?? STANDIN_CLIENT_ID;
  const clientSecret = options.clientSecret ?? STANDIN_CLIENT_SECRET;
  const tokenTtlMs = (options.tokenTtlSeconds ?? 120) * 1000;
  const issued = new Map<string, number>();
  const tokenStats = { issued: 0, expiredRejections: 0, invalidClient: 0 };
  const apiVersionsServed: Record<string, number> = {};
  let subscriptions: ReadonlyArray<StandinSubscription> = options.subscriptions ?? [];
  const shop = options.shop ?? "acme-store.myshopify.com";
  const apiVersion = options.apiVersion ?? "2026-01";
  const limit = apiVersion >= "2026-01" ? 5 : 1;
  const BUCKET = options.bucket ?? DEFAULT_BUCKET;
  type ModeState = { -readonly [K in Exclude<keyof StandinMode, "userError">]-?: NonNullable<StandinMode[K]> } & { userError: StandinMode["userError"] };
  let mode: ModeState = {
    throttleRequests: 0,
    http429Requests: 0,
    serverErrors: 0,
    outcome: "completed",
    expireUrls: false,
    extraObjectCount: 0,
    gzip: false,
    userError: null,
    pollsToFinish: 1,
    missingRefunds: 0,
  };
  const operations = new Map<string, StandinOperation>();
  const requests: string[] = [];
  let nextId = 1;
  let maxRunning = 0;
  const runningCount = () => [...operations.values()].filter((operation) => ["CREATED", "RUNNING"].includes(operation.status)).length;
  let available = BUCKET.maximumAvailable;
  let lastRefill = Date.now();
  let baseUrl = "";

  const datasetOptions = (operation: StandinOperation): DatasetOptions => ({
    since: operation.since,
    until: operation.until,
    seed: options.seed ?? 42,
    perDay: options.perDay ?? 20,
  });

  const cost = (requested = QUERY_COST) => {
    const now = Date.now();
    available = Math.min(BUCKET.maximumAvailable, available + ((now - lastRefill) / 1000) * BUCKET.restoreRate);
    lastRefill = now;
    available = Math.max(0, available - requested);
    return { requestedQueryCost: requested, actualQueryCost: requested, throttleStatus: { ...BUCKET, currentlyAvailable: Math.floor(available) } };
  };

  const refundIndex = new Map<string, RefundDetails>();
  const refundStats = { served: 0, throttled: 0, byRefund: {} as Record<string, number> };
  const indexRefunds = (range: { readonly since: string; readonly until: string }) => {
    const details = [
      ...refundDetailsOf({ since: range.since, until: range.until, seed: options.seed ?? 42, perDay: options.perDay ?? 20, manyLineItems: options.manyRefundLineItems }),
    ];
    for (const refund of details) refundIndex.set(refund.id, refund);
    return details;
  };

  const generated = new Map<string, ReadonlyArray<string>>();
  const linesOf = (operation: StandinOperation): ReadonlyArray<string> => {
    let lines = generated.get(operation.id);
    if (!lines) {
      lines = [...bulkLines(operation.object, datasetOptions(operation))];
      generated.set(operation.id, lines);
      if (operation.object === "refunds") indexRefunds(operation);
    }
    return lines;
  };

  /** `refund(id:)`: one page of each connection asked for, with the cost bucket enforced. */
  const refundQuery = (variables: Record<string, unknown>, response: http.ServerResponse) => {
    const first = Number(variables.first);
    if (!Number.isInteger(first) || first < 1 || first > 250) {
      requests.push("RefundInvalid");
      return send(response, 200, { errors: [{ message: "first must be between 1 and 250", extensions: { code: "BAD_REQUEST" } }] });
    }
    const connections = (["refundLineItems", "orderAdjustments"] as const).filter((name) => variables[name === "refundLineItems" ? "withLineItems" : "withAdjustments"] !== false);
    const requested = 1 + connections.reduce((sum, name) => sum + 2 + first * NODE_COST[name], 0);
    if (requested > MAX_QUERY_COST) {
      requests.push("MaxCostExceeded");
      return send(response, 200, {
        errors: [
          { message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`, extensions: { code: "MAX_COST_EXCEEDED", cost: requested } },
        ],
      });
    }
    const now = Date.now();
    available = Math.min(BUCKET.maximumAvailable, available + ((now - lastRefill) / 1000) * BUCKET.restoreRate);
    lastRefill = now;
    if (available < requested) {
      refundStats.throttled += 1;
      requests.push("THROTTLED");
      return send(response, 200, {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: { ...BUCKET, currentlyAvailable: Math.floor(available) } } },
      });
    }
    const id = String(variables.id ?? "");
    const refund = refundIndex.get(id);
    requests.push("Refund");
    if (!refund || mode.missingRefunds > 0) {
      if (refund) mode.missingRefunds -= 1;
      available -= 1;
      return send(response, 200, {
        data: { refund: null },
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: 1, throttleStatus: { ...BUCKET, currentlyAvailable: Math.floor(available) } } },
      });
    }
    refundStats.served += 1;
    refundStats.byRefund[id] = (refundStats.byRefund[id] ?? 0) + 1;
    const body: Record<string, unknown> = { id };
    let actual = 1;
    for (const name of connections) {
      const all = refund[name];
      const after = variables[name === "refundLineItems" ? "lineItemsAfter" : "adjustmentsAfter"];
      // Cursors are opaque to callers: here the base64 of the position after the page.
      const start = typeof after === "string" && after.length > 0 ? Number(Buffer.from(after, "base64").toString("utf8").replace(/^pos:/, "")) : 0;
      const nodes = all.slice(start, start + first);
      const end = start + nodes.length;
      actual += 2 + nodes.length * NODE_COST[name];
      body[name] = { pageInfo: { hasNextPage: end < all.length, endCursor: nodes.length > 0 ? Buffer.from(`pos:${end}`).toString("base64") : null }, nodes };
    }
    available = Math.max(0, available - actual);
    return send(response, 200, {
      data: { refund: body },
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: { ...BUCKET, currentlyAvailable: Math.floor(available) } } },
    });
  };

  const operationJson = (operation: StandinOperation) => {
    const lines = linesOf(operation);
    const counts = countLines(lines);
    const finished = !["CREATED", "RUNNING"].includes(operation.status);
    const partial = operation.status === "FAILED" && (operation.outcome === "failed-partial" || operation.outcome === "timeout-partial");
    const reported = partial ? countLines(lines.slice(0, Math.floor(lines.length / 2))) : counts;
    return {
      id: operation.id,
      status: operation.status,
      errorCode:
        operation.status !== "FAILED"
          ? null
          : operation.outcome === "failed-partial"
            ? "INTERNAL_SERVER_ERROR"
            : operation.outcome === "timeout-partial"
              ? "TIMEOUT"
              : "ACCESS_DENIED",
      createdAt: operation.createdAt,
      completedAt: finished ? new Date().toISOString() : null,
      objectCount: String(finished ? reported.objectCount + operation.extraObjectCount : Math.floor(counts.objectCount / 2)),
      rootObjectCount: String(finished ? reported.rootObjectCount : Math.floor(counts.rootObjectCount / 2)),
      fileSize: operation.status === "COMPLETED" && lines.length > 0 ? String(lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0)) : null,
      url: operation.status === "COMPLETED" && lines.length > 0 ? `${baseUrl}/bulk/${encodeURIComponent(operation.id)}.jsonl` : null,
      partialDataUrl: partial ? `${baseUrl}/bulk/${encodeURIComponent(operation.id)}-partial.jsonl` : null,
      query: "",
    };
  };

  const advance = (operation: StandinOperation) => {
    if (operation.status === "CREATED") operation.status = "RUNNING";
    else if (operation.status === "RUNNING") {
      operation.polls += 1;
      if (operation.polls >= mode.pollsToFinish) {
        operation.status = { completed: "COMPLETED", "failed-partial": "FAILED", "timeout-partial": "FAILED", failed: "FAILED", canceled: "CANCELED", expired: "EXPIRED" }[
          operation.outcome
        ];
      }
    }
  };

  const send = (response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };

  const graphql = (body: { query?: string; variables?: Record<string, unknown> }, response: http.ServerResponse) => {
    const query = body.query ?? "";
    if (mode.http429Requests > 0) {
      mode.http429Requests -= 1;
      requests.push("HTTP429");
      return send(response, 429, { errors: "Too many requests" }, { "retry-after": "0.05" });
    }
    if (mode.serverErrors > 0) {
      mode.serverErrors -= 1;
      requests.push("HTTP503");
      return send(response, 503, { errors: "Service unavailable" });
    }
    if (mode.throttleRequests > 0) {
      mode.throttleRequests -= 1;
      requests.push("THROTTLED");
      return send(response, 200, {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: QUERY_COST, actualQueryCost: null, throttleStatus: { ...BUCKET, currentlyAvailable: 5 } } },
      });
    }
    if (/bulkOperationRunQuery/.test(query)) {
      requests.push("RunBulkQuery");
      const inner = String(body.variables?.query ?? "");
      const parsed = parseBulkQuery(inner);
      // Shopify's own limits (five connections, two levels, no connection inside a list) come first.
      const problems = validateBulkQuery(inner).problems;
      const userErrors = [];
      if (mode.userError) userErrors.push(mode.userError);
      else if (problems.length > 0) userErrors.push({ field: ["query"], message: `Invalid bulk query: ${problems.join("; ")}`, code: "INVALID" });
      else if (!parsed)
        userErrors.push({
          field: ["query"],
          message: "Invalid bulk query: not one of the platform's bulk queries (functions/backfill/queries.ts) with an updated_at range",
          code: "INVALID",
        });
      else if (runningCount() >= limit) {
        userErrors.push({ field: null, message: "A bulk query operation for this app and shop is already in progress.", code: "OPERATION_IN_PROGRESS" });
      }
      if (userErrors.length > 0 || !parsed) {
        return send(response, 200, { data: { bulkOperationRunQuery: { bulkOperation: null, userErrors } }, extensions: { cost: cost() } });
      }
      const operation: StandinOperation = {
        id: `gid://shopify/BulkOperation/${nextId++}`,
        ...parsed,
        outcome: mode.outcome,
        createdAt: new Date().toISOString(),
        status: "CREATED",
        polls: 0,
        extraObjectCount: mode.extraObjectCount,
        gzip: mode.gzip,
      };
      operations.set(operation.id, operation);
      maxRunning = Math.max(maxRunning, runningCount());
      return send(response, 200, { data: { bulkOperationRunQuery: { bulkOperation: operationJson(operation), userErrors: [] } }, extensions: { cost: cost() } });
    }
    if (/currentBulkOperation/.test(query)) {
      requests.push("CurrentBulkOperation");
      const latest = [...operations.values()].at(-1);
      return send(response, 200, { data: { currentBulkOperation: latest ? operationJson(latest) : null }, extensions: { cost: cost(1) } });
    }
    if (/bulkOperation\s*\(/.test(query)) {
      requests.push("BulkOperation");
      const operation = operations.get(String(body.variables?.id ?? ""));
      if (!operation) return send(response, 200, { data: { bulkOperation: null }, extensions: { cost: cost(1) } });
      advance(operation);
      return send(response, 200, { data: { bulkOperation: operationJson(operation) }, extensions: { cost: cost(1) } });
    }
    if (/webhookSubscriptions\s*[({]/.test(query)) {
      requests.push("WebhookSubscriptions");
      const nodes = subscriptions.map((subscription, index) => ({
        id: `gid://shopify/WebhookSubscription/${index + 1}`,
        topic: subscription.topic.toUpperCase().replace(/\//g, "_"),
        apiVersion: { handle: subscription.apiVersion ?? apiVersion },
        uri: subscription.uri,
      }));
      return send(response, 200, { data: { webhookSubscriptions: { nodes, pageInfo: { hasNextPage: false, endCursor: null } } }, extensions: { cost: cost(1) } });
    }
    if (/\brefund\s*\(\s*id\s*:/.test(query)) return refundQuery(body.variables ?? {}, response);
    requests.push("Unknown");
    return send(response, 200, { errors: [{ message: "Field is not supported by the stand-in", extensions: { code: "undefinedField" } }] });
  };

  const serveFile = (url: string, response: http.ServerResponse) => {
    const match = /^\/bulk\/([^/]+?)(-partial)?\.jsonl$/.exec(url);
    const operation = match ? operations.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !operation) return send(response, 404, { error: "not found" });
    if (mode.expireUrls) {
      response.writeHead(403, { "content-type": "application/xml" });
      return response.end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    }
    let lines = linesOf(operation);
    if (match[2]) lines = lines.slice(0, Math.floor(lines.length / 2));
    const text = lines.map((line) => `${line}\n`).join("");
    response.writeHead(200, { "content-type": "application/jsonl" });
    response.end(operation.gzip ? zlib.gzipSync(text) : text);
  };

  const issueToken = (text: string, contentType: string | undefined, response: http.ServerResponse) => {
    // Shopify documents the form-encoded request; JSON (as some libraries send) is accepted too.
    let fields: Record<string, string> = {};
    if ((contentType ?? "").includes("application/json")) {
      try {
        fields = JSON.parse(text) as Record<string, string>;
      } catch {
        return send(response, 400, { error: "invalid_request", error_description: "body is not JSON" });
      }
    } else fields = Object.fromEntries(new URLSearchParams(text));
    if (fields.grant_type !== "client_credentials") return send(response, 400, { error: "unsupported_grant_type", error_description: "grant_type must be client_credentials" });
    if (fields.client_id !== clientId || fields.client_secret !== clientSecret) {
      tokenStats.invalidClient += 1;
      requests.push("InvalidClient");
      return send(response, 401, { error: "invalid_client", error_description: "Client authentication failed: unknown client or wrong client secret" });
    }
    const accessToken = `shpat_standin_${randomBytes(12).toString("hex")}`;
    issued.set(accessToken, Date.now() + tokenTtlMs);
    tokenStats.issued += 1;
    requests.push("TokenIssued");
    return send(response, 200, { access_token: accessToken, scope: "read_orders,read_customers,read_products", expires_in: tokenTtlMs / 1000 });
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const url = request.url ?? "/";
        if (request.method === "GET" && url.startsWith("/bulk/")) return serveFile(url, response);
        if (request.method === "POST" && url === "/admin/oauth/access_token") return issueToken(Buffer.concat(chunks).toString("utf8"), request.headers["content-type"], response);
        const versionMatch = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url);
        if (request.method !== "POST" || !versionMatch) return send(response, 404, { errors: "Not Found" });
        const given = request.headers["x-shopify-access-token"];
        const expiresAt = typeof given === "string" ? issued.get(given) : undefined;
        const legacyOk = options.legacyToken !== false && given === token;
        if (!legacyOk && (expiresAt === undefined || expiresAt <= Date.now())) {
          if (expiresAt !== undefined) {
            tokenStats.expiredRejections += 1;
            requests.push("TokenExpired");
          }
          return send(response, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
        }
        apiVersionsServed[versionMatch[1]!] = (apiVersionsServed[versionMatch[1]!] ?? 0) + 1;
        let body: { query?: string; variables?: Record<string, unknown> };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return send(response, 400, { errors: "body is not JSON" });
        }
        return graphql(body, response);
      } catch (error) {
        return send(response, 500, { errors: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${baseUrl}/admin/api/${apiVersion}/graphql.json`,
    baseUrl,
    token,
    clientId,
    clientSecret,
    tokenUrl: `${baseUrl}/admin/oauth/access_token`,
    tokenStats: () => ({ ...tokenStats }),
    apiVersionsServed: () => ({ ...apiVersionsServed }),
    setSubscriptions: (next) => {
      subscriptions = next;
    },
    shop,
    apiVersion,
    setMode: (next) => {
      mode = { ...mode, ...(Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) as Partial<ModeState>) };
    },
    operations,
    maxRunning: () => maxRunning,
    requests,
    datasetOptions,
    indexRefunds,
    refundQueries: () => ({ served: refundStats.served, throttled: refundStats.throttled, byRefund: { ...refundStats.byRefund } }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
};
