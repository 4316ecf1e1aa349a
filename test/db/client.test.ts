import { createSql } from "@drift/db";
import { describe, expect, it } from "vitest";

describe("postgres.js client options", () => {
  it("keeps the URL's sslmode (RDS Proxy requires TLS) unless told otherwise", async () => {
    const fromUrl = createSql({ url: "postgres://u:p@db.example.com:5432/drift?sslmode=require" });
    const explicit = createSql({
      url: "postgres://u:p@db.example.com:5432/drift?sslmode=require",
      ssl: false,
    });
    const plain = createSql({ url: "postgres://u:p@127.0.0.1:5432/drift" });
    try {
      expect(fromUrl.options.ssl).toBe("require");
      expect(explicit.options.ssl).toBe(false);
      expect(plain.options.ssl).toBe(false);
      // RDS Proxy: no named prepared statements (they pin sessions), one connection per Lambda container.
      expect(fromUrl.options.prepare).toBe(false);
      expect(fromUrl.options.max).toBe(1);
    } finally {
      await Promise.all([fromUrl.end(), explicit.end(), plain.end()]);
    }
  });
});
