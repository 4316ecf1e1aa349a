import type { Command } from "../command";
import { runDecision } from "./decision";

export const rollbackCommand: Command = {
  name: "rollback",
  usage: [
    "drift rollback ID [--reason TEXT]",
    "",
    "An applied update is undone: the plugin goes back to the commit it had before (only",
    "while it is still on the applied one), and that same drift is held, like a",
    "dismissal, until upstream moves on. Refused (exit 1) otherwise. ID may be a prefix.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "rollback"),
};
