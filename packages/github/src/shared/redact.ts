/** Replaced for every secret found in text that leaves the resolver (logs, messages). */
export const REDACTED = "[REDACTED]";

// Credential shapes worth scrubbing even when we were not told the value (e.g. App installation tokens).
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,})/g, REDACTED],
  [/\b(token|bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}/gi, `$1 ${REDACTED}`],
  [/([?&](?:access_token|client_secret|token)=)[^&\s"']+/gi, `$1${REDACTED}`],
];

/**
 * Scrubs configured secrets and credential-shaped strings from text. Every log line and failure message of
 * the resolver passes through one of these, so a token cannot leak even through an upstream error body.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined | null)[]) {
    // Longest first, so a secret containing another is replaced whole. Very short values would redact noise.
    this.secrets = [
      ...new Set(secrets.filter((s): s is string => typeof s === "string" && s.trim().length >= 4)),
    ].sort((a, b) => b.length - a.length);
  }

  /** The text with every secret replaced. */
  text(input: string): string {
    let out = input;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A copy of log fields with strings redacted; nested values are stringified first (logs stay flat). */
  fields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (!fields) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === "number" || typeof value === "boolean" || value == null) out[key] = value;
      else if (typeof value === "string") out[key] = this.text(value);
      else if (value instanceof Date) out[key] = value.toISOString();
      else out[key] = this.text(safeStringify(value));
    }
    return out;
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
