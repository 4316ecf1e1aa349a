/** Which requests a fault applies to. `rest` is the GitHub REST API, `gitea` the `/api/v1` routes. */
export type FaultScope = "graphql" | "rest" | "gitea" | "any";

interface FaultBase {
  /** How many matching requests it hits (default: every one until removed). */
  readonly times?: number;
  readonly scope?: FaultScope;
  /** Only requests whose path contains this text. */
  readonly pathIncludes?: string;
  /** Only requests whose body contains this text (e.g. a GraphQL query naming one repository). */
  readonly bodyIncludes?: string;
}

/**
 * A failure to inject. HTTP-level faults answer instead of the normal handler; the GraphQL ones change the
 * executed result the way GitHub does.
 */
export type Fault =
  /** Answer with this status (e.g. 500, 502) and a GitHub-style JSON message. */
  | (FaultBase & { readonly kind: "status"; readonly status: number; readonly message?: string })
  /** Never answer (the client must time out). */
  | (FaultBase & { readonly kind: "hang" })
  /** 403 with `x-ratelimit-remaining: 0` and a reset time: the primary (hourly) limit. */
  | (FaultBase & { readonly kind: "primaryRateLimit"; readonly resetInSeconds?: number })
  /** 429 (or 403) with `retry-after`: a secondary limit. */
  | (FaultBase & {
      readonly kind: "secondaryRateLimit";
      readonly retryAfterSeconds?: number;
      readonly status?: 403 | 429;
    })
  /** GraphQL: this repository's field comes back null with an error of `type` (e.g. FORBIDDEN, INTERNAL). */
  | (FaultBase & {
      readonly kind: "graphqlError";
      readonly repository: string;
      readonly type: string;
      readonly message?: string;
    })
  /**
   * GraphQL: a query with more than `maxRepositories` repository fields fails with `type` (default
   * RESOURCE_LIMITS_EXCEEDED). How it is answered, as GitHub does it in different cases: `partial` (default):
   * every repository alias null, with `data`; `noData`: the whole query rejected (`data: null`); `fields`: the
   * query runs, but every `ref`/`refs` field comes back null with the error at its path.
   */
  | (FaultBase & {
      readonly kind: "resourceLimit";
      readonly maxRepositories: number;
      readonly answer?: "partial" | "noData" | "fields";
      readonly type?: "RESOURCE_LIMITS_EXCEEDED" | "MAX_NODE_LIMIT_EXCEEDED";
    })
  /** GraphQL: 200 with GitHub's "Something went wrong while executing your query" (its timeout answer). */
  | (FaultBase & { readonly kind: "queryTimeout" })
  /** GraphQL: in this repository's tag list, the node of `tag` (default: the first on the page) is null with an error of `type`. */
  | (FaultBase & {
      readonly kind: "tagNodeError";
      readonly repository: string;
      readonly tag?: string;
      readonly type?: string;
    })
  /** Answer with an HTML page and this status (default 200), as a proxy or captive portal in front of the host does. */
  | (FaultBase & { readonly kind: "html"; readonly status?: number });

export type FaultKind = Fault["kind"];

interface Armed {
  readonly id: number;
  readonly fault: Fault;
  remaining: number;
}

/** The fault list of a running simulator. Faults are checked in the order they were added. */
export class Faults {
  private armed: Armed[] = [];
  private nextId = 1;
  /** How many times each kind fired. */
  readonly fired: Record<FaultKind, number> = {
    status: 0,
    hang: 0,
    primaryRateLimit: 0,
    secondaryRateLimit: 0,
    graphqlError: 0,
    resourceLimit: 0,
    queryTimeout: 0,
    tagNodeError: 0,
    html: 0,
  };

  /** Arms a fault; returns an id for {@link remove}. */
  add(fault: Fault): number {
    const id = this.nextId++;
    this.armed.push({ id, fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: number): void {
    this.armed = this.armed.filter((a) => a.id !== id);
  }

  clear(): void {
    this.armed = [];
  }

  /**
   * The first armed fault of one of `kinds` matching this request, consumed (its count decremented).
   * `accept` can refuse a candidate (e.g. a resource limit the query stays under) without consuming it.
   */
  take<K extends FaultKind>(
    kinds: readonly K[],
    scope: Exclude<FaultScope, "any">,
    path: string,
    accept: (fault: Extract<Fault, { kind: K }>) => boolean = () => true,
    body = "",
  ): Extract<Fault, { kind: K }> | undefined {
    for (const a of this.armed) {
      const f = a.fault;
      if (a.remaining <= 0 || !(kinds as readonly FaultKind[]).includes(f.kind)) continue;
      if (f.scope && f.scope !== "any" && f.scope !== scope) continue;
      if (f.pathIncludes && !path.includes(f.pathIncludes)) continue;
      if (f.bodyIncludes && !body.includes(f.bodyIncludes)) continue;
      const typed = f as Extract<Fault, { kind: K }>;
      if (!accept(typed)) continue;
      a.remaining -= 1;
      this.fired[f.kind] += 1;
      if (a.remaining <= 0) this.armed = this.armed.filter((x) => x !== a);
      return typed;
    }
    return undefined;
  }

  /** All armed faults of one kind (without consuming them). */
  peek<K extends FaultKind>(kind: K): Extract<Fault, { kind: K }>[] {
    return this.armed
      .filter((a) => a.fault.kind === kind && a.remaining > 0)
      .map((a) => a.fault as Extract<Fault, { kind: K }>);
  }
}
