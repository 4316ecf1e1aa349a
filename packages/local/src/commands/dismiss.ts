import type { Command } from "../command";
import { runDecision } from "./decision";

export const dismissCommand: Command = {
  name: "dismiss",
  usage: [
    "drift dismiss ID",
    "",
    "Marks a pending update dismissed (dismissing it again is fine). Refused (exit 1) when it was applied",
    "or superseded.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "dismiss"),
};
