import type { Command } from "../command";
import { runDecision } from "./decision";

export const reopenCommand: Command = {
  name: "reopen",
  usage: [
    "drift reopen ID [--reason TEXT]",
    "",
    "A dismissed update whose plugin still has the same installed commit, and no other pending update, becomes",
    "pending again (its hold ends). Refused (exit 1) otherwise. ID may be a unique prefix.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "reopen"),
};
