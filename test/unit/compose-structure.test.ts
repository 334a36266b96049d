/**
 * docker-compose.yml, Dockerfile and the README's "Deploy with compose" section, checked against
 * each other and against the code (no Docker needed): the services and the order they start in,
 * pinned images, health checks, the schema set up the supported way (admin-tools, not the
 * deprecated auto-setup image), the search attributes the workflow sets, a worker built from the
 * Dockerfile (multi-stage, non-root), and README commands that name services, profiles, ports and
 * the worker command the files really have. DURABATCH_README points the README checks at another
 * file (a draft of the section).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/search-attributes';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

// ── docker-compose.yml ──────────────────────────────────────────────────────────────────────────

type Scalar = string | number | boolean | null;
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, Scalar> | string[];
  ports?: Array<string | number | { target: number; published?: string | number; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  profiles?: string[];
  user?: string;
  configs?: Array<string | { source: string; target?: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const service = (name: string): ComposeService => {
  const s = services[name];
  assert.ok(s, `docker-compose.yml has no service "${name}" (has: ${Object.keys(services).join(', ')})`);
  return s;
};

/** Compose's variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt}, ${VAR:?err}, $$). */
function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      if (bare) return env[bare] ?? '';
      const value = env[name!];
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      switch (op) {
        case undefined:
          return value ?? '';
        case ':-':
          return nonEmpty ? value : arg!;
        case '-':
          return set ? value : arg!;
        case ':+':
          return nonEmpty ? arg! : '';
        case '+':
          return set ? arg! : '';
        default:
          if (op === ':?' ? !nonEmpty : !set) throw new Error(`\${${name}} is required: ${arg}`);
          return value!;
      }
    },
  );
}

function environment(s: ComposeService): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const words = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);
/** The service's entrypoint and command as one string, after compose's interpolation (`$$` is `$`). */
const commandLine = (s: ComposeService, env: Record<string, string> = {}) =>
  interpolate([...words(s.entrypoint), ...words(s.command)].join(' '), env);

function ports(s: ComposeService, env: Record<string, string> = {}): Array<{ ip: string; host: number; container: number }> {
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { ip: p.host_ip ?? '0.0.0.0', host: Number(interpolate(String(p.published ?? p.target), env)), container: Number(p.target) };
    }
    const parts = interpolate(String(p), env)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.pop());
    const host = parts.length ? Number(parts.pop()) : container;
    return { ip: parts.join(':') || '0.0.0.0', host, container };
  });
}
const publishedPort = (name: string, container: number) => {
  const p = ports(service(name)).find((q) => q.container === container);
  assert.ok(p, `${name} publishes no host port for its port ${container}`);
  return p;
};

function dependsOn(s: ComposeService): Record<string, string | undefined> {
  const d = s.depends_on ?? {};
  return Array.isArray(d)
    ? Object.fromEntries(d.map((n) => [n, undefined]))
    : Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v?.condition]));
}

/** `name:tag` (or a digest) with a tag that names a version; a registry's port is not a tag. */
function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.slice(image.indexOf('@') + 1);
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
}

function healthTest(s: ComposeService): string {
  const test = s.healthcheck?.test;
  if (!test || s.healthcheck?.disable) return '';
  return Array.isArray(test) ? (test[0] === 'NONE' ? '' : test.slice(1).join(' ')) : test;
}

/** What `--flag value` follows in a command line (the next word). */
function flagValues(line: string, flag: string): string[] {
  const out: string[] = [];
  const w = line.split(/\s+/);
  w.forEach((word, i) => {
    if (word === flag && i + 1 < w.length) out.push(w[i + 1]);
    else if (word.startsWith(`${flag}=`)) out.push(word.slice(flag.length + 1));
  });
  return out;
}

const EXPECTED = ['postgresql', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui', 'worker', 'emulator', 'codec-server'];
const durabatchServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('has every service of the deployment', () => {
    for (const name of EXPECTED) service(name);
  });

  it('uses no temporalio/auto-setup image (deprecated): the schema is set up by admin-tools', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(!/auto-setup/.test(s.image ?? ''), `${name} uses ${s.image}`);
    }
    assert.match(service('temporal').image!, /^temporalio\/server:/);
    assert.match(service('temporal-schema').image!, /^temporalio\/admin-tools:/);
    assert.match(service('temporal-setup').image!, /^temporalio\/admin-tools:/);
    assert.match(service('temporal-ui').image!, /^temporalio\/ui:/);
  });

  it('pins every image to a version (a tag, never `latest`)', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.image || s.build, `${name} has neither an image nor a build`);
      if (!s.image) continue;
      assert.doesNotMatch(s.image, /\$/, `${name}: the image should be written out, not come from a variable`);
      const tag = imageTag(s.image);
      assert.ok(tag, `${name}: image ${s.image} has no tag (that means latest)`);
      assert.notEqual(tag, 'latest', `${name}: image ${s.image}`);
      // Pulled images name a version; an image built here (durabatch) may carry a local tag.
      if (s.build === undefined) assert.match(tag, /\d/, `${name}: image ${s.image} is not pinned to a version`);
    }
    const version = (name: string) => imageTag(service(name).image!);
    assert.equal(version('temporal-schema'), version('temporal'), 'admin-tools (schema) and the server have the same version');
    assert.equal(version('temporal-setup'), version('temporal'), 'admin-tools (setup) and the server have the same version');
  });

  it('health-checks PostgreSQL, Temporal, the UI and the worker', () => {
    assert.match(healthTest(service('postgresql')), /pg_isready/);
    assert.match(healthTest(service('temporal')), /7233/);
    assert.match(healthTest(service('temporal-ui')), /8080/);
    assert.match(healthTest(service('worker')), /describeTaskQueue/);
    for (const name of ['emulator', 'codec-server']) assert.ok(healthTest(service(name)), `${name} has a health check`);
  });

  it('starts each step when the one before it is ready', () => {
    const want: Array<[string, string, string]> = [
      ['temporal-schema', 'postgresql', 'service_healthy'],
      ['temporal', 'temporal-schema', 'service_completed_successfully'],
      ['temporal', 'postgresql', 'service_healthy'],
      ['temporal-setup', 'temporal', 'service_healthy'],
      ['temporal-ui', 'temporal', 'service_healthy'],
      ['worker', 'temporal-setup', 'service_completed_successfully'],
      ['worker', 'postgresql', 'service_healthy'],
    ];
    for (const [from, to, condition] of want) {
      assert.equal(dependsOn(service(from))[to], condition, `${from} depends on ${to} with condition ${condition}`);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const dep of Object.keys(dependsOn(s))) assert.ok(services[dep], `${name} depends on a service that does not exist: ${dep}`);
    }
    for (const name of ['temporal-schema', 'temporal-setup']) {
      assert.ok(!service(name).profiles, `the one-shot ${name} runs in every profile`);
    }
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const mounts = service('postgresql').volumes ?? [];
    const data = mounts
      .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
      .find((v) => v.target === '/var/lib/postgresql/data');
    assert.ok(data?.source, 'postgresql mounts a volume at /var/lib/postgresql/data');
    assert.ok(compose.volumes && data.source in compose.volumes, `the volume ${data.source} is declared under volumes:`);
  });

  it('builds the worker from the Dockerfile, with no source mounted and the PostgreSQL store', () => {
    const worker = service('worker');
    assert.ok(worker.build, 'the worker has build:');
    const build = typeof worker.build === 'string' ? { context: worker.build } : worker.build;
    assert.equal(build.context ?? '.', '.');
    assert.equal(build.dockerfile ?? 'Dockerfile', 'Dockerfile');
    for (const v of worker.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.type === 'bind' ? (v.source ?? '?') : (v.source ?? '');
      assert.ok(!/^[./~]/.test(source) && !(typeof v === 'object' && v.type === 'bind'), `the worker bind-mounts ${source}`);
    }
    assert.ok(!/npm|npx/.test(commandLine(worker)), 'the worker installs nothing when it starts');
    assert.equal(worker.command, undefined, "the worker runs the image's command (the README says which)");
    assert.equal(worker.entrypoint, undefined);
    if (worker.user) assert.ok(!/^(root|0)(:|$)/.test(worker.user), 'the worker does not run as root');

    const store = interpolate(environment(worker).DURABATCH_STORE ?? '');
    assert.match(store, /^postgres(ql)?:\/\//, 'the worker has DURABATCH_STORE=postgres://...');
    const url = new URL(store);
    assert.ok(services[url.hostname], `the store's host ${url.hostname} is a compose service`);
    const pg = environment(service('postgresql'));
    assert.equal(url.username, pg.POSTGRES_USER);
    assert.equal(decodeURIComponent(url.password), interpolate(pg.POSTGRES_PASSWORD));
    assert.equal(url.pathname, `/${pg.POSTGRES_DB}`, "the store's database is the one the postgres image creates");
    assert.match(
      commandLine(service('temporal-schema')),
      new RegExp(`--db ${pg.POSTGRES_DB} create-database`),
      'and the schema step creates it if missing',
    );
    assert.equal(environment(worker).TEMPORAL_ADDRESS, 'temporal:7233');
    for (const v of ['DURABATCH_EMULATOR_URL', 'DURABATCH_CODEC_KEYS', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY']) {
      assert.ok(v in environment(worker), `the worker is given ${v}`);
    }
    for (const [name, s] of durabatchServices) {
      assert.deepEqual(s.build, worker.build, `${name} builds the worker's image`);
      assert.equal(s.image, worker.image, `${name} runs the worker's image`);
    }
  });

  it("sets up the schema with temporal-sql-tool, for both Temporal databases, from the image's schema files", () => {
    const script = commandLine(service('temporal-schema'));
    const env = environment(service('temporal-schema'));
    assert.equal(env.SQL_PLUGIN ?? flagValues(script, '--plugin')[0], 'postgres12');
    const server = environment(service('temporal'));
    for (const [db, dir] of [
      [server.DBNAME ?? 'temporal', 'temporal'],
      [server.VISIBILITY_DBNAME ?? 'temporal_visibility', 'visibility'],
    ]) {
      const steps = [
        `temporal-sql-tool --db ${db} create-database`,
        `temporal-sql-tool --db ${db} setup-schema -v 0.0`,
        `temporal-sql-tool --db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned`,
      ];
      let at = -1;
      for (const step of steps) {
        const i = script.indexOf(step);
        assert.ok(i > at, `temporal-schema runs, in this order: ${steps.join('; ')} (missing or out of order: ${step})`);
        at = i;
      }
    }
    // The server reads the same databases, on the same PostgreSQL, with the same account.
    assert.equal(server.DB, 'postgres12');
    assert.ok(services[server.POSTGRES_SEEDS], `POSTGRES_SEEDS=${server.POSTGRES_SEEDS} is a compose service`);
    assert.equal(env.SQL_HOST ?? flagValues(script, '--ep')[0], server.POSTGRES_SEEDS);
    assert.equal(server.POSTGRES_USER, environment(service('postgresql')).POSTGRES_USER);
    assert.equal(interpolate(server.POSTGRES_PWD), interpolate(environment(service('postgresql')).POSTGRES_PASSWORD));
    assert.equal(interpolate(env.SQL_PASSWORD ?? ''), interpolate(server.POSTGRES_PWD));
    assert.equal(server.BIND_ON_IP, '0.0.0.0', 'the frontend listens beyond its container');
  });

  it('gives the server its dynamic config file (it does not start without one)', () => {
    const server = service('temporal');
    const path = environment(server).DYNAMIC_CONFIG_FILE_PATH;
    assert.ok(path, 'DYNAMIC_CONFIG_FILE_PATH is set');
    const mount = (server.configs ?? [])
      .map((c) => (typeof c === 'string' ? { source: c, target: `/${c}` } : c))
      .find((c) => c.target === path);
    assert.ok(mount, `a config is mounted at ${path}`);
    const content = compose.configs?.[mount.source]?.content;
    assert.ok(content, `the config ${mount.source} is inline`);
    const values = parse(content) as Record<string, Array<{ value: unknown }>>;
    assert.ok(values && typeof values === 'object', 'the dynamic config is YAML');
    for (const [key, list] of Object.entries(values)) {
      assert.ok(Array.isArray(list) && list.every((v) => 'value' in v), `${key} is a list of { value, constraints }`);
    }
  });

  it("registers every search attribute the workflow sets, with its type, in the worker's namespace", () => {
    const script = commandLine(service('temporal-setup'));
    const namespace = environment(service('worker')).TEMPORAL_NAMESPACE ?? 'default';
    const creates = script.split('\n').filter((l) => /temporal operator search-attribute create/.test(l));
    assert.ok(creates.length > 0, 'temporal-setup runs `temporal operator search-attribute create`');
    const registered = new Map<string, string>();
    for (const line of creates) {
      assert.deepEqual(flagValues(line, '--namespace'), [namespace], `${line.trim()}: in namespace ${namespace}`);
      const names = flagValues(line, '--name');
      const types = flagValues(line, '--type');
      assert.equal(names.length, types.length, `${line.trim()}: one --type per --name`);
      names.forEach((n, i) => registered.set(n, types[i]));
    }
    assert.deepEqual(
      Object.fromEntries(registered),
      { ...SEARCH_ATTRIBUTES },
      'exactly the attributes of src/search-attributes.ts, with their types',
    );
    assert.match(
      script,
      new RegExp(`temporal operator namespace create --namespace ${namespace}\\b`),
      `temporal-setup creates the namespace ${namespace}`,
    );
    assert.match(script, /temporal operator cluster health/, 'it waits for the cluster to be healthy first');
    assert.equal(environment(service('temporal-setup')).TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('points the UI at Temporal, and at the codec server exactly when there are codec keys', () => {
    const ui = environment(service('temporal-ui'));
    assert.equal(ui.TEMPORAL_ADDRESS, 'temporal:7233');
    const codecPort = publishedPort('codec-server', 8888);
    assert.equal(codecPort.ip, '127.0.0.1', 'the codec server is published on the loopback only');
    assert.equal(interpolate(ui.TEMPORAL_CODEC_ENDPOINT ?? ''), '', 'no codec endpoint without keys');
    assert.equal(interpolate(ui.TEMPORAL_CODEC_ENDPOINT ?? '', { DURABATCH_CODEC_KEYS: 'k:key' }), `http://localhost:${codecPort.host}`);

    const codec = service('codec-server');
    assert.deepEqual(codec.profiles, ['codec']);
    const line = commandLine(codec);
    assert.match(line, /^durabatch codec-server\b/);
    assert.deepEqual(flagValues(line, '--host'), ['0.0.0.0'], 'it listens beyond its container');
    assert.deepEqual(flagValues(line, '--port'), [String(codecPort.container)]);
    const uiPort = publishedPort('temporal-ui', 8080).host;
    assert.ok(line.split(/\s+/).includes(`http://localhost:${uiPort}`), "the UI's origin may call it (--ui-origin)");
    assert.ok('DURABATCH_CODEC_KEYS' in environment(codec));
  });

  it('runs the emulator in the `offline` profile, listening for the worker', () => {
    const emulator = service('emulator');
    assert.deepEqual(emulator.profiles, ['offline']);
    const line = commandLine(emulator);
    assert.match(line, /^durabatch emulator\b/);
    assert.deepEqual(flagValues(line, '--host'), ['0.0.0.0']);
    assert.equal(flagValues(line, '--port').length, 1);
    assert.ok(!service('worker').profiles, 'the worker runs in every profile');
  });
});

// ── Dockerfile ─────────────────────────────────────────────────────────────────────────────────

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

function dockerfileStages(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    if (!full.trim()) continue;
    const [keyword] = full.split(/\s/, 1);
    instructions.push({ keyword: keyword.toUpperCase(), args: full.slice(keyword.length).trim() });
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const w = ins.args.split(/\s+/).filter((x) => !x.startsWith('--platform'));
      stages.push({ from: w[0], name: /^as$/i.test(w[1] ?? '') ? w[2] : undefined, instructions: [] });
    } else {
      assert.ok(stages.length, `${ins.keyword} before any FROM`);
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return stages;
}

/** An exec-form instruction's words (JSON array), or the shell form as `sh -c <text>`. */
const execWords = (args: string): string[] => (args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args]);

const dockerfile = read('Dockerfile');
const stages = dockerfileStages(dockerfile);
const runtime = stages.at(-1)!;
const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);

/**
 * The worker command the image runs: the CMD (under the node image's entrypoint, which runs it as
 * given), with a shell's `exec` dropped; `${VAR:+words}` is expanded both ways.
 */
function imageWorkerCommand(): { command: string; variants: Array<{ variable: string; command: string }> } {
  const cmd = last(runtime, 'CMD');
  assert.ok(cmd, 'the runtime stage has a CMD');
  assert.equal(last(runtime, 'ENTRYPOINT'), undefined, "the runtime stage keeps the node image's entrypoint");
  const w = execWords(cmd.args);
  const text = w.length === 3 && /(^|\/)(ba)?sh$/.test(w[0]) && w[1] === '-c' ? w[2] : w.join(' ');
  const body = text.trim().replace(/^exec\s+/, '');
  const squash = (s: string) => s.replace(/["']/g, '').replace(/\s+/g, ' ').trim();
  const variants: Array<{ variable: string; command: string }> = [];
  for (const m of body.matchAll(/\$\{([A-Za-z_]\w*):\+((?:[^{}]|\{[^}]*\})*)\}/g)) {
    variants.push({ variable: m[1], command: squash(body.replace(m[0], m[2]).replace(/\$\{[A-Za-z_]\w*:\+(?:[^{}]|\{[^}]*\})*\}/g, '')) });
  }
  return { command: squash(body.replace(/\$\{[A-Za-z_]\w*:\+(?:[^{}]|\{[^}]*\})*\}/g, '')), variants };
}

describe('Dockerfile', () => {
  it('is multi-stage, on pinned base images', () => {
    assert.ok(stages.length >= 2, `at least two stages (has ${stages.length})`);
    const names = new Set<string>();
    for (const stage of stages) {
      if (!names.has(stage.from)) {
        const tag = imageTag(stage.from);
        assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `FROM ${stage.from} is pinned to a version`);
      }
      if (stage.name) names.add(stage.name);
    }
  });

  it('builds in a build stage (`npm run build`) and ships the build to the runtime stage', () => {
    const runs = (stage: Stage) =>
      stage.instructions
        .filter((i) => i.keyword === 'RUN')
        .map((i) => i.args)
        .join('\n');
    const build = stages.slice(0, -1).find((s) => /npm run build/.test(runs(s)));
    assert.ok(build?.name, 'a named stage runs `npm run build`');
    assert.match(runs(build), /npm (install|ci)(?! --omit=dev)/, 'with every dependency installed');
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    assert.ok(
      copies.some((c) => c.includes(`--from=${build.name}`)),
      'the runtime stage copies from the build stage',
    );
    assert.ok(!copies.some((c) => !c.includes('--from=')), 'and copies nothing straight from the build context');
    assert.ok(!/npm (install|ci)\b(?!.*--omit=dev)/.test(runs(runtime)), 'the runtime stage installs no dev dependencies');
  });

  it('runs as a non-root user, and installs nothing when it starts', () => {
    const cmdAt = runtime.instructions.findIndex((i) => i.keyword === 'CMD');
    const users = runtime.instructions.slice(0, cmdAt).filter((i) => i.keyword === 'USER');
    assert.ok(users.length, 'USER before CMD in the runtime stage');
    assert.ok(!/^(root|0)(:|$)/.test(users.at(-1)!.args), `USER ${users.at(-1)!.args} is not root`);
    for (const keyword of ['CMD', 'ENTRYPOINT']) {
      const ins = last(runtime, keyword);
      if (ins) assert.ok(!/\bnpm\s+(install|i|ci)\b|\bnpx\b/.test(ins.args), `${keyword} installs nothing: ${ins.args}`);
    }
  });

  it("runs the worker through the package's own bin", () => {
    const { command, variants } = imageWorkerCommand();
    const pkg = JSON.parse(read('package.json')) as { name: string; bin?: string | Record<string, string> };
    const bins = typeof pkg.bin === 'string' ? [pkg.name] : Object.keys(pkg.bin ?? {});
    assert.deepEqual(command.split(' ').slice(0, 2), [bins[0], 'worker'], `the CMD runs \`${bins[0]} worker\` (package.json's bin)`);
    assert.match(dockerfile, /require\('\.\/package\.json'\)\.bin/, 'the bin on PATH is the one package.json names');
    for (const v of variants) assert.ok(v.variable in environment(service('worker')), `compose gives the worker ${v.variable}`);
  });

  it('leaves secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.git']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });
});

// ── README: "Deploy with compose" ──────────────────────────────────────────────────────────────

const SECTION = '## Deploy with compose';

function readmeSection(): { path: string; text: string } {
  const path = process.env.DURABATCH_README ?? join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = readme.search(/^## Deploy with compose[ \t]*$/m);
  if (start < 0) {
    assert.fail(
      `${path} has no "${SECTION}" section: the README must say how to deploy with docker-compose.yml (its commands are checked against the compose file and the Dockerfile)`,
    );
  }
  const body = readme.slice(start + SECTION.length);
  const end = body.search(/^## /m);
  return { path, text: end < 0 ? body : body.slice(0, end) };
}

/** Words of a shell line (quotes removed, comments dropped); redirections and separators are words of their own. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else if ('<>|;&'.includes(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
      let op = c;
      while (i + 1 < line.length && '<>|&'.includes(line[i + 1])) op += line[++i];
      out.push(op);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

interface ShellCommand {
  line: string;
  assignments: Record<string, string>;
  words: string[];
}

/** The simple commands of the section's sh/bash blocks, with their leading VAR=value assignments (and `export`s). */
function shellCommands(section: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  for (const block of section.matchAll(/^```(?:sh|bash|shell)[ \t]*\n([\s\S]*?)^```/gm)) {
    for (const line of block[1].replace(/\\\n/g, ' ').split('\n')) {
      let current: string[] = [];
      const flush = () => {
        let w = current;
        current = [];
        const assignments: Record<string, string> = {};
        if (w[0] === 'export') w = w.slice(1);
        while (w.length && /^[A-Za-z_]\w*=/.test(w[0])) {
          assignments[w[0].slice(0, w[0].indexOf('='))] = w[0].slice(w[0].indexOf('=') + 1);
          w = w.slice(1);
        }
        // Redirections (`< file`, `> file`) are not arguments.
        const words = w.filter((x, i) => !/^\d*[<>]+$/.test(x) && !/^\d*[<>]+$/.test(w[i - 1] ?? ''));
        if (words.length || Object.keys(assignments).length) out.push({ line: line.trim(), assignments, words });
      };
      for (const word of shellWords(line)) {
        if (['|', '||', '&&', ';', '&'].includes(word)) flush();
        else current.push(word);
      }
      flush();
    }
  }
  return out;
}

/** Inline code spans outside the fenced blocks, whitespace squashed. */
const inlineCode = (section: string) =>
  [...section.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\s+/g, ' ').trim());

/** `docker compose` options that take a value, global and per subcommand. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set([
  '--profile',
  '-f',
  '--file',
  '-p',
  '--project-name',
  '--env-file',
  '--project-directory',
  '--ansi',
  '--parallel',
  '--progress',
]);
// (Short flags that mean different things per subcommand, like `-t` and `-v`, are left out.)
const OPTIONS_WITH_VALUE = new Set([
  '--scale',
  '--timeout',
  '-e',
  '--env',
  '-u',
  '--user',
  '-w',
  '--workdir',
  '--index',
  '-n',
  '--tail',
  '--since',
  '--until',
  '--entrypoint',
  '--name',
  '--pull',
  '--wait-timeout',
  '--publish',
  '--volume',
  '-l',
  '--label',
  '--rmi',
  '--format',
  '--exit-code-from',
]);
const TAKES_SERVICES = new Set([
  'up',
  'start',
  'stop',
  'restart',
  'logs',
  'ps',
  'build',
  'pull',
  'push',
  'rm',
  'kill',
  'create',
  'top',
  'pause',
  'unpause',
  'images',
  'events',
  'port',
  'wait',
  'watch',
]);

interface ComposeCall {
  line: string;
  assignments: Record<string, string>;
  profiles: string[];
  subcommand: string;
  services: string[];
  /** For exec/run: the command run in the container. */
  inner: string[];
}

function composeCalls(commands: ShellCommand[]): ComposeCall[] {
  const calls: ComposeCall[] = [];
  for (const c of commands) {
    const w = c.words;
    const at = w[0] === 'docker' && w[1] === 'compose' ? 2 : w[0] === 'docker-compose' ? 1 : -1;
    if (at < 0) continue;
    const profiles: string[] = [];
    let i = at;
    for (; i < w.length && w[i].startsWith('-'); i++) {
      const [flag, inline] = w[i].split(/=(.*)/s);
      const value = inline ?? (GLOBAL_OPTIONS_WITH_VALUE.has(flag) ? w[++i] : undefined);
      if (flag === '--profile' && value) profiles.push(value);
    }
    const subcommand = w[i++] ?? '';
    const positional: string[] = [];
    const scaled: string[] = [];
    for (; i < w.length; i++) {
      if (w[i].startsWith('-')) {
        const [flag, inline] = w[i].split(/=(.*)/s);
        const value = inline ?? (OPTIONS_WITH_VALUE.has(flag) ? w[++i] : undefined);
        if (flag === '--scale' && value) scaled.push(value.split('=')[0]);
        continue;
      }
      positional.push(w[i]);
      if (subcommand === 'exec' || subcommand === 'run') break;
    }
    const inner = subcommand === 'exec' || subcommand === 'run' ? w.slice(i + 1) : [];
    const services = [...scaled, ...(TAKES_SERVICES.has(subcommand) || subcommand === 'exec' || subcommand === 'run' ? positional : [])];
    calls.push({ line: c.line, assignments: c.assignments, profiles, subcommand, services, inner });
  }
  return calls;
}

/** durabatch's subcommands, as the CLI's sources register them. */
function cliCommands(): Set<string> {
  const dir = join(root, 'src', 'cli');
  const files = [dir, join(dir, 'commands')].flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(d, f));
    } catch {
      return [];
    }
  });
  const names = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:command|jobCommand)\(\s*['"`]([a-z][\w-]*)/g)) names.add(m[1]);
  }
  return names;
}

describe('README "Deploy with compose" (its commands are the compose file\'s and the Dockerfile\'s)', () => {
  const profilesInCompose = new Set(Object.values(services).flatMap((s) => s.profiles ?? []));

  it('exists, with shell commands that use docker compose', () => {
    const { text } = readmeSection();
    const calls = composeCalls(shellCommands(text));
    assert.ok(
      calls.some((c) => c.subcommand === 'up'),
      'it says how to bring the deployment up (`docker compose up ...`)',
    );
    for (const c of calls) assert.ok(c.subcommand, `${c.line}: a docker compose subcommand`);
  });

  it('names only services and profiles that docker-compose.yml has', () => {
    const { text } = readmeSection();
    const calls = composeCalls(shellCommands(text));
    for (const c of calls) {
      for (const p of c.profiles)
        assert.ok(
          profilesInCompose.has(p),
          `${c.line}: no service has the profile "${p}" (profiles: ${[...profilesInCompose].join(', ')})`,
        );
      for (const s of c.services) assert.ok(services[s], `${c.line}: docker-compose.yml has no service "${s}"`);
    }
    // Every profile is documented with a command that starts it (`--profile P up`, or `up SERVICE`,
    // which enables the service's profiles).
    const starts = (c: ComposeCall, p: string) =>
      c.subcommand === 'up' && (c.profiles.includes(p) || c.services.some((s) => services[s]?.profiles?.includes(p)));
    for (const p of profilesInCompose) {
      assert.ok(
        calls.some((c) => starts(c, p)),
        `the section starts the profile "${p}" (docker compose --profile ${p} up ...)`,
      );
    }
  });

  it('runs only durabatch commands the CLI has', () => {
    const { text } = readmeSection();
    const known = cliCommands();
    const commands = shellCommands(text);
    const invocations = [
      ...commands.map((c) => (c.words[0] === 'npx' ? c.words.slice(1) : c.words)).filter((w) => w[0] === 'durabatch'),
      ...composeCalls(commands)
        .map((c) => c.inner)
        .filter((w) => w[0] === 'durabatch'),
    ];
    assert.ok(invocations.length, 'the section shows durabatch commands');
    for (const w of invocations) {
      const sub = w.slice(1).find((x) => !x.startsWith('-'));
      assert.ok(
        sub && known.has(sub),
        `durabatch ${w.slice(1).join(' ')}: the CLI has no command "${sub}" (has: ${[...known].join(', ')})`,
      );
    }
  });

  it("says the worker runs the Dockerfile's command, and what DURABATCH_EMULATOR_URL makes of it", () => {
    const { text } = readmeSection();
    const spans = inlineCode(text);
    const image = imageWorkerCommand();
    assert.ok(spans.includes(image.command), `the section names the worker's command \`${image.command}\` (the Dockerfile's CMD)`);
    for (const v of image.variants) {
      assert.ok(spans.includes(v.command), `the section says that with ${v.variable} set the worker runs \`${v.command}\``);
    }
    const allowed = new Set([image.command, ...image.variants.map((v) => v.command)]);
    for (const s of spans.filter((x) => x.startsWith(image.command))) {
      assert.ok(allowed.has(s), `\`${s}\` is not what the image runs (it runs ${[...allowed].map((a) => `\`${a}\``).join(' or ')})`);
    }
    const composeCommands = composeCalls(shellCommands(text));
    for (const c of composeCommands.filter(
      (x) => x.subcommand === 'run' && x.services.includes('worker') && x.inner[0] === 'durabatch' && x.inner[1] === 'worker',
    )) {
      assert.ok(allowed.has(c.inner.join(' ')), `${c.line}: not the image's worker command`);
    }
  });

  it('points the worker at the emulator service when it starts the `offline` profile', () => {
    const { text } = readmeSection();
    const calls = composeCalls(shellCommands(text));
    const emulator = service('emulator');
    const port = flagValues(commandLine(emulator), '--port')[0];
    const urls = [
      ...shellCommands(text)
        .map((c) => c.assignments.DURABATCH_EMULATOR_URL)
        .filter((u): u is string => u !== undefined),
      ...inlineCode(text)
        .filter((s) => s.startsWith('DURABATCH_EMULATOR_URL='))
        .map((s) => s.slice('DURABATCH_EMULATOR_URL='.length)),
    ];
    assert.ok(urls.length, 'the section sets DURABATCH_EMULATOR_URL');
    for (const u of urls) assert.equal(u, `http://emulator:${port}`, 'DURABATCH_EMULATOR_URL names the emulator service and its --port');
    for (const c of calls.filter(
      (x) => x.subcommand === 'up' && (x.services.includes('emulator') || emulator.profiles!.some((p) => x.profiles.includes(p))),
    )) {
      assert.ok(c.assignments.DURABATCH_EMULATOR_URL, `${c.line}: sets DURABATCH_EMULATOR_URL for the worker`);
    }
  });

  it('gives the host the URLs compose publishes: the job store, Temporal, the UI', () => {
    const { text } = readmeSection();
    const pg = environment(service('postgresql'));
    const pgPort = publishedPort('postgresql', 5432).host;
    const stores = [...text.matchAll(/postgres(?:ql)?:\/\/[^\s`"')]+/g)].map((m) => m[0]).filter((u) => !u.includes('<'));
    const hostStores = stores.map((u) => new URL(u)).filter((u) => ['localhost', '127.0.0.1'].includes(u.hostname));
    assert.ok(hostStores.length, "the section gives the host's job store URL (postgres://...@localhost:PORT/...)");
    const db = new URL(interpolate(environment(service('worker')).DURABATCH_STORE)).pathname;
    for (const u of hostStores) {
      assert.equal(u.username, pg.POSTGRES_USER, `${u.href}: user`);
      assert.equal(u.password, interpolate(pg.POSTGRES_PASSWORD), `${u.href}: the default password`);
      assert.equal(Number(u.port || 5432), pgPort, `${u.href}: the port postgresql is published on`);
      assert.equal(u.pathname, db, `${u.href}: the worker's database`);
    }
    const temporalPort = publishedPort('temporal', 7233).host;
    const addresses = [...text.matchAll(/TEMPORAL_ADDRESS=(\S+)/g)].map((m) => m[1]);
    assert.ok(addresses.length, 'the section gives TEMPORAL_ADDRESS for the host');
    for (const a of addresses) assert.equal(a, `127.0.0.1:${temporalPort}`, 'TEMPORAL_ADDRESS is where temporal is published');
    const uiPort = publishedPort('temporal-ui', 8080).host;
    for (const m of text.matchAll(/http:\/\/localhost:(\d+)(?!\/_)/g)) {
      const known = [uiPort, publishedPort('codec-server', 8888).host];
      assert.ok(known.includes(Number(m[1])), `${m[0]}: published by no service (UI ${uiPort}, codec server ${known[1]})`);
    }
    assert.ok(text.includes(`http://localhost:${uiPort}`), 'the section gives the Web UI address');
  });
});
