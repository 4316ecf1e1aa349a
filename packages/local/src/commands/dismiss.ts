import type { Command } from "../command";
import { runDecision } from "./decision";

export const dismissCommand: Command = {
  name: "dismiss",
  usage: [
    "drift dismiss ID [--reason TEXT] [--until WHEN] [--yes] [--only-this]",
    "",
    "ID names a group as `drift pending` shows it (ID +N): the whole group is dismissed, after a confirmation",
    "on a terminal (--yes skips it; a script without --yes decides nothing). --only-this: just the row ID.",
    "Marks a pending update dismissed (dismissing it again is fine). Refused (exit 1) when it was applied",
    "or superseded. The dismissal holds: that same drift is not queued again until WHEN (an ISO-8601 time",
    "or a duration: 12h, 7d, 2w; absent: for good); a newer upstream commit is a new drift. ID may be a prefix.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "dismiss"),
};
