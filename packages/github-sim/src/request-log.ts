import type { FaultScope } from "./faults";

/** Request counters, for tests and the benchmark to assert on. */
export interface SimCounters {
  graphql: number;
  /** GitHub REST requests (including `/api/v3`). */
  rest: number;
  /** Gitea `/api/v1` requests. */
  gitea: number;
  notModified: number;
  /** GraphQL points charged. */
  points: number;
  unauthorized: number;
  /** Answers that refused because of a rate limit (fault or exhausted budget). */
  rateLimited: number;
  /** Highest number of `repository` fields seen in one GraphQL query. */
  maxRepositoriesPerQuery: number;
  /** `METHOD /path` → count */
  byPath: Record<string, number>;
}

/** One logged request. GraphQL requests keep their document and variables (tests validate them). */
export interface SimRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly scope: Exclude<FaultScope, "any">;
  status: number;
  readonly ifNoneMatch?: string;
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
}

const emptyCounters = (): SimCounters => ({
  graphql: 0,
  rest: 0,
  gitea: 0,
  notModified: 0,
  points: 0,
  unauthorized: 0,
  rateLimited: 0,
  maxRepositoriesPerQuery: 0,
  byPath: {},
});

/** The simulator's counters and its log of the last `size` requests. */
export class RequestLog {
  counters = emptyCounters();
  requests: SimRequestRecord[] = [];

  constructor(private readonly size: number) {}

  /** Counts a request and logs it (the oldest entry goes once the log is full); its status is set on answer. */
  record(request: Omit<SimRequestRecord, "status">): SimRequestRecord {
    const { method, path, scope, ...rest } = request;
    this.counters[scope] += 1;
    const pathKey = `${method} ${path}`;
    this.counters.byPath[pathKey] = (this.counters.byPath[pathKey] ?? 0) + 1;
    const record: SimRequestRecord = { method, path, scope, status: 0, ...rest };
    if (this.requests.length >= this.size) this.requests.shift();
    this.requests.push(record);
    return record;
  }

  /** Records the status a logged request was answered with. */
  answered(record: SimRequestRecord, status: number): void {
    record.status = status;
    if (status === 304) this.counters.notModified += 1;
    if (status === 401) this.counters.unauthorized += 1;
  }

  /** Fresh counters and an empty log (objects handed out before keep their values). */
  reset(): void {
    this.counters = emptyCounters();
    this.requests = [];
  }
}
