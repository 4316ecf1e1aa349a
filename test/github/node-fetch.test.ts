import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFetch } from "../../packages/github/src/shared/node-fetch";

/** The transport Octokit sends through (node:http instead of undici's fetch) keeps what fetch promises it. */

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

let main: Awaited<ReturnType<typeof serve>>;
let other: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  other = await serve((req, _body, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ where: "other", auth: req.headers.authorization ?? null }));
  });
  main = await serve((req, body, res) => {
    const path = req.url ?? "/";
    if (path === "/json") {
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.setHeader("x-ratelimit-remaining", "4999");
      res.setHeader("Link", ["<a>; rel=next", "<b>; rel=last"]);
      return res.end(JSON.stringify({ ok: true }));
    }
    if (path === "/echo") {
      res.setHeader("content-type", "application/json");
      return res.end(
        JSON.stringify({
          method: req.method,
          body,
          length: req.headers["content-length"],
          auth: req.headers.authorization,
        }),
      );
    }
    if (path === "/moved") {
      res.writeHead(301, { location: "/json" });
      return res.end();
    }
    if (path === "/away") {
      res.writeHead(302, { location: `${other.url}/x` });
      return res.end();
    }
    if (path === "/loop") {
      res.writeHead(302, { location: "/loop" });
      return res.end();
    }
    if (path === "/not-modified") {
      res.writeHead(304, { etag: '"abc"' });
      return res.end();
    }
    if (path === "/hang") return; // never answers
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "Not Found" }));
  });
});

afterAll(async () => {
  for (const s of [main, other]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

describe("nodeFetch", () => {
  it("answers status, the address, lower-case headers (repeated ones joined) and the body", async () => {
    const response = await nodeFetch(`${main.url}/json`);
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${main.url}/json`);
    expect(response.headers.get("X-RateLimit-Remaining")).toBe("4999");
    expect(response.headers.get("link")).toBe("<a>; rel=next, <b>; rel=last");
    const names = [...response.headers].map(([name]) => name);
    expect(names).toContain("content-type");
    expect(names.every((n) => n === n.toLowerCase())).toBe(true);
    expect(await response.json()).toEqual({ ok: true });
    await expect(response.text()).rejects.toThrow(/already been read/);
  });

  it("sends a string body with its length, and the headers as given", async () => {
    const response = await nodeFetch(`${main.url}/echo`, {
      method: "POST",
      body: '{"query":"{ viewer { login } }"}',
      headers: { Authorization: "token t", "content-type": "application/json" },
    });
    expect(await response.json()).toEqual({
      method: "POST",
      body: '{"query":"{ viewer { login } }"}',
      length: "32",
      auth: "token t",
    });
  });

  it("follows a rename's 301 for a GET and says where the answer came from", async () => {
    const response = await nodeFetch(`${main.url}/moved`, { headers: { authorization: "token t" } });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${main.url}/json`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("drops the credentials on a redirect to another origin, as fetch does", async () => {
    const response = await nodeFetch(`${main.url}/away`, { headers: { authorization: "token secret" } });
    expect(await response.json()).toEqual({ where: "other", auth: null });
  });

  it("does not follow a redirect of a POST, nor one when told not to, nor forever", async () => {
    expect((await nodeFetch(`${main.url}/moved`, { method: "POST", body: "{}" })).status).toBe(301);
    expect((await nodeFetch(`${main.url}/moved`, { redirect: "manual" })).status).toBe(301);
    await expect(nodeFetch(`${main.url}/loop`)).rejects.toMatchObject({
      name: "TypeError",
      cause: { message: expect.stringContaining("not followed") },
    });
  });

  it("gives a 304 and a 404 as answers, with the error's body readable", async () => {
    const notModified = await nodeFetch(`${main.url}/not-modified`);
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe('"abc"');
    expect(await notModified.text()).toBe("");
    const missing = await nodeFetch(`${main.url}/nope`);
    expect(missing.ok).toBe(false);
    expect(await missing.json()).toEqual({ message: "Not Found" });
  });

  it("rejects with the signal's own reason on abort (timeouts are recognised by it)", async () => {
    const controller = new AbortController();
    const reason = Object.assign(new Error("request timed out after 50 ms"), { name: "AbortError" });
    setTimeout(() => controller.abort(reason), 50);
    await expect(nodeFetch(`${main.url}/hang`, { signal: controller.signal })).rejects.toBe(reason);
    await expect(nodeFetch(`${main.url}/json`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("rejects a network failure like fetch: a TypeError carrying the cause", async () => {
    const closed = await serve(() => {});
    const url = closed.url;
    await new Promise((resolve) => closed.server.close(resolve));
    await expect(nodeFetch(`${url}/json`)).rejects.toMatchObject({
      name: "TypeError",
      cause: { code: "ECONNREFUSED" },
    });
  });

  it("reuses its connections (keep-alive) for requests one after another", async () => {
    for (let i = 0; i < 5; i++) await (await nodeFetch(`${main.url}/json`)).text();
    const sockets = new Set(main.seen.slice(-5).map((r) => r.socket));
    expect(sockets.size).toBe(1);
  });
});
