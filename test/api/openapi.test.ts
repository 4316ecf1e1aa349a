import { ROUTE_DOCS } from "@drift/api";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type TestApp, testAdminApp } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = testAdminApp(db.sql);
});
afterAll(async () => db?.close());

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON
type Doc = any;
const fetchDoc = async (): Promise<Doc> => {
  const res = await call(t.app, "GET", "/admin/openapi.json", { token: null });
  expect(res.status).toBe(200);
  return res.json();
};
const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)/g, "{$1}");
/** Routes that are no API: the page, its script, the redirect to it. */
const NOT_API = new Set(["/admin", "/admin/", "/admin/app.js"]);

describe(`OpenAPI document (${dbLabel})`, () => {
  it("is served without a token and validates as OpenAPI 3.1", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every route the app serves, each with its request and answer schemas", async () => {
    const doc = await fetchDoc();
    const served = t.app.routes
      .filter((r) => r.method !== "ALL" && !r.path.includes("*") && !NOT_API.has(r.path))
      .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`);
    expect(served.length).toBeGreaterThan(15);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((method) => `${method} ${path}`),
    );
    // MCP is `app.all`: its transport answers every method, POST is what clients send.
    expect(new Set(documented)).toEqual(new Set([...served, "post /mcp"]));
    for (const [path, ops] of Object.entries(doc.paths) as [string, Record<string, Doc>][]) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses as Record<string, Doc>).find(([status]) =>
          status.startsWith("2"),
        );
        expect(ok, `${method} ${path}`).toBeDefined();
        if (path !== "/admin/openapi.json")
          expect(ok?.[1].content["application/json"].schema, `${method} ${path}`).toBeTypeOf("object");
        if (!op.security) expect(op.responses["401"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("describes requests with the schemas that validate them", async () => {
    const doc = await fetchDoc();
    const bulk = doc.paths["/admin/plugin-updates/bulk"].post.requestBody.content["application/json"].schema;
    expect(bulk.properties.action.enum).toEqual(["apply", "dismiss", "rollback"]);
    expect(bulk.properties.ids).toMatchObject({ type: "array", minItems: 1, maxItems: 500 });
    expect(bulk.additionalProperties).toBe(false);
    const list = doc.paths["/admin/plugin-updates"].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(
      expect.arrayContaining(["status", "workspace_id", "limit", "cursor", "group", "history"]),
    );
    const token = doc.paths["/admin/tokens"].post;
    expect(token.requestBody.content["application/json"].schema.properties.role.enum).toEqual([
      "operator",
      "workspace",
    ]);
    expect(token.responses["403"]).toBeDefined();
    expect(
      doc.paths["/admin/policies"].put.requestBody.content["application/json"].schema.properties,
    ).toHaveProperty("auto_apply");
    // Every documented request body is a schema of one of the route files (one source of truth).
    expect(ROUTE_DOCS.filter((r) => r.body).length).toBeGreaterThanOrEqual(7);
  });
});
