/**
 * packages/aws/src/runtime-config.ts: what a Lambda reads of what infra/ gives it. The database logins come from
 * the SST links as deployed (SST_RESOURCE_* is how SST exposes links to a process), or from DRIFT_DB_*. In AWS
 * every connection verifies the proxy's certificate and host name (`sslmode=verify-full`).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates, TLSSocket } from "node:tls";
import {
  AWS_SSLMODE,
  DATABASE_LINKS,
  databaseLogin,
  databaseUrl,
  linkedLogin,
  runtimeConfig,
} from "@drift/aws/runtime";
import { createSql } from "@drift/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// SST loads links once per process from the environment: set the links before the first read.
const proxy = "db.proxy-x.eu-west-1.rds.amazonaws.com";
process.env.SST_RESOURCE_App = JSON.stringify({ name: "plugin-drift-sweeper", stage: "test" });
process.env.SST_RESOURCE_Database = JSON.stringify({
  host: proxy,
  port: 5432,
  database: "drift",
  username: "postgres",
  password: "p@ss/w:rd",
});
process.env.SST_RESOURCE_AppDatabase = JSON.stringify({
  host: proxy,
  port: 5432,
  database: "drift",
  username: "drift_app",
  password: "app'pw",
  sslmode: "verify-full",
});

describe("runtimeConfig", () => {
  it("logs the functions in as the application role through the proxy, TLS verified (verify-full)", () => {
    const config = runtimeConfig({ DRIFT_QUEUE_URL: "https://sqs/q", DRIFT_STAGE: "prod" });
    expect(config.databaseUrl).toBe(`postgres://drift_app:app'pw@${proxy}:5432/drift?sslmode=verify-full`);
    expect(config.queueUrl).toBe("https://sqs/q");
    expect(config.stage).toBe("prod");
  });

  it("gives the migrate function the owner's login (verify-full even without the link saying so)", () => {
    const owner = databaseLogin(DATABASE_LINKS.owner, {});
    expect(owner).toMatchObject({ username: "postgres", sslmode: AWS_SSLMODE });
    expect(databaseUrl(owner)).toBe(
      `postgres://postgres:p%40ss%2Fw%3Ard@${proxy}:5432/drift?sslmode=verify-full`,
    );
    expect(linkedLogin(DATABASE_LINKS.app, {})).toMatchObject({ username: "drift_app", password: "app'pw" });
    expect(linkedLogin("NotLinked", {})).toBeUndefined();
  });

  it("prefers DRIFT_DB_* when set (local runs), and reads every other setting infra gives", () => {
    const config = runtimeConfig({
      DRIFT_DB_HOST: "127.0.0.1",
      DRIFT_DB_PORT: "6543",
      DRIFT_DB_NAME: "test",
      DRIFT_DB_USER: "me",
      DRIFT_DB_PASSWORD: "x y",
      DRIFT_DB_SSLMODE: "disable",
      DRIFT_STAGE: "alice",
      DRIFT_GITHUB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:github",
      DRIFT_ADMIN_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:admin",
      DRIFT_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:webhook",
      DRIFT_EVENT_BUS_NAME: "bus",
      GITHUB_API_URL: "https://ghe.example.com/api/v3",
      DRIFT_ADMIN_AUTH: "iam",
      DRIFT_CORS_ORIGINS: "https://a.example.com, https://b.example.com",
      DRIFT_MIN_RELEASE_AGE: "3d",
      DRIFT_ADMIN_URL: "https://drift.example.com/admin/",
    });
    expect(config).toEqual({
      stage: "alice",
      databaseUrl: "postgres://me:x%20y@127.0.0.1:6543/test?sslmode=disable",
      databaseSecretArn: "",
      queueUrl: "",
      githubSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:github",
      adminTokenSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:admin",
      webhookSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:webhook",
      eventBusName: "bus",
      githubApiUrl: "https://ghe.example.com/api/v3",
      adminAuth: "iam",
      corsOrigins: ["https://a.example.com", "https://b.example.com"],
      minReleaseAgeMs: 3 * 24 * 3600e3,
      adminUrl: "https://drift.example.com/admin/",
    });
  });

  it("verifies TLS by default with DRIFT_DB_* too; says which variable is missing", () => {
    const env = { DRIFT_DB_HOST: "h", DRIFT_DB_NAME: "n", DRIFT_DB_USER: "u", DRIFT_DB_PASSWORD: "p" };
    expect(runtimeConfig(env).databaseUrl).toBe("postgres://u:p@h:5432/n?sslmode=verify-full");
    expect(() => runtimeConfig({ DRIFT_DB_HOST: "h", DRIFT_DB_NAME: "n", DRIFT_DB_USER: "u" })).toThrow(
      "missing environment variable DRIFT_DB_PASSWORD",
    );
  });

  it("defaults to bearer auth, the default bus, github.com and the stage 'local'", () => {
    const config = runtimeConfig({});
    expect(config).toMatchObject({
      stage: "local",
      adminAuth: "bearer",
      eventBusName: "default",
      githubApiUrl: "https://api.github.com",
      corsOrigins: [],
      minReleaseAgeMs: 0,
    });
    expect(() => runtimeConfig({ DRIFT_MIN_RELEASE_AGE: "soon" })).toThrow(/DRIFT_MIN_RELEASE_AGE/);
  });

  it("refuses an unknown DRIFT_ADMIN_AUTH rather than falling back (one parser with drift serve and infra)", () => {
    expect(() => runtimeConfig({ DRIFT_ADMIN_AUTH: "something-else" })).toThrow(/^DRIFT_ADMIN_AUTH: /);
  });
});

describe("TLS as the functions connect (postgres.js, sslmode from the URL)", () => {
  it("Node's trust store holds the Amazon roots the RDS Proxy's ACM certificate chains to", () => {
    const subjects = rootCertificates.map((pem) => new X509Certificate(pem).subject);
    for (const root of ["Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4"]) {
      expect(
        subjects.some((s) => s.includes(`CN=${root}`)),
        root,
      ).toBe(true);
    }
  });

  // A server that answers Postgres' SSLRequest with "S" and presents a self-signed certificate: verify-full must
  // refuse it, `require` (encryption without verification, the old setting) accepts it.
  let server: Server;
  let port = 0;
  let handshakes = 0;
  const sockets = new Set<Socket>();
  const dir = mkdtempSync(join(tmpdir(), "drift-tls-"));
  beforeAll(async () => {
    execFileSync("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    ]);
    const key = readFileSync(join(dir, "key.pem"));
    const cert = readFileSync(join(dir, "cert.pem"));
    server = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => {
        socket.write("S");
        const tls = new TLSSocket(socket, { isServer: true, key, cert });
        tls.on("secure", () => {
          handshakes++;
          // A Postgres ErrorResponse, so the client fails at once instead of reconnecting.
          tls.end(errorResponse("28000", "handshake seen by the test server"));
        });
        tls.on("error", () => socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  const errorResponse = (code: string, message: string) => {
    const body = Buffer.from(`SFATAL\0C${code}\0M${message}\0\0`);
    const header = Buffer.alloc(5);
    header.write("E");
    header.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([header, body]);
  };

  const connect = async (sslmode: string) => {
    const login = {
      host: "localhost",
      port: String(port),
      database: "d",
      username: "u",
      password: "p",
      sslmode,
    };
    const sql = createSql({ url: databaseUrl(login), max: 1 });
    try {
      return await sql`SELECT 1`.then(
        () => undefined,
        (error: unknown) => error as { code?: string; message: string },
      );
    } finally {
      await sql.end({ timeout: 1 });
    }
  };

  it("verify-full refuses a certificate no trusted root signed; require would have accepted it", async () => {
    const refused = await connect(AWS_SSLMODE);
    expect(refused?.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(handshakes).toBe(0);
    const accepted = await connect("require");
    expect(handshakes).toBe(1);
    expect(accepted?.code).toBe("28000");
  });
});
