import { Hono } from "hono";
import * as z from "zod/mini";
import { errorResponse } from "./responses";
import { ROUTE_DOCS, type RouteDoc } from "./routes";

type Json = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12, `$schema` dropped). */
function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Json;
  return rest;
}

const jsonContent = (schema: Json) => ({ "application/json": { schema } });
const ERROR = { $ref: "#/components/schemas/Error" };
const error = (description: string) => ({ description, content: jsonContent(ERROR) });

function parametersOf(route: RouteDoc): Json[] {
  const params: Json[] = [];
  if (route.path.includes("{id}"))
    params.push({ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } });
  if (route.query) {
    const query = schemaOf(route.query, "input") as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(query.properties ?? {}))
      params.push({ name, in: "query", required: query.required?.includes(name) ?? false, schema });
  }
  return params;
}

function operationOf(route: RouteDoc): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(route.responses))
    responses[status] = {
      description: answer.description,
      ...(answer.schema ? { content: jsonContent(schemaOf(answer.schema, "output")) } : {}),
    };
  if (route.query || route.body || route.path.includes("{id}")) responses[400] = error("malformed request");
  if (!route.public) responses[401] = error("missing, invalid, revoked, expired or other-environment token");
  if (route.operatorOnly) responses[403] = error("a workspace token on an operator-only route");
  if (route.path.includes("{id}")) responses[404] = error("unknown id, or another workspace's");
  if (route.path.includes("/plugin-updates/{id}/")) responses[409] = error("refused: the code says why");
  const parameters = parametersOf(route);
  return {
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ?? "").toUpperCase())}`,
    ...(route.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.method !== "post" || !route.path.includes("{id}"),
            content: jsonContent(schemaOf(route.body, "input")),
          },
        }
      : {}),
    responses,
  };
}

let built: Json | undefined;

/** The admin API as an OpenAPI 3.1 document, built once from {@link ROUTE_DOCS}. */
export function openApiDocument(): Json {
  if (built) return built;
  const paths: Record<string, Json> = {};
  for (const route of ROUTE_DOCS)
    paths[route.path] = { ...paths[route.path], [route.method]: operationOf(route) };
  built = {
    openapi: "3.1.0",
    info: {
      title: "Plugin drift sweeper admin API",
      version: "1.0.0",
      description:
        "Operators (ADMIN_TOKEN, IAM or an operator token) see and decide every workspace's updates; a workspace " +
        "token only its own (another workspace's row is 404, operator-only routes 403).",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: schemaOf(errorResponse, "output") },
    },
    paths,
  };
  return built;
}

/** `GET /admin/openapi.json` (public: it describes the API, and holds nothing secret). */
export function openApiRoutes(): Hono {
  const app = new Hono();
  app.get("/admin/openapi.json", (c) => c.json(openApiDocument()));
  return app;
}
