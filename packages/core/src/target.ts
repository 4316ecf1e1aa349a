import type { Parsed } from "./parse-result";
import { parseInstalledSha } from "./sha";
import { type Provider, parseSource, type Source } from "./source";
import {
  type DriftKind,
  driftKindOf,
  formatTrackedRef,
  parseTrackedRef,
  type TrackedRef,
} from "./tracked-ref";

/**
 * One distinct thing to look up upstream: a repository and a tracked ref. Every workspace plugin that follows
 * the same (host, repo, ref) shares one target, so it is resolved once per sweep whatever the number of consumers.
 */
export interface Target {
  /** Stable identity, e.g. `github:github/acme/lint#tag:latest` (owner/repo lower-cased: hosts ignore case). */
  readonly key: string;
  readonly provider: Provider;
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
  readonly ref: TrackedRef;
}

/** The repository part of a target key: targets sharing it are looked up under one GraphQL `repository` field. */
export function repoKey(t: Pick<Target, "provider" | "host" | "owner" | "repo">): string {
  return `${t.provider}:${t.host}/${t.owner.toLowerCase()}/${t.repo.toLowerCase()}`;
}

export function makeTarget(source: Source, ref: TrackedRef): Target {
  return { ...source, ref, key: `${repoKey(source)}#${formatTrackedRef(ref)}` };
}

/** A workspace_plugins row as the sweeper reads it (the platform owns the table). */
export interface PluginRow {
  readonly id: string;
  readonly source_raw: string | null;
  readonly tracked_ref: string | null;
  readonly installed_sha: string | null;
}

export type RowClassification = Parsed<{ target: Target; installedSha: string; driftKind: DriftKind }>;

/** Decides what a row means: a target to follow, or a reason it is skipped / invalid. Never throws. */
export function classifyRow(
  row: Pick<PluginRow, "source_raw" | "tracked_ref" | "installed_sha"> & { readonly id?: string },
): RowClassification {
  const ref = parseTrackedRef(row.tracked_ref);
  if (ref.status !== "ok") return ref;
  const source = parseSource(row.source_raw);
  if (source.status !== "ok") return source;
  const sha = parseInstalledSha(row.installed_sha);
  if (sha.status !== "ok") return sha;
  return {
    status: "ok",
    value: {
      target: makeTarget(source.value, ref.value),
      installedSha: sha.value,
      driftKind: driftKindOf(ref.value),
    },
  };
}
