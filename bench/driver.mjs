// The launch driver: an LTI 1.3 platform in one Node process, standard library only.
//
// It serves the platform's JWKS (counting fetches per tool), and runs full launches against a tool:
// POST login initiation -> read the 302's Location (state, nonce, redirect_uri) and cookies -> sign an
// RS256 id_token in-process with the tool's nonce -> POST id_token + state with the cookies -> the tool's 303 ->
// its redirects followed as a browser follows them (GET, cookies by path) to the first page, which must answer 200.
// A launch ends when the page the user sees has arrived; `redirects` counts the 3xx answers from the launch POST
// on (1: the launch POST's 303 names the page itself).
// Python's threads-and-requests tops out near 90 launches/s here; this does not.
//
// Two ways to load a tool:
// - closed loop ("concurrency": N): N launches in flight, each "user" starting its next launch when its last ends;
// - open loop ("rate": R): launch i starts at t0 + i/R whatever the earlier ones are doing, for "seconds"; its
//   latency counts from its scheduled start, so a slow tool cannot slow the schedule and hide its own queue
//   (no coordinated omission). After the schedule the driver waits up to "drain_seconds" for the launches still
//   in flight; one still unfinished then is an error.
//
// Controlled by bench/run.py over stdin/stdout, one JSON object per line:
//   -> {"cmd": "run", "target": {...}, "concurrency": 8, "seconds": 10, "max_launches": 20000}
//   -> {"cmd": "run", "target": {...}, "rate": 40, "seconds": 10, "max_launches": 20000, "drain_seconds": 30}
//   <- {"event": "result", "launches": ..., "errors": ..., "latencies_ms": {...}, "redirects": {...}, "driver_cpu_s": ...}
//      (open loop also: "scheduled", "started_rate", "late_starts", "max_start_delay_ms", "in_flight_at_end",
//      "unfinished")
//   -> {"cmd": "jwks"}  <- {"event": "jwks", "fetches": {"rexvet": 1, ...}}
//   -> {"cmd": "quit"}
import crypto from "node:crypto";
import http from "node:http";
import readline from "node:readline";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const JWKS_PORT = Number(args["jwks-port"]);
const ISSUER = `http://127.0.0.1:${JWKS_PORT}`;
const KID = `bench-${crypto.randomBytes(4).toString("hex")}`; // new each run: no stale cached key set matches it
const LTI = "https://purl.imsglobal.org/spec/lti/claim/";

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const JWKS = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" }] });
const jwksFetches = {};

const b64url = (buffer) => buffer.toString("base64url");
const JWT_HEADER = b64url(Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: KID })));

function signIdToken(claims) {
  const input = `${JWT_HEADER}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${input}.${b64url(crypto.sign("sha256", Buffer.from(input), privateKey))}`;
}

// The platform: its key set under /jwks/<tool name>, so each tool's fetches are counted apart.
const platform = http.createServer((request, response) => {
  const match = request.url.match(/^\/jwks\/([\w-]+)$/);
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  jwksFetches[match[1]] = (jwksFetches[match[1]] || 0) + 1;
  response.writeHead(200, { "content-type": "application/json" }).end(JWKS);
});

function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

class LaunchFailed extends Error {}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function claimsFor(target, nonce, n) {
  const now = Math.floor(Date.now() / 1000);
  const user = `bench-user-${n % target.users}`;
  const course = `bench-course-${n % target.courses}`;
  return {
    iss: ISSUER, sub: user, aud: target.client_id, azp: target.client_id, exp: now + 300, iat: now, nonce,
    name: `Bench User ${n % target.users}`, given_name: "Bench", family_name: `User ${n % target.users}`,
    email: `${user}@bench.invalid`,
    [LTI + "message_type"]: "LtiResourceLinkRequest",
    [LTI + "version"]: "1.3.0",
    [LTI + "deployment_id"]: target.deployment_id,
    [LTI + "target_link_uri"]: target.target_link_uri,
    [LTI + "resource_link"]: { id: `${course}-link`, title: "International skills path" },
    [LTI + "roles"]: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    [LTI + "context"]: { id: course, label: course, title: `Bench course ${course}`, type: ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"] },
    [LTI + "tool_platform"]: { guid: "bench-platform", name: "Bench College", product_family_code: "bench", version: "1" },
    [LTI + "launch_presentation"]: { locale: "en", document_target: "iframe" },
    // A "whole path" link (as the development LMS's intl-skills-path): ours lands on the path page.
  };
}

const MAX_REDIRECTS = 10; // a browser's limit is about 20; more than a few already fails the one-redirect rule

// The cookies a browser keeps for the tool: name -> {value, path}; sent to the URLs under their path.
function keepCookies(jar, setCookie) {
  for (const line of setCookie || []) {
    const [pair, ...attributes] = line.split(";");
    const at = pair.indexOf("=");
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const attribute = (key) => attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(key + "="));
    const path = attribute("path")?.slice(5) || "/";
    const maxAge = attribute("max-age");
    const expires = attribute("expires");
    const gone = (maxAge && Number(maxAge.slice(8)) <= 0) || (expires && Date.parse(expires.slice(8)) < Date.now());
    if (gone) delete jar[name];
    else jar[name] = { value, path };
  }
}

function cookieHeader(jar, url) {
  const path = new URL(url).pathname;
  return Object.entries(jar)
    .filter(([, cookie]) => path.startsWith(cookie.path.endsWith("/") ? cookie.path : cookie.path + "/") || path === cookie.path)
    .map(([name, cookie]) => `${name}=${cookie.value}`)
    .join("; ");
}

async function launchOnce(target, agent, n) {
  const login = await send(agent, "POST", target.login_url, FORM, new URLSearchParams({
    iss: ISSUER, login_hint: `bench-user-${n % target.users}`, target_link_uri: target.target_link_uri,
    client_id: target.client_id, lti_deployment_id: target.deployment_id,
  }).toString());
  if (login.status !== 302 || !login.headers.location) throw new LaunchFailed(`login answered ${login.status}: ${login.body.slice(0, 200)}`);
  const authorization = new URL(login.headers.location, target.login_url);
  const state = authorization.searchParams.get("state");
  const nonce = authorization.searchParams.get("nonce");
  const redirectUri = authorization.searchParams.get("redirect_uri");
  if (!state || !nonce || !redirectUri) throw new LaunchFailed(`authorization URL lacks state, nonce or redirect_uri: ${authorization}`);
  const jar = {};
  keepCookies(jar, login.headers["set-cookie"]);
  const idToken = signIdToken(claimsFor(target, nonce, n));
  const launch = await send(agent, "POST", redirectUri, { ...FORM, cookie: cookieHeader(jar, redirectUri) },
    new URLSearchParams({ id_token: idToken, state }).toString());
  if (launch.status !== 303) throw new LaunchFailed(`launch answered ${launch.status}: ${launch.body.replace(/\s+/g, " ").slice(0, 300)}`);
  // On to the first page, as the browser in the LMS frame goes.
  let answer = launch;
  let url = redirectUri;
  let redirects = 0;
  while (answer.status >= 300 && answer.status < 400) {
    redirects += 1;
    if (redirects > MAX_REDIRECTS) throw new LaunchFailed(`more than ${MAX_REDIRECTS} redirects after the launch POST`);
    if (!answer.headers.location) throw new LaunchFailed(`a ${answer.status} without a Location`);
    keepCookies(jar, answer.headers["set-cookie"]);
    url = new URL(answer.headers.location, url).toString();
    answer = await send(agent, "GET", url, { cookie: cookieHeader(jar, url) }, "");
  }
  if (answer.status !== 200) throw new LaunchFailed(`first page ${new URL(url).pathname} answered ${answer.status}: ${answer.body.replace(/\s+/g, " ").slice(0, 200)}`);
  return redirects;
}

const agents = {};
let launchCounter = 0;

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// One launch, timed from `begin` (the closed loop's start, or the open loop's scheduled start), into the tallies.
async function timedLaunch(target, agent, begin, tally) {
  try {
    const hops = await launchOnce(target, agent, launchCounter++);
    tally.redirects[hops] = (tally.redirects[hops] || 0) + 1;
    tally.latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
  } catch (error) {
    const reason = (error instanceof LaunchFailed ? error.message : `${error.code || error.message}`).slice(0, 160);
    tally.errors[reason] = (tally.errors[reason] || 0) + 1;
  }
}

function summary(tally, fields, t0, cpuBefore) {
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const latencies = tally.latencies.sort((a, b) => a - b);
  return {
    event: "result", ...fields, wall_s: wall, launches: latencies.length,
    errors: Object.values(tally.errors).reduce((a, b) => a + b, 0), error_reasons: tally.errors,
    latencies_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    redirects: tally.redirects,
    driver_cpu_s: (cpu.user + cpu.system) / 1e6,
  };
}

function agentFor(target) {
  agents[target.name] ||= new http.Agent({ keepAlive: true, maxSockets: 64 });
  return agents[target.name];
}

async function runClosed({ target, concurrency, seconds, max_launches }) {
  const agent = agentFor(target);
  const tally = { latencies: [], redirects: {}, errors: {} };
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  async function worker() {
    while (started < max_launches && process.hrtime.bigint() < deadline) {
      started += 1;
      await timedLaunch(target, agent, process.hrtime.bigint(), tally);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summary(tally, { target: target.name, mode: "closed", concurrency }, t0, cpuBefore);
}

const LATE_MS = 10; // a start this much after its schedule is "late": the driver's own event loop fell behind

async function runOpen({ target, rate, seconds, max_launches, drain_seconds = 30 }) {
  const agent = agentFor(target);
  const tally = { latencies: [], redirects: {}, errors: {} };
  const total = Math.min(max_launches, Math.max(1, Math.floor(seconds * rate)));
  const intervalNs = 1e9 / rate;
  const pending = new Set();
  let next = 0;
  let lateStarts = 0;
  let maxDelayMs = 0;
  const cpuBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const scheduledAt = (i) => t0 + BigInt(Math.round(i * intervalNs));
  await new Promise((resolve) => {
    function tick() {
      const now = process.hrtime.bigint();
      while (next < total && scheduledAt(next) <= now) {
        const scheduled = scheduledAt(next);
        const delayMs = Number(now - scheduled) / 1e6;
        if (delayMs > LATE_MS) lateStarts += 1;
        maxDelayMs = Math.max(maxDelayMs, delayMs);
        const launch = timedLaunch(target, agent, scheduled, tally).then(() => pending.delete(launch));
        pending.add(launch);
        next += 1;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, Number(scheduledAt(next) - process.hrtime.bigint()) / 1e6));
    }
    tick();
  });
  // The schedule ends one interval after the last start (its slot): a tool keeping up has nothing in flight then.
  const scheduleEnd = scheduledAt(total);
  const left = Number(scheduleEnd - process.hrtime.bigint()) / 1e6;
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  const scheduleS = Number(process.hrtime.bigint() - t0) / 1e9;
  const inFlightAtEnd = pending.size;
  let timer;
  await Promise.race([
    Promise.all(pending),
    new Promise((resolve) => { timer = setTimeout(resolve, drain_seconds * 1000); }),
  ]);
  clearTimeout(timer);
  const unfinished = pending.size;
  if (unfinished) tally.errors[`still in flight ${drain_seconds} s after the schedule ended`] = unfinished;
  // The launches still unfinished are left to end on their own; their sockets go when the agent does.
  return summary(tally, {
    target: target.name, mode: "open", rate, scheduled: total, started_rate: total / scheduleS,
    late_starts: lateStarts, max_start_delay_ms: maxDelayMs, in_flight_at_end: inFlightAtEnd, unfinished,
  }, t0, cpuBefore);
}

const run = (command) => (command.rate ? runOpen(command) : runClosed(command));

const reply = (message) => process.stdout.write(JSON.stringify(message) + "\n");

platform.listen(JWKS_PORT, "127.0.0.1", () => reply({ event: "ready", issuer: ISSUER, kid: KID }));

const commands = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
commands.on("line", (line) => {
  const command = JSON.parse(line);
  queue = queue.then(async () => {
    if (command.cmd === "run") reply(await run(command));
    else if (command.cmd === "jwks") reply({ event: "jwks", fetches: jwksFetches });
    else if (command.cmd === "quit") {
      Object.values(agents).forEach((agent) => agent.destroy());
      platform.close();
      commands.close();
    }
  });
});
