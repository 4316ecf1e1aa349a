import type { RateBucket } from "./rate-limit";
import type { World } from "./world";

/** Types shared by the REST handlers (a leaf module: no import cycles). */

/** What a REST handler answers; the server writes it. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** False for answers that do not count against the rate limit (304 Not Modified). */
  charge?: boolean;
}

export interface RestRequest {
  readonly method: string;
  /** Decoded path segments after the API prefix, e.g. ["repos", "acme", "lint", "commits", "v1"]. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Absolute base of this API for links, e.g. http://127.0.0.1:5000 or http://127.0.0.1:5000/api/v1 */
  readonly base: string;
}

export interface RestContext {
  readonly world: World;
  /** GitHub's REST bucket; undefined on Gitea (no rate-limit headers). */
  readonly bucket?: RateBucket;
  /** Token an App installation receives (GitHub only). */
  readonly installationToken?: string;
}
