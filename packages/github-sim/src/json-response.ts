import type { SimResponse } from "./rest-types";

/** A JSON answer, as GitHub sends it. */
export const jsonResponse = (
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): SimResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(value),
});
