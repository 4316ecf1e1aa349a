import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * A loopback wire-protocol server in front of ONE PGlite that several clients may use at once (`drift serve` and
 * the CLI beside it). PGlite is a single session, so a client owns it from its first message until its message
 * sequence ends at Sync or Query with no transaction open; the others wait their turn. That keeps the unnamed
 * statement and portal of an extended query, and a whole transaction, to one client (pglite-socket's queue
 * interleaves single messages: fine for one client, not for two).
 */

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** Ownership of the session: one client at a time, the others in arrival order. */
class SessionTurn {
  private owner: number | null = null;
  private readonly waiting: { id: number; go: () => void }[] = [];

  async take(id: number): Promise<void> {
    if (this.owner === id) return;
    if (this.owner === null) {
      this.owner = id;
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ id, go }));
  }

  give(id: number): void {
    if (this.owner !== id) return;
    const next = this.waiting.shift();
    this.owner = next?.id ?? null;
    next?.go();
  }

  holds(id: number): boolean {
    return this.owner === id;
  }

  drop(id: number): void {
    const i = this.waiting.findIndex((w) => w.id === id);
    if (i >= 0) this.waiting.splice(i, 1);
  }
}

export interface SharedSocket {
  /** host:port */
  readonly address: string;
  stop(): Promise<void>;
}

/** Serves `db` on host:port (0: a free port) to any number of clients, one session turn at a time. */
export async function serveSharedSocket(db: PGlite, host: string, port = 0): Promise<SharedSocket> {
  const turn = new SessionTurn();
  const sockets = new Set<Socket>();
  let next = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    attachClient(socket, db, turn, next++);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const address = typeof bound === "object" && bound ? `${host}:${bound.port}` : `${host}:${port}`;
  return {
    address,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One client: its messages run in order, each in the client's turn; the turn ends at an idle Sync or Query. */
function attachClient(socket: Socket, db: PGlite, turn: SessionTurn, id: number): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  let chain = Promise.resolve();
  // In order, one after the other; a failure ends this client's connection (its turn is given back on close).
  const enqueue = (step: () => Promise<void>) => {
    chain = chain.then(step).catch(() => void socket.destroy());
  };
  const run = async (message: Uint8Array, ends: boolean) => {
    await turn.take(id);
    try {
      await db.execProtocolRawStream(message, {
        onRawData: (data) => {
          if (socket.writable) socket.write(Buffer.from(data));
        },
      });
    } finally {
      if (ends && !db.isInTransaction()) turn.give(id);
    }
  };
  const close = async () => {
    turn.drop(id);
    if (turn.holds(id)) {
      // A client that went away mid-transaction: undo it, then let the others in.
      if (db.isInTransaction()) await db.exec("ROLLBACK").catch(() => undefined);
      turn.give(id);
    }
  };
  socket.setNoDelay(true);
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (code === SSL_REQUEST) {
          buffer = buffer.subarray(8);
          socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) {
          socket.destroy(); // not supported: the client gives up on that query
          return;
        }
        if (buffer.length < length) return;
        const startup = new Uint8Array(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        started = true;
        enqueue(() => run(startup, true));
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1) + 1;
      if (buffer.length < length) return;
      const type = String.fromCharCode(buffer[0] ?? 0);
      const message = new Uint8Array(buffer.subarray(0, length));
      buffer = buffer.subarray(length);
      if (type === "X") {
        enqueue(async () => {
          await close();
          socket.end();
        });
        continue;
      }
      enqueue(() => run(message, type === "S" || type === "Q"));
    }
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => enqueue(close));
}
