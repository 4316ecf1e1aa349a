import type { Command } from "../command";
import { runDecision } from "./decision";

export const dismissCommand: Command = {
  name: "dismiss",
  usage: [
    "drift dismiss ID [--reason TEXT] [--until WHEN]",
    "",
    "Marks a pending update dismissed (dismissing it again is fine). Refused (exit 1) when it was applied",
    "or superseded. The dismissal holds: that same drift is not queued again until WHEN (an ISO-8601 time",
    "or a duration: 12h, 7d, 2w; absent: for good); a newer upstream commit is a new drift. ID may be a prefix.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "dismiss"),
};
