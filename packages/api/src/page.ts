import { Hono } from "hono";
import { ADMIN_PAGE_CSP, ADMIN_PAGE_HTML } from "./admin-page";
import { ADMIN_UI_JS } from "./admin-ui-bundle";
import { fail } from "./errors";
import type { AppContext } from "./options";

/** Unauthenticated routes: health and the admin page itself (the page's API calls carry the token). */
export function pageRoutes({ sql, logger }: AppContext): Hono {
  const app = new Hono();
  app.get("/health", async (c) => {
    try {
      await sql`SELECT 1`;
      return c.json({ status: "ok" });
    } catch (error) {
      logger.error("health check: database unreachable", { error: (error as Error).message });
      return fail(c, 503, "database_unavailable", "database unreachable");
    }
  });
  app.get("/admin", (c) => c.redirect("/admin/", 308));
  app.get("/admin/", (c) => {
    c.header("Content-Security-Policy", ADMIN_PAGE_CSP);
    return c.html(ADMIN_PAGE_HTML);
  });
  // The page's typed client, bundled (scripts/build-admin-ui.ts): same origin, so `script-src 'self'` suffices.
  app.get("/admin/app.js", (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Content-Security-Policy", "default-src 'none'");
    return c.body(ADMIN_UI_JS);
  });
  return app;
}
