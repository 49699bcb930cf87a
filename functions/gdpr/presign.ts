/**
 * A presigned S3 GET URL (Signature Version 4, query-string authentication), as the SDK's
 * request presigner makes it: the operator's link to a data request's export, valid for
 * `expiresInSeconds` (at most 7 days). Path-style against an endpoint override (sdp local's
 * s3rver), virtual-hosted against AWS.
 */
import { createHash, createHmac } from "node:crypto";

export interface PresignCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PresignRequest {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly credentials: PresignCredentials;
  readonly expiresInSeconds: number;
  /** An endpoint override (http://127.0.0.1:4569): path-style URLs. */
  readonly endpoint?: string;
  readonly now?: Date;
}

export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** RFC 3986 encoding, as SigV4 wants it (every byte but A-Z a-z 0-9 - _ . ~). */
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

export const presignGetUrl = (request: PresignRequest): string => {
  if (!(request.expiresInSeconds >= 1 && request.expiresInSeconds <= MAX_PRESIGN_SECONDS))
    throw new Error(`a presigned URL lasts 1 s to 7 days, not ${request.expiresInSeconds} s`);
  const now = request.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const keyPath = request.key.split("/").map(encode).join("/");
  let origin: string;
  let canonicalUri: string;
  if (request.endpoint) {
    const base = new URL(request.endpoint);
    origin = `${base.protocol}//${base.host}`;
    canonicalUri = `/${encode(request.bucket)}/${keyPath}`;
  } else {
    // us-east-1's bucket host is the global one (as in AWS's own presigning example).
    origin = request.region === "us-east-1" ? `https://${request.bucket}.s3.amazonaws.com` : `https://${request.bucket}.s3.${request.region}.amazonaws.com`;
    canonicalUri = `/${keyPath}`;
  }
  const host = new URL(origin).host;
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const query: Record<string, string> = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${request.credentials.accessKeyId}/${scope}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": String(Math.floor(request.expiresInSeconds)),
    "X-Amz-SignedHeaders": "host",
    ...(request.credentials.sessionToken ? { "X-Amz-Security-Token": request.credentials.sessionToken } : {}),
  };
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((name) => `${encode(name)}=${encode(query[name]!)}`)
    .join("&");
  const canonicalRequest = ["GET", canonicalUri, canonicalQuery, `host:${host}\n`, "host", "UNSIGNED-PAYLOAD"].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonicalRequest, "utf8").digest("hex")].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${request.credentials.secretAccessKey}`, day), request.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  return `${origin}${canonicalUri}?${canonicalQuery}&X-Amz-Signature=${signature}`;
};
