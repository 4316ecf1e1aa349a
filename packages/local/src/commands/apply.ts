import type { Command } from "../command";
import { runDecision } from "./decision";

export const applyCommand: Command = {
  name: "apply",
  usage: [
    "drift apply ID [--yes] [--only-this] [--force] [--reason TEXT]",
    "",
    "ID names a group as `drift pending` shows it (ID +N): the whole group is applied, each row in its own",
    "transaction, after a confirmation on a terminal (--yes skips it; a script without --yes decides nothing).",
    "--only-this applies just the row ID.",
    "Sets the plugin's installed_sha to the update's latest_sha and marks the update applied, in one transaction.",
    "Refused (exit 1) when the update was dismissed or superseded, or the installed commit changed since",
    "detection. Publishes plugin.update.applied (a log line on stderr). A moved tag (or a name with hidden",
    "characters) asks for confirmation unless --yes; --force applies a row still cooling down. ID may be a prefix.",
  ].join("\n"),
  run: (ctx) => runDecision(ctx, "apply"),
};
