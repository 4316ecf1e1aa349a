/**
 * Text from outside (a server's error message, a tag, an ETag) made storable: Postgres text cannot hold NUL, and
 * one such byte would roll back the whole message's transaction, every hour. Also bounds the length.
 */
export function pgText(value: string | null | undefined, max = 1000): string | null {
  if (value == null) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing NUL is the point
  return value.replace(/\u0000/g, "\uFFFD").slice(0, max);
}
