import type { LambdaFunctionURLEvent } from "aws-lambda";

export interface FunctionUrlRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** Send the body base64-encoded, as Function URLs do for binary or unknown content types. */
  base64?: boolean;
}

/**
 * A Lambda Function URL event as AWS sends it (payload format 2.0): lower-cased headers, rawPath/rawQueryString,
 * requestContext.http, optional base64 body.
 */
export function functionUrlEvent(request: FunctionUrlRequest): LambdaFunctionURLEvent {
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  const headers: Record<string, string> = {
    host: "abcdefghijklmnop.lambda-url.eu-west-1.on.aws",
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    "x-amzn-trace-id": "Root=1-67000000-0123456789abcdef01234567",
    "user-agent": "vitest",
    accept: "application/json",
  };
  for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
  const body =
    request.body === undefined
      ? undefined
      : request.base64
        ? Buffer.from(request.body).toString("base64")
        : request.body;
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body ?? ""));
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: request.path,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: request.query } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefghijklmnop",
      domainName: "abcdefghijklmnop.lambda-url.eu-west-1.on.aws",
      domainPrefix: "abcdefghijklmnop",
      http: {
        method: request.method,
        path: request.path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "vitest",
      },
      requestId: crypto.randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: request.base64 === true,
  };
}
