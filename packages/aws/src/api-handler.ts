import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import type { Hono } from "hono";
import { handle } from "hono/aws-lambda";

export interface ApiHandlerOptions {
  /** Called first on every invocation (e.g. to add the Lambda context to the logger). */
  readonly onInvoke?: (context?: Context) => void;
  /** Called last on every invocation, even a failed one (e.g. to flush stored metrics). */
  readonly afterInvoke?: () => void;
}

/**
 * The Function URL handler around a Hono app (the admin app or the webhook app of `@drift/api`; functions/api.ts
 * and functions/webhook.ts build them, so this
 * package does not depend on the HTTP app). Its own entry point, `@drift/aws/api-handler`: hono's Lambda adapter
 * keeps a few KiB in every bundle that imports it, and the dispatcher and worker do not need it.
 *
 * @example
 * export const handler = createApiHandler(createAdminApp(options), { onInvoke: (c) => logger.addContext(c) });
 */
export function createApiHandler(app: Hono, options: ApiHandlerOptions = {}) {
  const lambda = handle(app);
  type HonoEvent = Parameters<typeof lambda>[0];
  // Function URL payloads are API Gateway v2 payloads; hono types a few requestContext fields more narrowly.
  return async (event: LambdaFunctionURLEvent, context?: Context) => {
    options.onInvoke?.(context);
    try {
      return await lambda(event as unknown as HonoEvent, context as never);
    } finally {
      options.afterInvoke?.();
    }
  };
}
