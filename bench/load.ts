/**
 * The load: per-connection cycles of 20 (batch_open of 50 users, batch_close of the same 50) pairs,
 * driven closed-loop by autocannon (peak throughput) or open-loop at a fixed, evenly paced rate
 * (latency at a given load), with every response checked.
 */
import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";
import { APP_ID, APP_SECRET, openIdOf } from "./seed.js";

export const PAIRS = 20;
export const BATCH = 50;
/** Users one connection cycles through: 20 pairs × 50 distinct users. */
export const SLICE = PAIRS * BATCH;

export interface Target {
  name: "larkstatus" | "ceiling";
  /** Base URL, e.g. http://127.0.0.1:4321 */
  url: string;
  token: string;
  statusId: string;
}

/** A failure of the benchmark itself (a server that answers wrongly), reported without a stack. */
export class BenchFailure extends Error {}

// ---------------------------------------------------------------- setup calls

/** A JSON request over a fresh connection (setup calls only; the load uses autocannon). */
export function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(path, base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        agent: false,
        timeout: 10_000,
        headers: {
          ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch {
            reject(new Error(`${method} ${path}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 300)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A tenant_access_token for the bench app. */
export async function getToken(base: string): Promise<string> {
  const r = await call(base, "POST", "/open-apis/auth/v3/tenant_access_token/internal", {
    app_id: APP_ID,
    app_secret: APP_SECRET,
  });
  if (r.status !== 200 || r.json.code !== 0 || typeof r.json.tenant_access_token !== "string") {
    throw new BenchFailure(`token request failed: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  }
  return r.json.tenant_access_token;
}

// ---------------------------------------------------------------- latency

/** Response times in ms (float), kept exactly up to `cap` values, then as a uniform reservoir. */
export class LatencyRecorder {
  private readonly values: Float64Array;
  private n = 0;
  private seen = 0;
  private max = 0;

  constructor(private readonly cap = 2_000_000) {
    this.values = new Float64Array(cap);
  }

  record(ms: number): void {
    this.seen++;
    if (ms > this.max) this.max = ms;
    if (this.n < this.cap) {
      this.values[this.n++] = ms;
      return;
    }
    const j = Math.floor(Math.random() * this.seen);
    if (j < this.cap) this.values[j] = ms;
  }

  get count(): number {
    return this.seen;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.n).sort();
    const at = (p: number) =>
      this.n === 0 ? Number.NaN : (sorted[Math.min(this.n - 1, Math.ceil((p / 100) * this.n) - 1)] as number);
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.seen,
      mean: this.n ? round3(sum / this.n) : Number.NaN,
      p50: round3(at(50)),
      p90: round3(at(90)),
      p99: round3(at(99)),
      p999: round3(at(99.9)),
      max: round3(this.max),
    };
  }
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ---------------------------------------------------------------- response checks

/** Counts bad responses and keeps a few as evidence. */
export class ErrorLog {
  count = 0;
  readonly samples: Array<{ status: number; body: string; why: string }> = [];

  /** A bad 2xx response (wrong code or per-user results): counted. */
  add(status: number, body: string, why: string): void {
    this.count++;
    this.sample(status, body, why);
  }

  /** Evidence only (non-2xx responses are counted by status elsewhere). */
  sample(status: number, body: string, why: string): void {
    if (this.samples.length < 5) this.samples.push({ status, body: body.slice(0, 600), why });
  }

  /** Checks a response: non-2xx are sampled (counted by the caller), bad 2xx bodies are counted. */
  check(status: number, body: string, why: string | undefined): void {
    if (why === undefined) return;
    if (status >= 200 && status <= 299) this.add(status, body, why);
    else this.sample(status, body, why);
  }
}

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  let i = haystack.indexOf(needle);
  while (i !== -1) {
    n++;
    i = haystack.indexOf(needle, i + needle.length);
  }
  return n;
}

/**
 * A batch response is good when it is HTTP 2xx, `code` 0, and every one of the `expected` users
 * got `result` (success_show for open, success for close). The fast path is a string check on
 * the serialized body (Fastify writes `code` first); anything else is parsed to be sure.
 */
export function checkBatch(
  status: number,
  body: string,
  result: "success_show" | "success",
  expected: number,
): string | undefined {
  if (status < 200 || status > 299) return `HTTP ${status}`;
  if (body.startsWith('{"code":0,') && occurrences(body, `"result":"${result}"`) === expected) return undefined;
  try {
    const j = JSON.parse(body) as { code?: number; data?: { result_list?: Array<{ result?: string }> } };
    if (j.code !== 0) return `code ${j.code}`;
    const list = j.data?.result_list ?? [];
    if (list.length !== expected) return `result_list has ${list.length} entries, expected ${expected}`;
    const bad = list.find((r) => r.result !== result);
    return bad ? `per-user result ${bad.result}, expected ${result}` : undefined;
  } catch {
    return "body is not JSON";
  }
}

// ---------------------------------------------------------------- the plan

/** A multiplier coprime with n near n/φ: spreads consecutive indices over the whole population. */
function spreader(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let p = Math.max(1, Math.round(n * 0.6180339887));
  for (let k = 0; k < 10_000 && gcd(p, n) !== 1; k++) p++;
  return gcd(p, n) === 1 ? p : 1;
}

export interface Plan {
  population: number;
  connections: number;
  /** Per connection: the user indices of its slice, in cycle order (SLICE of them). */
  slices: number[][];
  /** True when connections × 1000 > population, so some connections share users. */
  overlapping: boolean;
  describe: string;
}

/**
 * Connection c owns the slice of logical positions [c·1000, c·1000 + 1000), taken modulo the
 * population and scattered over it by a multiplier coprime with it (a bijection on 0..N-1). With
 * N ≥ connections × 1000 the slices are disjoint; below that they wrap around and connections that
 * share users start their cycles at different pairs, which makes concurrent touches of the same
 * user rare but not impossible.
 */
export function makePlan(population: number, connections: number): Plan {
  if (population < BATCH) throw new Error(`--users must be at least ${BATCH}`);
  const p = spreader(population);
  const needed = connections * SLICE;
  const overlapping = needed > population;
  const sharers = Math.ceil(needed / population);
  const slices: number[][] = [];
  for (let c = 0; c < connections; c++) {
    const wrap = Math.floor((c * SLICE) / population);
    const rotatePairs = overlapping ? Math.floor((wrap * PAIRS) / sharers) % PAIRS : 0;
    const slice: number[] = [];
    for (let k = 0; k < PAIRS; k++) {
      const pair = (k + rotatePairs) % PAIRS;
      for (let j = 0; j < BATCH; j++) {
        const logical = (c * SLICE + pair * BATCH + j) % population;
        slice.push((logical * p) % population);
      }
    }
    slices.push(slice);
  }
  return {
    population,
    connections,
    slices,
    overlapping,
    describe: overlapping
      ? `${connections} connections × ${SLICE} users = ${needed} > ${population} users: slices taken modulo the population, ` +
        `so up to ${sharers} connections share each user (their cycles start ${Math.floor(PAIRS / sharers)} pairs apart)`
      : `${connections} disjoint slices of ${SLICE} users scattered over ${population} users; no user is touched by two connections`,
  };
}

export interface WireRequest {
  kind: "open" | "close";
  path: string;
  body: string;
}

/** The 40 requests (20 open/close pairs) of one connection; end_time = now + 3600 as a string. */
export function connectionRequests(target: Target, slice: number[], endTime: string): WireRequest[] {
  const base = `/open-apis/personal_settings/v1/system_statuses/${target.statusId}`;
  const out: WireRequest[] = [];
  for (let k = 0; k < PAIRS; k++) {
    const ids = slice.slice(k * BATCH, (k + 1) * BATCH).map(openIdOf);
    out.push({
      kind: "open",
      path: `${base}/batch_open`,
      body: JSON.stringify({ user_list: ids.map((user_id) => ({ user_id, end_time: endTime })) }),
    });
    out.push({ kind: "close", path: `${base}/batch_close`, body: JSON.stringify({ user_list: ids }) });
  }
  return out;
}

// ---------------------------------------------------------------- closed loop (autocannon)

export interface LoadResult {
  target: string;
  mode: "closed" | "paced";
  connections: number;
  durationS: number;
  /** Completed requests per second. */
  rps: number;
  requests: number;
  latency: LatencySummary;
  errors: number;
  errorBreakdown: { non2xx: number; badBody: number; socketErrors: number; timeouts: number };
  errorSamples: Array<{ status: number; body: string; why: string }>;
  /** autocannon's own figures (whole-ms histogram), for reference. */
  autocannon?: { rpsAverage: number; p50: number; p99: number; requestsSent: number };
  /** Paced runs: the rate asked for and the latency from actual send (not from schedule). */
  targetRps?: number;
  serviceLatency?: LatencySummary;
}

let current: { stop(): void } | undefined;

/** Stops a running autocannon instance, if any (on SIGINT). */
export function stopCurrentLoad(): void {
  current?.stop();
}

interface AutocannonJob {
  target: Target;
  connections: number;
  durationS: number;
  overallRate?: number;
  /** Per connection index: its request list. */
  requestsFor: (c: number) => autocannon.Request[];
  /** Default request (method, path, headers, body) for options that need one. */
  base: autocannon.Request;
}

function runAutocannon(job: AutocannonJob, errs: ErrorLog): Promise<LoadResult> {
  const rec = new LatencyRecorder();
  let nextConn = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: job.target.url,
        connections: job.connections,
        duration: job.durationS,
        timeout: 10,
        ...(job.overallRate ? { overallRate: job.overallRate } : {}),
        method: job.base.method ?? "GET",
        ...(job.base.headers ? { headers: job.base.headers } : {}),
        ...(job.base.body ? { body: job.base.body } : {}),
        requests: job.requestsFor(0),
        setupClient: (client) => {
          const c = nextConn++;
          if (c > 0) client.setRequests(job.requestsFor(c));
        },
      },
      (err, result) => {
        current = undefined;
        if (err) return reject(err);
        const lat = rec.summary();
        const socketErrors = result.errors - result.timeouts;
        const errors = result.non2xx + errs.count + result.errors;
        resolve({
          target: job.target.name,
          mode: "closed",
          connections: job.connections,
          durationS: result.duration,
          rps: round3(result.requests.total / result.duration),
          requests: result.requests.total,
          latency: lat,
          errors: errors,
          errorBreakdown: { non2xx: result.non2xx, badBody: errs.count, socketErrors, timeouts: result.timeouts },
          errorSamples: errs.samples,
          autocannon: {
            rpsAverage: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            requestsSent: result.requests.sent,
          },
        });
      },
    );
    current = inst;
    inst.on("response", (_client, _status, _bytes, responseTime) => rec.record(responseTime));
  });
}

/** Headers of every API call. */
function apiHeaders(token: string): Record<string, string> {
  return { "content-type": "application/json", authorization: `Bearer ${token}` };
}

/** Closed loop: `connections` connections each cycling through its 40 requests for `durationS`. */
export function batchLoad(target: Target, plan: Plan, durationS: number, overallRate?: number): Promise<LoadResult> {
  const endTime = String(Math.floor(Date.now() / 1000) + 3600);
  const errs = new ErrorLog();
  const headers = apiHeaders(target.token);
  const perConn = plan.slices.map((slice) =>
    connectionRequests(target, slice, endTime).map(
      (r): autocannon.Request => ({
        method: "POST",
        path: r.path,
        headers,
        body: r.body,
        onResponse: (status, body) => {
          const why = checkBatch(status, body, r.kind === "open" ? "success_show" : "success", BATCH);
          errs.check(status, body, why && `${r.kind}: ${why}`);
        },
      }),
    ),
  );
  return runAutocannon(
    {
      target,
      connections: plan.connections,
      durationS,
      ...(overallRate ? { overallRate } : {}),
      requestsFor: (c) => perConn[c % perConn.length] as autocannon.Request[],
      base: { method: "POST" },
    },
    errs,
  );
}

/** Closed loop on the token endpoint (the same app every time, so the same token comes back). */
export function tokenLoad(target: Target, appId: string, appSecret: string, connections: number, durationS: number) {
  const errs = new ErrorLog();
  const req: autocannon.Request = {
    method: "POST",
    path: "/open-apis/auth/v3/tenant_access_token/internal",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ app_id: appId, app_secret: appSecret }),
    onResponse: (status, body) => {
      errs.check(status, body, status === 200 && body.startsWith('{"code":0,') ? undefined : "token: not code 0");
    },
  };
  return runAutocannon({ target, connections, durationS, requestsFor: () => [req], base: req }, errs);
}

// ---------------------------------------------------------------- open loop (evenly paced)

/**
 * Open loop at `rate` requests/s, evenly spaced (autocannon's own rate limit sends each
 * connection's quota for the second back to back at the start of each second, which measures
 * bursts, not a steady load). At most `plan.connections` requests are in flight, each "lane"
 * cycling through its own 40 requests exactly as an autocannon connection does. Latency is counted
 * from the moment a request was due, so a server that falls behind is not flattered (no
 * coordinated omission); `serviceLatency` is from the actual send.
 */
export async function pacedBatchLoad(target: Target, plan: Plan, rate: number, durationS: number): Promise<LoadResult> {
  const endTime = String(Math.floor(Date.now() / 1000) + 3600);
  const u = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const headers = apiHeaders(target.token);
  const lanes = plan.slices.map((slice) => ({
    reqs: connectionRequests(target, slice, endTime).map((r) => ({ ...r, buf: Buffer.from(r.body) })),
    next: 0,
  }));
  const free: number[] = lanes.map((_, i) => i);
  const errs = new ErrorLog();
  const rec = new LatencyRecorder();
  const service = new LatencyRecorder();
  let socketErrors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let done = 0;
  let inFlight = 0;

  const intervalMs = 1000 / rate;
  const t0 = performance.now() + 20;
  const total = Math.floor(rate * durationS);
  let scheduled = 0; // requests whose due time has been reached and that have been sent

  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });

  const send = (lane: number, dueAt: number) => {
    const l = lanes[lane] as (typeof lanes)[number];
    const r = l.reqs[l.next] as (typeof l.reqs)[number];
    l.next = (l.next + 1) % l.reqs.length;
    inFlight++;
    const sentAt = performance.now();
    let settled = false;
    const end = (status: number, body: string, failure?: "socket" | "timeout") => {
      if (settled) return;
      settled = true;
      const now = performance.now();
      inFlight--;
      done++;
      if (failure === "socket") socketErrors++;
      else if (failure === "timeout") timeouts++;
      else {
        if (status < 200 || status > 299) non2xx++;
        const why = checkBatch(status, body, r.kind === "open" ? "success_show" : "success", BATCH);
        errs.check(status, body, why && `${r.kind}: ${why}`);
      }
      rec.record(now - dueAt);
      service.record(now - sentAt);
      free.push(lane);
      pump();
    };
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: r.path,
        agent,
        headers: { ...headers, "content-length": String(r.buf.length) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => end(res.statusCode ?? 0, Buffer.concat(chunks).toString()));
        res.on("error", () => end(0, "", "socket"));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      end(0, "", "timeout");
    });
    req.on("error", () => end(0, "", "socket"));
    req.end(r.buf);
  };

  let timer: NodeJS.Timeout | undefined;
  function pump() {
    const now = performance.now();
    while (scheduled < total && free.length > 0) {
      const dueAt = t0 + scheduled * intervalMs;
      if (dueAt > now) break;
      scheduled++;
      send(free.shift() as number, dueAt);
    }
    if (scheduled >= total) {
      if (inFlight === 0) finish();
      return;
    }
    if (free.length > 0 && timer === undefined) {
      const wait = Math.max(0, t0 + scheduled * intervalMs - performance.now());
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
    }
  }

  let stopped = false;
  current = {
    stop() {
      stopped = true;
      scheduled = total;
      pump();
    },
  };
  const started = performance.now();
  pump();
  // Bounded: the run ends at its last request, or duration + 15 s whatever happens.
  const guard = setTimeout(() => finish(), (durationS + 15) * 1000);
  await finished;
  clearTimeout(guard);
  if (timer) clearTimeout(timer);
  current = undefined;
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  if (stopped) throw new Error("stopped");
  return {
    target: target.name,
    mode: "paced",
    connections: plan.connections,
    durationS: round3(elapsed),
    rps: round3(done / elapsed),
    requests: done,
    latency: rec.summary(),
    serviceLatency: service.summary(),
    targetRps: rate,
    errors: non2xx + errs.count + socketErrors + timeouts,
    errorBreakdown: { non2xx, badBody: errs.count, socketErrors, timeouts },
    errorSamples: errs.samples,
  };
}
