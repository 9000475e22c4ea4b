/**
 * A real single-node Elasticsearch, run in a JVM from the Maven Central server jars
 * (see scripts/elasticsearch: a tiny Maven project whose LocalNode starts a Node with classpath plugins).
 * No Docker, no distribution download. Needs a JDK >= 21 and Maven; the first build downloads the jars
 * into ~/.m2, later starts reuse them and skip Maven entirely.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/** A tool needed to run the local Elasticsearch is missing (JDK >= 21 or Maven). */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

const REQUIRED_JAVA = 21;
const LAUNCHER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../elasticsearch');
const TARGET_DIR = path.join(LAUNCHER_DIR, 'target');
const CLASSPATH_FILE = path.join(TARGET_DIR, 'classpath.txt');
const CLASSES_DIR = path.join(TARGET_DIR, 'classes');
const BUILD_STAMP = path.join(TARGET_DIR, '.launcher-built');
const BUILD_LOCK = path.join(TARGET_DIR, '.launcher-build.lock');
const MAIN_CLASS = 'local.es.LocalNode';
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

const ALTERNATIVE = 'Alternatively set ELASTICSEARCH_URL to an Elasticsearch 9.x you run yourself (e.g. http://127.0.0.1:9200) and no local one is started.';

type Log = (msg: string) => void;

// ---------------------------------------------------------------------------------------------------------------
// Tools

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; output: string; error?: NodeJS.ErrnoException }>((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}`, error: err ?? undefined });
    });
  });
}

async function javaMajor(javaBin: string): Promise<number | undefined> {
  if (!existsSync(javaBin)) return undefined;
  const { output, error } = await run(javaBin, ['-version']);
  if (error) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 ? Number(m[2]) : first;
}

export interface JavaInstall {
  javaHome: string;
  javaBin: string;
  major: number;
}

let javaCache: Promise<JavaInstall> | undefined;

/**
 * A JDK >= 21: JAVA_HOME if it is one, else /usr/lib/jvm/temurin-25*, else the newest /usr/lib/jvm/* >= 21,
 * else `java` on PATH.
 */
export function findJava(): Promise<JavaInstall> {
  javaCache ??= (async () => {
    const candidates: string[] = [];
    if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
    const jvmDir = '/usr/lib/jvm';
    if (existsSync(jvmDir)) {
      const entries = readdirSync(jvmDir).sort().reverse();
      candidates.push(...entries.filter((e) => e.startsWith('temurin-25')).map((e) => path.join(jvmDir, e)));
      candidates.push(...entries.map((e) => path.join(jvmDir, e)));
    }
    const seen = new Set<string>();
    let best: JavaInstall | undefined;
    for (const home of candidates) {
      const javaBin = path.join(home, 'bin', 'java');
      let real: string;
      try {
        real = realpathSync(javaBin);
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      const major = await javaMajor(javaBin);
      if (major === undefined || major < REQUIRED_JAVA) continue;
      const found = { javaHome: path.resolve(path.dirname(real), '..'), javaBin: real, major };
      if (home === process.env.JAVA_HOME || path.basename(home).startsWith('temurin-25')) return found;
      if (!best || major > best.major) best = found;
    }
    if (best) return best;
    // `java` on PATH
    const which = await run('sh', ['-c', 'command -v java']);
    const onPath = which.output.trim();
    if (which.code === 0 && onPath) {
      const real = realpathSync(onPath);
      const major = await javaMajor(real);
      if (major !== undefined && major >= REQUIRED_JAVA) return { javaHome: path.resolve(path.dirname(real), '..'), javaBin: real, major };
    }
    throw new MissingToolError(
      `Local Elasticsearch needs a Java ${REQUIRED_JAVA}+ JDK and none was found (checked JAVA_HOME, /usr/lib/jvm/*, java on PATH). ` +
        'Install one, e.g. `sudo apt-get install temurin-25-jdk` (Adoptium apt repo) or `sudo apt-get install openjdk-21-jdk`, ' +
        `or point JAVA_HOME at a JDK ${REQUIRED_JAVA}+. ${ALTERNATIVE}`,
    );
  })();
  javaCache.catch(() => {
    javaCache = undefined;
  });
  return javaCache;
}

export async function ensureMaven(java: JavaInstall): Promise<void> {
  const { code, error } = await run('mvn', ['-v'], { env: { ...process.env, JAVA_HOME: java.javaHome } });
  if (error && (error.code as unknown) === 'ENOENT') {
    throw new MissingToolError(
      'The local Elasticsearch and Redis come from Maven Central through Maven (`mvn`), which is not on PATH. ' +
        `Install it, e.g. \`sudo apt-get install maven\` (3.8+; downloads come from Maven Central). ${ALTERNATIVE}`,
    );
  }
  if (code !== 0) throw new MissingToolError(`\`mvn -v\` failed (exit ${code}); fix the Maven install. ${ALTERNATIVE}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Build

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

function launcherIsFresh(): boolean {
  if (!existsSync(BUILD_STAMP) || !existsSync(CLASSPATH_FILE) || !existsSync(path.join(CLASSES_DIR, 'local/es/LocalNode.class'))) {
    return false;
  }
  const built = statSync(BUILD_STAMP).mtimeMs;
  const inputs = Math.max(newestMtime(path.join(LAUNCHER_DIR, 'pom.xml')), newestMtime(path.join(LAUNCHER_DIR, 'src')));
  if (inputs > built) return false;
  // ~/.m2 may have been wiped since the last build
  return readClasspath().every((jar) => existsSync(jar));
}

function readClasspath(): string[] {
  return readFileSync(CLASSPATH_FILE, 'utf8').trim().split(path.delimiter).filter(Boolean);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cross-process lock (mkdir is atomic) so parallel test runs / npm start don't run two Maven builds into one target/. */
async function withBuildLock<T>(log: Log | undefined, fn: () => Promise<T>): Promise<T> {
  mkdirSync(TARGET_DIR, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(BUILD_LOCK).mtimeMs > 10 * 60_000) rmSync(BUILD_LOCK, { recursive: true, force: true }); // stale
      } catch {
        /* raced with its removal */
      }
      if (!told) log?.('Elasticsearch launcher: waiting for another build to finish...');
      told = true;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the build lock ${BUILD_LOCK}; remove it if no build is running.`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Builds scripts/elasticsearch with Maven when its output is missing or older than pom.xml / the Java sources. */
export async function buildElasticsearchLauncher(log?: Log): Promise<void> {
  const java = await findJava();
  if (launcherIsFresh()) return;
  await ensureMaven(java);
  await withBuildLock(log, async () => {
    if (launcherIsFresh()) return; // built by whoever held the lock
    const firstTime = !existsSync(CLASSPATH_FILE);
    log?.(
      firstTime
        ? 'Elasticsearch launcher: first build, downloading Elasticsearch jars from Maven Central (~70 MB into ~/.m2, once)...'
        : 'Elasticsearch launcher: sources changed, rebuilding...',
    );
    const started = Date.now();
    const { code, output, error } = await run('mvn', ['-q', '-B', 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`], {
      cwd: LAUNCHER_DIR,
      env: { ...process.env, JAVA_HOME: java.javaHome },
      timeoutMs: 15 * 60_000,
    });
    if (code !== 0) {
      const tail = output.split('\n').filter((l) => l.trim() && !/sun\.misc\.Unsafe|^WARNING: Please consider/.test(l));
      throw new Error(
        `Building the local Elasticsearch launcher failed (mvn exit ${code ?? error?.message}) in ${LAUNCHER_DIR}:\n${tail.slice(-30).join('\n')}`,
      );
    }
    writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
    log?.(`Elasticsearch launcher built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Run

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function clusterIsYellow(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=5s`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function jvmArgs(): string[] {
  const extra = (process.env.ES_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  return [
    '-Xms512m',
    '-Xmx1g',
    '-Xss1m',
    '-XX:+UseG1GC',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    '--enable-native-access=ALL-UNNAMED',
    '--add-modules=jdk.incubator.vector',
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    '-Djava.locale.providers=CLDR',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    ...extra,
  ];
}

/**
 * Starts Elasticsearch with its data under dataDir (kept between runs) and its log in `<dataDir>.log`.
 * port 0/undefined lets the node bind a free port. The JVM exits by itself when this process dies
 * (it watches its stdin pipe), and is killed on this process's 'exit' as well.
 */
export async function startElasticsearch(opts: { dataDir: string; port?: number; log?: Log; node?: ClusterMember }): Promise<RunningService> {
  const java = await findJava();
  await buildElasticsearchLauncher(opts.log);

  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = `${dataDir}.log`;
  const port = opts.port ?? 0;
  if (port && (await portTaken(port))) {
    throw new Error(`Elasticsearch: port ${port} is already in use; stop what uses it, or set ELASTICSEARCH_URL to use that server.`);
  }

  const classpath = [CLASSES_DIR, ...readClasspath()].join(path.delimiter);
  const logStream = createWriteStream(logFile, { flags: 'a' });
  logStream.write(`\n===== ${new Date().toISOString()} starting Elasticsearch (java ${java.major}, data ${dataDir}) =====\n`);
  const recent: string[] = [];
  const remember = (chunk: Buffer) => {
    logStream.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) recent.push(line);
    if (recent.length > 200) recent.splice(0, recent.length - 200);
  };
  const tail = (n = 40) => recent.slice(-n).join('\n');

  const started = Date.now();
  const member = opts.node ? [opts.node.name, String(opts.node.transportPort), opts.node.seedHosts.join(','), opts.node.masters.join(',')] : [];
  const child: ChildProcess = spawn(java.javaBin, [...jvmArgs(), '-cp', classpath, MAIN_CLASS, dataDir, String(port), ...member], {
    cwd: LAUNCHER_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
    // own process group: a terminal Ctrl-C reaches this process first, which then stops the node in order;
    // if this process dies anyway, the JVM sees EOF on stdin and shuts down.
    detached: true,
  });
  let exited = child.exitCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const killOnExit = () => {
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGTERM'); // the JVM closes the node and exits (and halts itself after 20s)
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', killOnExit);
  child.stdin?.on('error', () => {}); // EPIPE once the JVM is gone

  let readyUrl: string | undefined;
  const readyLine = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      remember(chunk);
      if (readyUrl) return;
      buffered += chunk.toString('utf8');
      const m = /ES_READY (http:\/\/\S+)/.exec(buffered);
      if (m?.[1]) {
        readyUrl = m[1];
        buffered = '';
        resolve(readyUrl);
      } else if (buffered.length > 65536) buffered = buffered.slice(-1024);
    });
    child.stderr?.on('data', remember);
    child.once('error', (err) => reject(new Error(`Elasticsearch: could not run ${java.javaBin}: ${err.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`Elasticsearch exited during startup (${signal ?? `exit code ${code}`}); last output (full log: ${logFile}):\n${tail()}`)),
    );
  });

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        if (!exited && child.pid) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }, STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    child.stdin?.destroy();
    await new Promise<void>((resolve) => logStream.end(resolve));
  };

  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Elasticsearch did not become ready within ${START_TIMEOUT_MS / 1000}s; last output (full log: ${logFile}):\n${tail()}`)),
        START_TIMEOUT_MS,
      );
    });
    try {
      const url = await Promise.race([readyLine, timeout]);
      for (;;) {
        if (await Promise.race([clusterIsYellow(url), timeout])) break;
        if (exited) throw new Error(`Elasticsearch exited during startup; last output (full log: ${logFile}):\n${tail()}`);
        await sleep(250);
      }
    } finally {
      clearTimeout(timer);
    }
  } catch (err) {
    readyLine.catch(() => {});
    await stop();
    throw err;
  }
  readyLine.catch(() => {}); // a later exit is not a startup failure

  // Don't keep the event loop alive just for the JVM: the 'exit' handler / stdin EOF take it down with us.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const url = readyUrl!;
  if (opts.node) {
    opts.log?.(`Elasticsearch node ${opts.node.name} started on ${url} in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${logFile})`);
    return { url, stop };
  }
  opts.log?.(`Elasticsearch started on ${url} in ${((Date.now() - started) / 1000).toFixed(1)}s (data: ${dataDir}, log: ${logFile})`);
  return { url, stop };
}

/** One node of a local cluster: its name, its transport port, and how it finds the others. */
interface ClusterMember {
  name: string;
  transportPort: number;
  /** Transport addresses of every node (host:port). */
  seedHosts: string[];
  /** Names of the nodes that bootstrap the cluster; empty once it has been. */
  masters: string[];
}

/**
 * A cluster of real nodes on 127.0.0.1, one JVM each, every one master-eligible and a data node, with
 * its data under `<dataDir>/<node name>`; one HTTP port each (`ports`). Resolves once every node has
 * joined; `url` lists the nodes' URLs, comma separated, as ELASTICSEARCH_URL accepts them.
 */
export async function startElasticsearchCluster(opts: { dataDir: string; ports: number[]; log?: Log }): Promise<RunningService> {
  await buildElasticsearchLauncher(opts.log);
  const names = opts.ports.map((_, i) => `node-${i + 1}`);
  const transportPorts: number[] = [];
  while (transportPorts.length < names.length) {
    const port = await freePort();
    if (!transportPorts.includes(port)) transportPorts.push(port);
  }
  const seedHosts = transportPorts.map((p) => `127.0.0.1:${p}`);
  // Bootstrapped once, when the cluster is new; naming initial masters afterwards only earns a warning.
  const masters = existsSync(path.join(opts.dataDir, names[0]!, 'data', '_state')) ? [] : names;
  const results = await Promise.allSettled(
    names.map((name, i) =>
      startElasticsearch({
        dataDir: path.join(opts.dataDir, name),
        port: opts.ports[i]!,
        ...(opts.log ? { log: opts.log } : {}),
        node: { name, transportPort: transportPorts[i]!, seedHosts, masters },
      }),
    ),
  );
  const nodes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => void (await Promise.all(nodes.map((n) => n.stop())));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const health = await fetch(`${nodes[0]!.url}/_cluster/health?wait_for_nodes=${names.length}&wait_for_status=yellow&timeout=60s`);
  const body = (await health.json()) as { number_of_nodes: number; status: string };
  if (!health.ok || body.number_of_nodes !== names.length) {
    await stop();
    throw new Error(`Elasticsearch: only ${body.number_of_nodes} of ${names.length} nodes joined the cluster`);
  }
  opts.log?.(`Elasticsearch cluster of ${names.length} nodes is ${body.status} (${nodes.map((n) => n.url).join(', ')})`);
  return { url: nodes.map((n) => n.url).join(','), stop };
}
