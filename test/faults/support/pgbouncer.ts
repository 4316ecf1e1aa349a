import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * PgBouncer in transaction-pooling mode on a loopback port, in front of the PostgreSQL of `DATABASE_URL`: the
 * stand-in for RDS Proxy (server connections shared between clients between transactions, no session state).
 * The configuration is generated under a temporary directory; `.ci/run` installs the Debian package if missing.
 */
export interface PgBouncer {
  /** `postgres://…@127.0.0.1:PORT/DBNAME` through the bouncer, for the given database name. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const BINARY = "/usr/sbin/pgbouncer";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== "object") throw new Error("no free port");
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const { connect } = await import("node:net");
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => resolve(s.destroy() === s));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${log()}`);
}

/**
 * Starts a PgBouncer (transaction mode) in front of `serverUrl`'s host and port. `checkPasswords`: clients log in
 * as themselves with SCRAM, checked against the role's password in pg_shadow (as RDS Proxy checks the password
 * in front of RDS), so `ALTER ROLE … PASSWORD` takes effect at the next login even on a server that trusts.
 */
export async function startPgBouncer(
  serverUrl: string,
  options: { checkPasswords?: boolean } = {},
): Promise<PgBouncer> {
  try {
    execFileSync(BINARY, ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(`${BINARY} not found: install Debian's pgbouncer package (.ci/run does)`);
  }
  const server = new URL(serverUrl);
  const dir = mkdtempSync(join(tmpdir(), "drift-pgbouncer-"));
  chmodSync(dir, 0o777); // PgBouncer refuses to run as root: it drops to the postgres user and writes here
  const port = await freePort();
  const user = decodeURIComponent(server.username || "postgres");
  writeFileSync(join(dir, "userlist.txt"), `"${user}" "auth-user-password-unused-by-a-trusting-server"\n`);
  const auth = options.checkPasswords
    ? [
        "auth_type = scram-sha-256",
        `auth_file = ${join(dir, "userlist.txt")}`,
        `auth_user = ${user}`,
        "auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1",
      ]
    : ["auth_type = any"];
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}${options.checkPasswords ? "" : ` user=${user}`}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      ...auth,
      "pool_mode = transaction",
      "max_client_conn = 200",
      "default_pool_size = 10",
      "server_reset_query =",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      `unix_socket_dir = ${dir}`,
      "",
    ].join("\n"),
  );
  const args = process.getuid?.() === 0 ? ["-u", "postgres"] : [];
  const child = spawn(BINARY, [...args, join(dir, "pgbouncer.ini")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  await waitForPort(port, child, () => output);
  return {
    urlFor(database) {
      return `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
