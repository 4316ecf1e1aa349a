import { createHash } from "node:crypto";
import type { Resolver, ResolverStats } from "@drift/core";
import { loadSecretJson, type SecretJson } from "./secret-json";
import { isNoSecretValue } from "./secret-presence";

/** The worker's part of the GitHub credentials secret: what `createHostResolver` needs. */
export type GitHubCredentials = Pick<SecretJson, "auth" | "giteaToken">;

export interface CredentialsResolverOptions {
  /** Secrets Manager secret (name or ARN) with the GitHub credentials; "" reads the environment instead. */
  readonly secretId: string;
  /** Powertools cache lifetime: how soon a rotated secret is picked up. Default 300 s. */
  readonly maxAgeSeconds?: number;
  /** Builds a resolver for one set of credentials. */
  readonly create: (credentials: GitHubCredentials) => Resolver;
}

/**
 * A resolver that follows the credentials secret: each call reads the secret through Powertools' cache (no
 * Secrets Manager request while the cached value is fresh) and builds a new resolver when the credentials
 * changed, so a rotated or revoked token is replaced within `maxAgeSeconds` in warm workers too. Counters add
 * up across rebuilds, so callers can keep taking differences of `stats()`.
 */
export function credentialsResolver(options: CredentialsResolverOptions): Resolver {
  let current: { fingerprint: string; resolver: Resolver } | undefined;
  const retired = {
    graphqlRequests: 0,
    restRequests: 0,
    giteaRequests: 0,
    pointsUsed: 0,
    notModified: 0,
  } satisfies ResolverStats;

  const resolverForNow = async (): Promise<Resolver> => {
    const { adminToken: _notOurs, ...credentials }: SecretJson = await loadSecretJson({
      secretId: options.secretId,
      maxAgeSeconds: options.maxAgeSeconds ?? 300,
    });
    const fingerprint = createHash("sha256").update(JSON.stringify(credentials)).digest("hex");
    if (current?.fingerprint !== fingerprint) {
      if (current) {
        const s = current.resolver.stats();
        retired.graphqlRequests += s.graphqlRequests;
        retired.restRequests += s.restRequests;
        retired.giteaRequests += s.giteaRequests ?? 0;
        retired.pointsUsed += s.pointsUsed;
        retired.notModified += s.notModified;
      }
      current = { fingerprint, resolver: options.create(credentials) };
    }
    return current.resolver;
  };

  return {
    // The caller's usage is passed on: the message's metrics count what this call's requests cost.
    async resolve(requests, signal, usage) {
      let resolver: Resolver;
      try {
        resolver = await resolverForNow();
      } catch (error) {
        // First deploy: the secret has no value yet. Left for a later sweep, never retried into the DLQ.
        if (!isNoSecretValue(error)) throw error;
        const why = "GitHub credentials not configured: the secret has no value yet";
        return new Map(
          requests.map((r) => [r.target.key, { status: "failed", kind: "deferred", message: why }]),
        );
      }
      return resolver.resolve(requests, signal, usage);
    },
    async review(requests, signal, usage) {
      const resolver = await resolverForNow();
      return resolver.review ? resolver.review(requests, signal, usage) : new Map();
    },
    stats() {
      const s = current?.resolver.stats();
      return {
        graphqlRequests: retired.graphqlRequests + (s?.graphqlRequests ?? 0),
        restRequests: retired.restRequests + (s?.restRequests ?? 0),
        giteaRequests: retired.giteaRequests + (s?.giteaRequests ?? 0),
        pointsUsed: retired.pointsUsed + (s?.pointsUsed ?? 0),
        notModified: retired.notModified + (s?.notModified ?? 0),
        ...(s?.budgetRemaining !== undefined ? { budgetRemaining: s.budgetRemaining } : {}),
      };
    },
  };
}
