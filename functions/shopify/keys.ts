/**
 * Keys are Shopify GIDs (`gid://shopify/Order/<id>`), built from `admin_graphql_api_id` when it
 * names the expected type, else from the id's text. An id is never turned into a key through
 * float arithmetic: a number reaches here only when it is a safe integer (the kernel's JSON
 * parser keeps larger ids as strings), so `String(id)` is its exact text.
 */
import type { Id } from "./schemas";

/** The kernel's one payload decoder (processor-frame.ts): an Either, the error naming the field, never its value. */
export { decodePayload } from "../kernel/processor-frame";

const GID = /^gid:\/\/shopify\/(\w+)\/([^/\s?]+)/;

export const idText = (id: Id | string): string => {
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id)) throw new Error(`unsafe numeric id reached idText: ${id}`);
    return String(id);
  }
  return id;
};

export const gid = (type: string, id: Id | string): string => `gid://shopify/${type}/${idText(id)}`;

/** The GID of a resource: admin_graphql_api_id when it is of `type`, else built from the id. */
export const gidOf = (type: string, resource: { readonly id: Id | string; readonly admin_graphql_api_id?: string | null | undefined }): string => {
  const match = resource.admin_graphql_api_id ? GID.exec(resource.admin_graphql_api_id) : null;
  if (match && match[1] === type) return `gid://shopify/${type}/${match[2]}`;
  return gid(type, resource.id);
};

/** The GID of a resource whose id is optional (nested references, checkouts of 2026-04+): undefined without one. */
export const optionalGidOf = (
  type: string,
  resource: { readonly id?: Id | string | null | undefined; readonly admin_graphql_api_id?: string | null | undefined } | null | undefined,
): string | undefined => {
  if (!resource) return undefined;
  const match = resource.admin_graphql_api_id ? GID.exec(resource.admin_graphql_api_id) : null;
  if (match && match[1] === type) return `gid://shopify/${type}/${match[2]}`;
  return resource.id != null ? gid(type, resource.id) : undefined;
};

/** The legacy numeric id (text) of a GID. */
export const legacyIdOf = (gidValue: string): string => GID.exec(gidValue)?.[2] ?? gidValue;

/** UTC ISO-8601 of a timestamp, so versions compare as strings in DynamoDB conditions. */
export const utc = (timestamp: string): string => new Date(timestamp).toISOString();
export const utcOrUndefined = (timestamp: string | null | undefined): string | undefined => (timestamp ? utc(timestamp) : undefined);
export const epochSeconds = (timestamp: string): number => Math.floor(new Date(timestamp).getTime() / 1000);

export const tagList = (tags: string | ReadonlyArray<string> | null | undefined): string[] =>
  (typeof tags === "string" ? tags.split(",") : (tags ?? [])).map((tag) => tag.trim()).filter((tag) => tag !== "");

/** Drops undefined and null fields so stored items stay small (and GSI keys are never null). */
export const compact = <T extends Record<string, unknown>>(item: T): T => {
  const out: Record<string, unknown> = {};
  for (const key in item) {
    const value = item[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out as T;
};
