import type { Group } from "./api";
import { el } from "./dom";

/**
 * What a version is vouched for by (CONTRACT "trust"), on a group card: the trust, the downgrade flag, when this
 * sweeper first saw the commit (the cooldown's clock), and the author's own dates, labelled as theirs.
 */

export type TrustFields = Pick<
  Group,
  "trust" | "trust_downgrade" | "first_seen_at" | "tagged_at" | "committed_at" | "signature" | "tag_signature"
>;

const TRUST_LABEL: Record<string, string> = {
  immutable_release: "immutable release",
  signed: "signed",
  none: "none",
};

const when = (iso: string | null) => (iso ? iso.replace(/\.\d{3}Z$/, "Z") : "unknown");

/** The warning the apply dialog shows for a trust downgrade. */
export const DOWNGRADE_WARNING =
  "TRUST DOWNGRADE: this version is vouched for by less than the installed one (a signature or an immutable release is gone). Check the repository first.";

/** The trust facts of a group (list items). */
export function trustFacts(g: TrustFields): HTMLElement[] {
  const label = g.trust ? (TRUST_LABEL[g.trust] ?? g.trust) : "unknown";
  // Signed through the annotated tag alone: say so (the signature item above is the commit's).
  const byTag = g.trust === "signed" && g.signature !== "valid" && g.tag_signature === "valid";
  const trust = byTag ? `${label} (annotated tag)` : label;
  const authored = g.tagged_at ? `tagged ${when(g.tagged_at)}` : `committed ${when(g.committed_at)}`;
  return [
    ...(g.trust_downgrade ? [el("li", { class: "trust-downgrade" }, "⚠ TRUST DOWNGRADE")] : []),
    el("li", { class: `trust trust-${g.trust ?? "unknown"}` }, `trust: ${trust}`),
    el("li", { class: "first-seen" }, `first seen ${when(g.first_seen_at)}`),
    el(
      "li",
      { class: "authored", title: "written by the author: shown, never trusted" },
      `author's date: ${authored}`,
    ),
  ];
}
