import { parseArgs } from "node:util";
import type { Command } from "../command";
import { openDatabase } from "../database";

export const migrateCommand: Command = {
  name: "migrate",
  usage:
    "drift migrate\n\nApplies pending migrations to DATABASE_URL (or the embedded database under .drift/).",
  async run(ctx) {
    parseArgs({ args: [...ctx.argv], options: {}, allowPositionals: false, strict: true });
    const db = await openDatabase({ migrate: false, env: ctx.env });
    try {
      const { migrate } = await import("@drift/db");
      const result = await migrate(db.sql);
      ctx.stdout.write(
        result.applied.length
          ? `Applied ${result.applied.length} migration(s): ${result.applied.join(", ")}\n`
          : `Schema is up to date (${result.alreadyApplied.length} migrations already applied).\n`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
